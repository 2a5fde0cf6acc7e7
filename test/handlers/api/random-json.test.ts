import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apiClient } from '../../support/fakes/api-handler';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

const anyJson = fc.jsonValue({ maxDepth: 4 });

/** Objects that look like jobs, so the property also reaches the deeper checks (trigger, task payload, url). */
const jobLike = fc.record(
  {
    id: fc.oneof(fc.string({ maxLength: 70 }), anyJson),
    name: anyJson,
    group: fc.oneof(fc.constantFrom('default', 'billing', 'bad group'), anyJson),
    trigger: fc.oneof(
      fc.record(
        {
          type: fc.constantFrom('cron', 'interval', 'date', 'other'),
          expression: fc.oneof(fc.constantFrom('0 9 * * *', 'cron(0 9 * * ? *)', '* * *', '0 9 1 * MON'), fc.string()),
          minutes: fc.oneof(fc.integer({ min: -5, max: 100_000 }), anyJson),
          seconds: fc.integer({ min: -5, max: 200 }),
          runAt: fc.oneof(fc.constantFrom('2031-01-01T00:00:00Z', '2031-02-30T25:00'), fc.string()),
          timezone: fc.constantFrom('UTC', 'Europe/Paris', 'Nowhere/City', '+05:00'),
          day_of_week: fc.oneof(fc.constantFrom('mon-fri', '0', '9'), fc.integer()),
        },
        { requiredKeys: ['type'] },
      ),
      anyJson,
    ),
    target: fc.oneof(
      fc.record(
        {
          type: fc.constantFrom('task', 'http'),
          task: fc.constantFrom('report', 'noop', 'unknown'),
          payload: anyJson,
          url: fc.oneof(
            fc.constantFrom('https://example.com/h', 'https://10.0.0.1/', 'ftp://x'),
            fc.webUrl(),
            fc.string(),
          ),
          body: anyJson,
          method: fc.constantFrom('GET', 'POST', 'BREW'),
        },
        { requiredKeys: ['type'] },
      ),
      anyJson,
    ),
    jitterMinutes: anyJson,
    retry: fc.oneof(fc.record({ maxAttempts: anyJson, multiplier: anyJson }, { requiredKeys: [] }), anyJson),
    tags: fc.oneof(fc.array(fc.string({ maxLength: 10 }), { maxLength: 25 }), anyJson),
    startAt: fc.oneof(fc.constantFrom('2031-01-01T00:00:00Z', '2020-01-01T00:00:00Z'), anyJson),
    endAt: fc.oneof(fc.constantFrom('2032-01-01T00:00:00Z', '2030-01-01T00:00:00Z'), anyJson),
  },
  { requiredKeys: [] },
);

const bodies = fc.oneof(
  anyJson,
  jobLike,
  fc.string().map((text) => ({ raw: text })),
);

function serialise(body: unknown): string {
  if (typeof body === 'object' && body !== null && 'raw' in body && typeof body.raw === 'string') return body.raw;
  return JSON.stringify(body) ?? 'null';
}

describe('random JSON', () => {
  it('never gets a 5xx from create', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(bodies, fc.constantFrom(undefined, 'replace', 'fail', 'x'), async (body, onConflict) => {
        const response = await call({
          method: 'POST',
          path: '/jobs',
          body: serialise(body),
          ...(onConflict !== undefined && { query: { onConflict } }),
        });
        expect(response.statusCode).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
  });

  it('never gets a 5xx from patch', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const call = apiClient(deps);
    await call({ method: 'PUT', path: '/jobs/target', body: cronJobBody() });

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const response = await call({ method: 'PATCH', path: '/jobs/target', body: serialise(body) });
        expect(response.statusCode).toBeLessThan(500);
      }),
      { numRuns: 400 },
    );
    expect(deps.store.jobs.has('target')).toBe(true);
  });
});
