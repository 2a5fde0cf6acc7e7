import { describe, expect, it } from 'vitest';
import { bodyOf } from '../../support/fakes/api-gateway-event';
import { apiClient } from '../../support/fakes/api-handler';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

const alice = 'arn:aws:iam::000000000000:user/alice';

describe('the jobs API handler', () => {
  it('creates a job with 201, Location and ETag', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const call = apiClient(deps);

    // Act
    const response = await call({ method: 'POST', path: '/jobs', body: cronJobBody({ id: 'nightly' }) });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.headers).toMatchObject({
      'Content-Type': 'application/json',
      Location: '/jobs/nightly',
      ETag: '"nightly.v1"',
    });
    expect(bodyOf(response)).toMatchObject({ id: 'nightly', version: 1, state: 'enabled' });
  });

  it('answers a second create of the same id with a 409 problem, and replaces with onConflict=replace', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());
    await call({ method: 'POST', path: '/jobs', body: cronJobBody({ id: 'dup' }) });

    // Act
    const conflict = await call({ method: 'POST', path: '/jobs', body: cronJobBody({ id: 'dup' }) });
    const replaced = await call({
      method: 'POST',
      path: '/jobs',
      query: { onConflict: 'replace' },
      body: cronJobBody({ id: 'dup', name: 'again' }),
    });

    // Assess
    expect(conflict.statusCode).toBe(409);
    expect(conflict.headers?.['Content-Type']).toBe('application/problem+json');
    expect(bodyOf(conflict)).toMatchObject({ type: 'urn:sked:problem:job-exists', status: 409, instance: '/jobs' });
    expect(replaced.statusCode).toBe(200);
    expect(bodyOf(replaced)).toMatchObject({ name: 'again', version: 2 });
  });

  it('reads a job with its next runs and ETag', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());
    await call({ method: 'PUT', path: '/jobs/j', body: cronJobBody() });

    // Act
    const response = await call({ method: 'GET', path: '/jobs/j' });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.ETag).toBe('"j.v1"');
    expect(bodyOf(response).nextRuns).toHaveLength(5);
  });

  it('creates with PUT (201) then replaces (200), honouring If-Match', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());

    // Act
    const created = await call({ method: 'PUT', path: '/jobs/p', body: cronJobBody() });
    const replaced = await call({
      method: 'PUT',
      path: '/jobs/p',
      headers: { 'If-Match': '"p.v1"' },
      body: cronJobBody({ name: 'second' }),
    });
    const stale = await call({
      method: 'PUT',
      path: '/jobs/p',
      headers: { 'If-Match': '"p.v1"' },
      body: cronJobBody({ name: 'third' }),
    });

    // Assess
    expect([created.statusCode, replaced.statusCode, stale.statusCode]).toEqual([201, 200, 412]);
    expect(bodyOf(stale)).toMatchObject({
      type: 'urn:sked:problem:precondition-failed',
      errors: [{ path: 'header.If-Match', message: 'does not match the current ETag' }],
    });
  });

  it('patches with a merge patch and returns the new ETag', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());
    await call({ method: 'PUT', path: '/jobs/p', body: cronJobBody() });

    // Act
    const response = await call({
      method: 'PATCH',
      path: '/jobs/p',
      headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': '"p.v1"' },
      body: { trigger: { type: 'interval', minutes: 10 } },
    });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.ETag).toBe('"p.v2"');
    expect(bodyOf(response).trigger).toEqual({ type: 'interval', minutes: 10 });
  });

  it('pauses with the caller recorded and resumes', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const call = apiClient(deps);
    await call({ method: 'PUT', path: '/jobs/p', body: cronJobBody() });

    // Act
    const paused = await call({ method: 'POST', path: '/jobs/p/pause', body: { reason: 'db migration' } });
    const resumed = await call({ method: 'POST', path: '/jobs/p/resume' });

    // Assess
    expect(bodyOf(paused)).toMatchObject({ state: 'paused', paused: { by: alice, reason: 'db migration' } });
    expect(bodyOf(resumed)).toMatchObject({ state: 'enabled' });
    expect(deps.schedules.definitions.get('p')?.State).toBe('ENABLED');
  });

  it('runs a job now with 202 and one manual envelope', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const call = apiClient(deps);
    await call({ method: 'PUT', path: '/jobs/p', body: cronJobBody() });

    // Act
    const response = await call({ method: 'POST', path: '/jobs/p/run' });

    // Assess
    expect(response.statusCode).toBe(202);
    expect(bodyOf(response)).toEqual({ runId: '20300101T000000Z-ms1' });
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('deletes with 204 and then answers 404', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());
    await call({ method: 'PUT', path: '/jobs/p', body: cronJobBody() });

    // Act
    const deleted = await call({ method: 'DELETE', path: '/jobs/p' });
    const again = await call({ method: 'DELETE', path: '/jobs/p' });

    // Assess
    expect(deleted.statusCode).toBe(204);
    expect(again.statusCode).toBe(404);
    expect(bodyOf(again)).toMatchObject({ type: 'urn:sked:problem:job-not-found', errors: [{ path: 'id' }] });
  });

  it('lists jobs, runs, tasks, previews a trigger and serves the OpenAPI document', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const call = apiClient(deps);
    await call({ method: 'PUT', path: '/jobs/p', body: cronJobBody() });
    deps.runs.seed({
      jobId: 'p',
      runId: 'r1',
      scheduledTime: '2030-01-01T09:30:00Z',
      kind: 'schedule',
      status: 'succeeded',
      attempts: 1,
    });

    // Act
    const jobs = await call({ method: 'GET', path: '/jobs', query: { limit: '10' } });
    const runs = await call({ method: 'GET', path: '/jobs/p/runs' });
    const run = await call({ method: 'GET', path: '/jobs/p/runs/r1' });
    const tasks = await call({ method: 'GET', path: '/tasks' });
    const preview = await call({
      method: 'POST',
      path: '/triggers/preview',
      body: { trigger: { type: 'interval', hours: 1 }, count: 3 },
    });
    const openapi = await call({ method: 'GET', path: '/openapi.json' });

    // Assess
    expect(bodyOf(jobs).items).toHaveLength(1);
    expect(bodyOf(runs).items).toHaveLength(1);
    expect(bodyOf(run)).toMatchObject({ runId: 'r1', status: 'succeeded' });
    expect(bodyOf(tasks).items).toHaveLength(2);
    expect(bodyOf(preview)).toMatchObject({ expression: 'rate(1 hour)', timezone: 'UTC' });
    expect(bodyOf(openapi)).toMatchObject({ openapi: '3.1.0' });
  });

  it('answers an unknown route with 404 and a wrong method with 405 and Allow', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());

    // Act
    const missing = await call({ method: 'GET', path: '/nothing/here' });
    const wrongMethod = await call({ method: 'DELETE', path: '/jobs' });

    // Assess
    expect(missing.statusCode).toBe(404);
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers?.Allow).toBe('GET, POST');
  });

  it('hides an unexpected failure behind a 500 problem with no stack', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    deps.store.list = () => Promise.reject(new Error('secret internals at /var/task/index.js:1:2'));
    const call = apiClient(deps);

    // Act
    const response = await call({ method: 'GET', path: '/jobs' });

    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('secret internals');
    expect(response.body).not.toContain('index.js');
    expect(bodyOf(response)).toMatchObject({ type: 'urn:sked:problem:internal', status: 500 });
  });

  it('answers a Scheduler failure during create with 502 and leaves no job', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    deps.schedules.beforePut = () => {
      throw new Error('ServiceUnavailable');
    };
    const call = apiClient(deps);

    // Act
    const response = await call({ method: 'POST', path: '/jobs', body: cronJobBody({ id: 'x' }) });

    // Assess
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response)).toMatchObject({ type: 'urn:sked:problem:schedule-write-failed' });
    expect(deps.store.jobs.size).toBe(0);
  });
});
