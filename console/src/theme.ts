/** Light, dark, or the system's choice (Pico reads `data-theme` on the root element, else prefers-color-scheme). */
export type Theme = 'auto' | 'light' | 'dark';

const KEY = 'sked-console-theme';

export function storedTheme(): Theme {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'auto';
}

/** Sent on `window` when the theme changes, for what draws its own colours (the run timeline). */
export const THEME_EVENT = 'sked-theme';

export function applyTheme(theme: Theme): void {
  if (theme === 'auto') {
    document.documentElement.removeAttribute('data-theme');
    localStorage.removeItem(KEY);
  } else {
    document.documentElement.setAttribute('data-theme', theme);
    localStorage.setItem(KEY, theme);
  }
  window.dispatchEvent(new Event(THEME_EVENT));
}

export function applyStoredTheme(): void {
  applyTheme(storedTheme());
}

/** The theme in force, for drawing charts in matching colours. */
export function isDark(): boolean {
  const chosen = document.documentElement.getAttribute('data-theme');
  if (chosen !== null) return chosen === 'dark';
  return window.matchMedia('(prefers-color-scheme: dark)').matches;
}

/** Calls back whenever the theme in force may have changed: chosen in the page, or the system's changed. */
export function onThemeChange(callback: () => void): () => void {
  const media = window.matchMedia('(prefers-color-scheme: dark)');
  window.addEventListener(THEME_EVENT, callback);
  media.addEventListener('change', callback);
  return () => {
    window.removeEventListener(THEME_EVENT, callback);
    media.removeEventListener('change', callback);
  };
}
