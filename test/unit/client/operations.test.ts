import { describe, expect, it } from 'vitest';
import { SkedUnexpectedResponseError } from '../../../lib/client';
import { aJob, aRun, clientWith, fakeFetch } from './fake-api';

const only = <T>(items: readonly T[]): T => {
  expect(items).toHaveLength(1);
  return items[0] as T;
};

describe('the Jobs API client operations', () => {
  it('lists a page of jobs with the query as parameters under the stage path', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { items: [aJob()], nextCursor: 'c2' } });
    const { client } = clientWith(fake);

    // Act
    const page = await client.listJobs({ group: 'reports', state: 'paused', tag: 'team:ops', limit: 10, cursor: 'c1' });

    // Assess
    const request = only(fake.sent);
    expect(request.method).toBe('GET');
    expect(request.url.pathname).toBe('/prod/jobs');
    expect(Object.fromEntries(request.url.searchParams)).toEqual({
      group: 'reports',
      state: 'paused',
      tag: 'team:ops',
      limit: '10',
      cursor: 'c1',
    });
    expect(request.body).toBeUndefined();
    expect(request.headers['content-type']).toBeUndefined();
    expect(page).toEqual({ items: [aJob()], nextCursor: 'c2' });
  });

  it('iterates every job across pages, passing each nextCursor on', async () => {
    // Prepare
    const fake = fakeFetch(
      { status: 200, body: { items: [aJob({ id: 'a' }), aJob({ id: 'b' })], nextCursor: 'next' } },
      { status: 200, body: { items: [aJob({ id: 'c' })] } },
    );
    const { client } = clientWith(fake);

    // Act
    const ids: string[] = [];
    for await (const job of client.iterateJobs({ group: 'g', limit: 2 })) ids.push(job.id);

    // Assess
    expect(ids).toEqual(['a', 'b', 'c']);
    expect(fake.sent.map((request) => request.url.search)).toEqual([
      '?group=g&limit=2',
      '?group=g&limit=2&cursor=next',
    ]);
  });

  it('gets a job with its detail and ETag', async () => {
    // Prepare
    const detail = { ...aJob(), nextRuns: ['2030-01-02T03:00:00.000Z'] };
    const fake = fakeFetch({ status: 200, body: detail, headers: { etag: '"nightly.v1"' } });
    const { client } = clientWith(fake);

    // Act
    const { job, etag } = await client.getJob('nightly');

    // Assess
    const request = only(fake.sent);
    expect([request.method, request.url.pathname]).toEqual(['GET', '/prod/jobs/nightly']);
    expect(job).toEqual(detail);
    expect(etag).toBe('"nightly.v1"');
  });

  it('percent-encodes an id once in the path', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { ...aJob(), nextRuns: [] } });
    const { client } = clientWith(fake);

    // Act
    await client.getJob('a b/c');

    // Assess
    expect(only(fake.sent).url.pathname).toBe('/prod/jobs/a%20b%2Fc');
  });

  it('creates a job with a JSON body and reports it created with its ETag', async () => {
    // Prepare
    const fake = fakeFetch({ status: 201, body: aJob(), headers: { etag: '"nightly.v1"', location: '/jobs/nightly' } });
    const { client } = clientWith(fake);
    const input = {
      id: 'nightly',
      trigger: { type: 'cron', expression: '0 3 * * *' },
      target: { type: 'task', task: 'report' },
    } as const;

    // Act
    const written = await client.createJob(input);

    // Assess
    const request = only(fake.sent);
    expect([request.method, request.url.pathname, request.url.search]).toEqual(['POST', '/prod/jobs', '']);
    expect(request.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request.body ?? '')).toEqual(input);
    expect(written).toEqual({ job: aJob(), etag: '"nightly.v1"', created: true });
  });

  it('asks for onConflict=replace and reads a 200 as a replacement', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: aJob({ version: 2 }), headers: { etag: '"nightly.v2"' } });
    const { client } = clientWith(fake);

    // Act
    const written = await client.createJob(
      { trigger: { type: 'interval', hours: 1 }, target: { type: 'task', task: 'report' } },
      { onConflict: 'replace' },
    );

    // Assess
    expect(only(fake.sent).url.search).toBe('?onConflict=replace');
    expect(written.created).toBe(false);
    expect(written.etag).toBe('"nightly.v2"');
  });

  it('puts a job with If-Match', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: aJob({ version: 3 }), headers: { etag: '"nightly.v3"' } });
    const { client } = clientWith(fake);
    const input = { trigger: { type: 'cron', hour: 4 }, target: { type: 'task', task: 'report' } } as const;

    // Act
    const written = await client.putJob('nightly', input, { ifMatch: '"nightly.v2"' });

    // Assess
    const request = only(fake.sent);
    expect([request.method, request.url.pathname]).toEqual(['PUT', '/prod/jobs/nightly']);
    expect(request.headers['if-match']).toBe('"nightly.v2"');
    expect(JSON.parse(request.body ?? '')).toEqual(input);
    expect(written).toEqual({ job: aJob({ version: 3 }), etag: '"nightly.v3"', created: false });
  });

  it('patches a job as application/merge-patch+json with If-Match, nulls kept', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: aJob({ version: 2 }), headers: { etag: '"nightly.v2"' } });
    const { client } = clientWith(fake);

    // Act
    const result = await client.patchJob(
      'nightly',
      { description: null, retry: { maxAttempts: 5 }, trigger: { type: 'cron', hour: 6 } },
      { ifMatch: '"nightly.v1"' },
    );

    // Assess
    const request = only(fake.sent);
    expect([request.method, request.url.pathname]).toEqual(['PATCH', '/prod/jobs/nightly']);
    expect(request.headers['content-type']).toBe('application/merge-patch+json');
    expect(request.headers['if-match']).toBe('"nightly.v1"');
    expect(JSON.parse(request.body ?? '')).toEqual({
      description: null,
      retry: { maxAttempts: 5 },
      trigger: { type: 'cron', hour: 6 },
    });
    expect(result).toEqual({ job: aJob({ version: 2 }), etag: '"nightly.v2"' });
  });

  it('sends no If-Match when none is given', async () => {
    // Prepare
    const fake = fakeFetch({ status: 204 });
    const { client } = clientWith(fake);

    // Act
    await client.deleteJob('nightly');

    // Assess
    const request = only(fake.sent);
    expect([request.method, request.url.pathname]).toEqual(['DELETE', '/prod/jobs/nightly']);
    expect(request.headers).not.toHaveProperty('if-match');
    expect(request.body).toBeUndefined();
  });

  it('deletes with If-Match', async () => {
    // Prepare
    const fake = fakeFetch({ status: 204 });
    const { client } = clientWith(fake);

    // Act
    await client.deleteJob('nightly', { ifMatch: '"nightly.v4"' });

    // Assess
    expect(only(fake.sent).headers['if-match']).toBe('"nightly.v4"');
  });

  it('pauses with a reason and If-Match, and resumes with no body', async () => {
    // Prepare
    const paused = aJob({
      state: 'paused',
      version: 2,
      paused: { at: '2030-01-01T00:00:00.000Z', by: 'ops', reason: 'maintenance' },
    });
    const fake = fakeFetch(
      { status: 200, body: paused, headers: { etag: '"nightly.v2"' } },
      { status: 200, body: aJob({ version: 3 }), headers: { etag: '"nightly.v3"' } },
    );
    const { client } = clientWith(fake);

    // Act
    const pause = await client.pauseJob('nightly', { reason: 'maintenance', ifMatch: '"nightly.v1"' });
    const resume = await client.resumeJob('nightly', { ifMatch: pause.etag });

    // Assess
    const [pauseRequest, resumeRequest] = fake.sent;
    expect([pauseRequest?.method, pauseRequest?.url.pathname]).toEqual(['POST', '/prod/jobs/nightly/pause']);
    expect(JSON.parse(pauseRequest?.body ?? '')).toEqual({ reason: 'maintenance' });
    expect(pauseRequest?.headers['if-match']).toBe('"nightly.v1"');
    expect(pause).toEqual({ job: paused, etag: '"nightly.v2"' });
    expect([resumeRequest?.method, resumeRequest?.url.pathname]).toEqual(['POST', '/prod/jobs/nightly/resume']);
    expect(resumeRequest?.body).toBeUndefined();
    expect(resumeRequest?.headers['content-type']).toBeUndefined();
    expect(resumeRequest?.headers['if-match']).toBe('"nightly.v2"');
    expect(resume.etag).toBe('"nightly.v3"');
  });

  it('pauses with no body when no reason is given', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: aJob({ state: 'paused' }) });
    const { client } = clientWith(fake);

    // Act
    const { etag } = await client.pauseJob('nightly');

    // Assess
    expect(only(fake.sent).body).toBeUndefined();
    expect(etag).toBeUndefined();
  });

  it('runs a job now with a payload and returns the run id', async () => {
    // Prepare
    const fake = fakeFetch({ status: 202, body: { runId: 'm-1' }, headers: { location: '/jobs/nightly/runs/m-1' } });
    const { client } = clientWith(fake);

    // Act
    const result = await client.runJob('nightly', { payload: { recipient: 'ops@example.com' } });

    // Assess
    const request = only(fake.sent);
    expect([request.method, request.url.pathname]).toEqual(['POST', '/prod/jobs/nightly/run']);
    expect(JSON.parse(request.body ?? '')).toEqual({ payload: { recipient: 'ops@example.com' } });
    expect(result).toEqual({ runId: 'm-1' });
  });

  it('runs a job now with no body when no payload is given', async () => {
    // Prepare
    const fake = fakeFetch({ status: 202, body: { runId: 'm-2' } });
    const { client } = clientWith(fake);

    // Act
    await client.runJob('nightly');

    // Assess
    expect(only(fake.sent).body).toBeUndefined();
  });

  it('lists runs with a status filter and iterates them across pages', async () => {
    // Prepare
    const fake = fakeFetch(
      { status: 200, body: { items: [aRun], nextCursor: 'r2' } },
      { status: 200, body: { items: [{ ...aRun, runId: 'r-older' }] } },
    );
    const { client } = clientWith(fake);

    // Act
    const runIds: string[] = [];
    for await (const run of client.iterateRuns('nightly', { status: 'succeeded' })) runIds.push(run.runId);

    // Assess
    expect(runIds).toEqual([aRun.runId, 'r-older']);
    expect(fake.sent.map((request) => `${request.url.pathname}${request.url.search}`)).toEqual([
      '/prod/jobs/nightly/runs?status=succeeded',
      '/prod/jobs/nightly/runs?status=succeeded&cursor=r2',
    ]);
  });

  it('gets one run', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: aRun });
    const { client } = clientWith(fake);

    // Act
    const run = await client.getRun('nightly', aRun.runId);

    // Assess
    expect(only(fake.sent).url.pathname).toBe(`/prod/jobs/nightly/runs/${aRun.runId}`);
    expect(run).toEqual(aRun);
  });

  it('previews a trigger', async () => {
    // Prepare
    const preview = {
      precision: 'minute',
      expression: 'cron(0 3 * * ? *)',
      timezone: 'UTC',
      nextRuns: ['2030-01-02T03:00:00.000Z'],
    };
    const fake = fakeFetch({ status: 200, body: preview });
    const { client } = clientWith(fake);

    // Act
    const result = await client.previewTrigger({ trigger: { type: 'cron', expression: '0 3 * * *' }, count: 1 });

    // Assess
    const request = only(fake.sent);
    expect([request.method, request.url.pathname]).toEqual(['POST', '/prod/triggers/preview']);
    expect(JSON.parse(request.body ?? '')).toEqual({ trigger: { type: 'cron', expression: '0 3 * * *' }, count: 1 });
    expect(result).toEqual(preview);
  });

  it('lists tasks and reads the OpenAPI document', async () => {
    // Prepare
    const tasks = { items: [{ name: 'report', description: 'Sends a report', timeoutSeconds: 60, payloadSchema: {} }] };
    const fake = fakeFetch({ status: 200, body: tasks }, { status: 200, body: { openapi: '3.1.0', paths: {} } });
    const { client } = clientWith(fake);

    // Act
    const listed = await client.listTasks();
    const document = await client.getOpenApiDocument();

    // Assess
    expect(fake.sent.map((request) => request.url.pathname)).toEqual(['/prod/tasks', '/prod/openapi.json']);
    expect(listed).toEqual(tasks);
    expect(document.openapi).toBe('3.1.0');
  });

  it('sends the user agent and asks for JSON or problem documents', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { items: [] } });
    const { client } = clientWith(fake, { userAgent: 'sked-cli/1.2.3' });

    // Act
    await client.listTasks();

    // Assess
    expect(only(fake.sent).headers).toMatchObject({
      'user-agent': 'sked-cli/1.2.3',
      accept: 'application/json, application/problem+json',
    });
  });

  it('refuses a response that does not match the schema, naming the operation and the field', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { ...aJob(), version: 'one', nextRuns: [] } });
    const { client } = clientWith(fake);

    // Act
    const error: unknown = await client.getJob('nightly').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedUnexpectedResponseError);
    expect((error as Error).message).toMatch(/^getJob: unexpected response \(200\): .*version/);
  });

  it('refuses a success answer whose body is not JSON', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: '<html>gateway</html>' });
    const { client } = clientWith(fake);

    // Act
    const error: unknown = await client.listTasks().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedUnexpectedResponseError);
    expect((error as Error).message).toBe('listTasks: unexpected response (200): the body is not JSON');
  });

  it('refuses a success status the operation does not answer with', async () => {
    // Prepare
    const fake = fakeFetch({ status: 302, body: '' });
    const { client } = clientWith(fake);

    // Act
    const error: unknown = await client.deleteJob('nightly').catch((caught: unknown) => caught);

    // Assess
    expect((error as Error).message).toMatch(/^deleteJob failed: 302/);
  });

  it("refuses an id of '..', which no URL can address", () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: {} });
    const { client } = clientWith(fake);

    // Act
    const result = client.getJob('..');

    // Assess
    return expect(result).rejects.toThrow(TypeError);
  });
});
