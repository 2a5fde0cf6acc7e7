import '@picocss/pico/css/pico.min.css';
import './styles.css';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { Router } from 'wouter';
import { useHashLocation } from 'wouter/use-hash-location';
import { App } from './app';
import { applyStoredTheme } from './theme';

applyStoredTheme();

const queries = new QueryClient({
  defaultOptions: {
    // An on-call view: fresh on focus and every 15 s, and a refused call is shown, not retried behind the user's back.
    queries: { staleTime: 5_000, refetchInterval: 15_000, retry: 1 },
    mutations: { retry: false },
  },
});

const root = document.getElementById('root');
if (root === null) throw new Error('sked console: the page has no #root element');
createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queries}>
      <Router hook={useHashLocation}>
        <App />
      </Router>
    </QueryClientProvider>
  </StrictMode>,
);
