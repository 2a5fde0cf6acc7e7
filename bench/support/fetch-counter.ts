/**
 * Preloaded into a `sked` command the bench runs as a child process (`node --import tsx --import <this file>
 * bin/sked.mjs ...`): wraps globalThis.fetch, which sked's typed client calls for every HTTP request (a retry is a
 * request of its own), and at exit writes the requests it made to the JSON file BENCH_FETCH_COUNTS names, counted by
 * `METHOD /route STATUS` (a job id in the path reads `{id}`). The process is otherwise the real command line.
 */
import { writeFileSync } from 'node:fs';

/** `/restapis/<id>/<stage>/_user_request_/jobs/nightly?force=true` → `/jobs/{id}`. */
export function routeOf(url: URL): string {
  const path = url.pathname.replace(/^.*\/_user_request_/, '');
  return path.replace(/^\/jobs\/[^/]+/, '/jobs/{id}').replace(/\/runs\/[^/]+$/, '/runs/{runId}');
}

const file = process.env['BENCH_FETCH_COUNTS'];
if (file !== undefined && file !== '') {
  const counts: Record<string, number> = {};
  const original = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : input);
    const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
    let outcome = 'network-error';
    try {
      const response = await original(input, init);
      outcome = String(response.status);
      return response;
    } finally {
      const key = `${method} ${routeOf(url)} ${outcome}`;
      counts[key] = (counts[key] ?? 0) + 1;
    }
  };
  process.on('exit', () => writeFileSync(file, JSON.stringify(counts)));
}
