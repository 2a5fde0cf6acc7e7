import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { Link, Redirect, Route, Switch, useLocation } from 'wouter';
import { api } from './api';
import { DlqPage } from './pages/dlq-page';
import { JobPage } from './pages/job-page';
import { JobsPage } from './pages/jobs-page';
import { RunsPage } from './pages/runs-page';
import { applyTheme, storedTheme, type Theme } from './theme';

const NEXT_THEME: Record<Theme, Theme> = { auto: 'light', light: 'dark', dark: 'auto' };

function ThemeButton() {
  const [theme, setTheme] = useState<Theme>(storedTheme);
  return (
    <button
      type="button"
      className="secondary outline theme-button"
      aria-label={`Theme: ${theme}. Switch to ${NEXT_THEME[theme]}`}
      onClick={() => {
        const next = NEXT_THEME[theme];
        applyTheme(next);
        setTheme(next);
      }}
    >
      Theme: {theme}
    </button>
  );
}

function NavLink({ href, label }: { href: string; label: string }) {
  const [location] = useLocation();
  const current = location === href || (href === '/jobs' && location.startsWith('/jobs/'));
  return (
    <li>
      <Link href={href} aria-current={current ? 'page' : undefined}>
        {label}
      </Link>
    </li>
  );
}

export function App() {
  const info = useQuery({ queryKey: ['info'], queryFn: () => api.info(), staleTime: Infinity, refetchInterval: false });
  return (
    <>
      {/* Hash routes own the fragment: the link moves focus itself instead of changing the location. */}
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          event.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        Skip to content
      </a>
      <header className="container-fluid">
        <nav aria-label="Main">
          <ul>
            <li>
              <strong>sked</strong>
            </li>
            <NavLink href="/jobs" label="Jobs" />
            <NavLink href="/runs" label="Runs" />
            <NavLink href="/dlq" label="DLQ" />
          </ul>
          <ul>
            <li className="deployment" title={info.data?.baseUrl}>
              {info.data !== undefined
                ? `${info.data.local ? 'local cloud' : info.data.region} · ${info.data.source}`
                : ''}
            </li>
            <li>
              <ThemeButton />
            </li>
          </ul>
        </nav>
      </header>
      <main id="main" className="container-fluid" tabIndex={-1}>
        <Switch>
          <Route path="/jobs" component={JobsPage} />
          <Route path="/jobs/:id">{(params) => <JobPage key={params.id} id={decodeURIComponent(params.id)} />}</Route>
          <Route path="/runs" component={RunsPage} />
          <Route path="/dlq" component={DlqPage} />
          <Route>
            <Redirect to="/jobs" />
          </Route>
        </Switch>
      </main>
    </>
  );
}
