/** Light, dark, or the system's choice (Pico reads `data-theme` on the root element, else prefers-color-scheme). */
export type Theme = 'auto' | 'light' | 'dark';

const KEY = 'sked-console-theme';

export function storedTheme(): Theme {
  const value = localStorage.getItem(KEY);
  return value === 'light' || value === 'dark' ? value : 'auto';
}

export function applyTheme(theme: Theme): void {
  if (theme === 'auto') {
    document.documentElement.removeAttribute('data-theme');
    localStorage.removeItem(KEY);
  } else {
    document.documentElement.setAttribute('data-theme', theme);
    localStorage.setItem(KEY, theme);
  }
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
