import { inspect } from 'node:util';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { apiClient } from '../../support/fakes/api-handler';
import { fakeJobsDeps } from '../../support/fakes/jobs-deps';

const SECRET = 's3cr3t-webhook-token';

const webhookJob = {
  id: 'hook',
  trigger: { type: 'interval', minutes: 5 },
  target: {
    type: 'http',
    url: 'https://hooks.example.com/run',
    headers: { Authorization: `Bearer ${SECRET}`, 'X-Api-Key': SECRET },
    body: { token: SECRET },
  },
};

describe('webhook credentials', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('never reach the logs or the lifecycle events, even when writes fail', async () => {
    // Prepare
    const written: string[] = [];
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      written.push(String(chunk));
      return true;
    });
    const deps = fakeJobsDeps();
    const call = apiClient(deps, new Logger({ serviceName: 'sked-api-test', logLevel: 'DEBUG' }));
    await call({ method: 'POST', path: '/jobs', body: webhookJob });

    // Act
    deps.schedules.beforePut = () => {
      throw new Error(`scheduler down while writing ${JSON.stringify(webhookJob)}`.replaceAll(SECRET, '***'));
    };
    const failedPatch = await call({ method: 'PATCH', path: '/jobs/hook', body: { name: 'renamed' } });
    deps.schedules.beforePut = () => undefined;
    deps.events.failWith = new Error('bus down');
    await call({ method: 'PATCH', path: '/jobs/hook', body: { target: { headers: { 'X-Extra': SECRET } } } });
    deps.events.failWith = undefined;
    await call({ method: 'POST', path: '/jobs/hook/pause', body: { reason: 'incident' } });
    const refused = await call({
      method: 'PATCH',
      path: '/jobs/hook',
      body: { target: { headers: { 'bad name': SECRET } } },
    });
    deps.schedules.beforeDelete = () => {
      throw new Error('scheduler down');
    };
    await call({ method: 'DELETE', path: '/jobs/hook' });

    // Assess
    expect(failedPatch.statusCode).toBe(502);
    expect(refused.statusCode).toBe(400);
    expect(written.length).toBeGreaterThan(0);
    expect(written.join('\n')).not.toContain(SECRET);
    expect(inspect(deps.log.entries, { depth: 10 })).not.toContain(SECRET);
    expect(inspect(deps.events.published, { depth: 10 })).not.toContain(SECRET);
    expect(deps.events.types()).toEqual(['JobCreated', 'JobPaused', 'JobDeleted']);
  });
});
