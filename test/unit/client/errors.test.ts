import { describe, expect, it } from 'vitest';
import {
  SkedApiError,
  SkedAuthError,
  SkedConflictError,
  SkedNetworkError,
  SkedNotFoundError,
  SkedPreconditionFailedError,
  SkedServerError,
  SkedThrottledError,
  SkedValidationError,
} from '../../../lib/client';
import { clientWith, fakeFetch, problem, type FakeAnswer } from './fake-api';

const task = { type: 'task', task: 'report' } as const;

async function refusal(answer: FakeAnswer, act: (client: ReturnType<typeof clientWith>['client']) => Promise<unknown>) {
  const { client } = clientWith(fakeFetch(answer), { retry: { attempts: 1 } });
  const error: unknown = await act(client).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(SkedApiError);
  return error as SkedApiError;
}

describe('the Jobs API client errors', () => {
  it('turns a validation problem into a SkedValidationError listing every field path', async () => {
    // Act
    const error = await refusal(
      {
        status: 400,
        body: problem(400, 'validation', 'The request is invalid', '2 invalid field(s)', [
          { path: 'trigger.expression', message: 'not a cron expression' },
          { path: 'target.task', message: 'no task named nope' },
        ]),
        headers: { 'x-amzn-requestid': 'req-42' },
      },
      (client) => client.createJob({ trigger: { type: 'cron', expression: 'x' }, target: task }),
    );

    // Assess
    expect(error).toBeInstanceOf(SkedValidationError);
    expect(error).toMatchObject({
      kind: 'validation',
      operation: 'createJob',
      status: 400,
      type: 'urn:sked:problem:validation',
      title: 'The request is invalid',
      detail: '2 invalid field(s)',
      instance: '/jobs/nightly',
      requestId: 'req-42',
      issues: [
        { path: 'trigger.expression', message: 'not a cron expression' },
        { path: 'target.task', message: 'no task named nope' },
      ],
    });
    expect(error.message).toBe(
      'createJob failed: 400 The request is invalid: 2 invalid field(s) ' +
        '[trigger.expression: not a cron expression; target.task: no task named nope] (request req-42)',
    );
  });

  it('turns a 404 into a SkedNotFoundError naming the id field', async () => {
    // Act
    const error = await refusal(
      {
        status: 404,
        body: problem(404, 'job-not-found', 'No such job', 'no job nightly', [
          { path: 'id', message: 'no job nightly' },
        ]),
      },
      (client) => client.getJob('nightly'),
    );

    // Assess
    expect(error).toBeInstanceOf(SkedNotFoundError);
    expect(error.kind).toBe('not-found');
    expect(error.message).toBe('getJob failed: 404 No such job: no job nightly [id: no job nightly]');
  });

  it('turns a 409 into a SkedConflictError', async () => {
    // Act
    const error = await refusal(
      { status: 409, body: problem(409, 'job-exists', 'A job with this id exists', 'job nightly exists') },
      (client) => client.createJob({ id: 'nightly', trigger: { type: 'interval', hours: 1 }, target: task }),
    );

    // Assess
    expect(error).toBeInstanceOf(SkedConflictError);
    expect(error.kind).toBe('conflict');
  });

  it('turns a 412 into a SkedPreconditionFailedError carrying the current ETag when sent', async () => {
    // Act
    const error = await refusal(
      {
        status: 412,
        body: problem(412, 'precondition-failed', 'The job changed since it was read', 'stale', [
          { path: 'header.If-Match', message: 'does not match the current ETag' },
        ]),
        headers: { etag: '"nightly.v7"' },
      },
      (client) => client.patchJob('nightly', { jitterMinutes: 5 }, { ifMatch: '"nightly.v6"' }),
    );

    // Assess
    expect(error).toBeInstanceOf(SkedPreconditionFailedError);
    expect((error as SkedPreconditionFailedError).currentEtag).toBe('"nightly.v7"');
    expect(error.message).toContain('[header.If-Match: does not match the current ETag]');
  });

  it("turns API Gateway's 403 message into a SkedAuthError", async () => {
    // Act
    const error = await refusal(
      { status: 403, body: { message: 'The security token included in the request is invalid.' } },
      (client) => client.listJobs(),
    );

    // Assess
    expect(error).toBeInstanceOf(SkedAuthError);
    expect(error).toMatchObject({
      kind: 'auth',
      type: 'about:blank',
      gatewayMessage: 'The security token included in the request is invalid.',
      issues: [],
    });
    expect(error.message).toBe(
      'listJobs failed: 403 Forbidden: The security token included in the request is invalid.',
    );
  });

  it('turns a 401 into a SkedAuthError too', async () => {
    // Act
    const error = await refusal({ status: 401, body: { message: 'Unauthorized' } }, (client) => client.listTasks());

    // Assess
    expect(error).toBeInstanceOf(SkedAuthError);
  });

  it("turns a 429 that outlasts the retries into a SkedThrottledError with API Gateway's message", async () => {
    // Act
    const error = await refusal({ status: 429, body: { message: 'Too Many Requests' } }, (client) => client.listJobs());

    // Assess
    expect(error).toBeInstanceOf(SkedThrottledError);
    expect(error).toMatchObject({ kind: 'throttled', gatewayMessage: 'Too Many Requests' });
  });

  it('turns a 5xx problem into a SkedServerError quoting its detail', async () => {
    // Act
    const error = await refusal(
      {
        status: 502,
        body: problem(
          502,
          'schedule-write-failed',
          'EventBridge Scheduler could not be updated',
          'retry later (request r-9)',
        ),
      },
      (client) => client.createJob({ trigger: { type: 'interval', hours: 1 }, target: task }),
    );

    // Assess
    expect(error).toBeInstanceOf(SkedServerError);
    expect(error.message).toBe(
      'createJob failed: 502 EventBridge Scheduler could not be updated: retry later (request r-9)',
    );
  });

  it('keeps another refusal (415) as a SkedApiError of kind request, with its field', async () => {
    // Act
    const error = await refusal(
      {
        status: 415,
        body: problem(415, 'unsupported-media-type', 'Unsupported content type', 'text/plain is not supported', [
          { path: 'header.content-type', message: 'text/plain is not supported' },
        ]),
      },
      (client) => client.previewTrigger({ trigger: { type: 'interval', minutes: 5 } }),
    );

    // Assess
    expect(error.constructor).toBe(SkedApiError);
    expect(error.kind).toBe('request');
    expect(error.issues).toEqual([{ path: 'header.content-type', message: 'text/plain is not supported' }]);
  });

  it('wraps a failed connection in a SkedNetworkError naming the operation', async () => {
    // Prepare
    const fake = fakeFetch({ status: 0, fail: new TypeError('fetch failed') });
    const { client } = clientWith(fake, { retry: { attempts: 1 } });

    // Act
    const error: unknown = await client.runJob('nightly').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedNetworkError);
    expect((error as SkedNetworkError).operation).toBe('runJob');
    expect((error as Error).message).toBe('runJob failed: no answer from the Jobs API: fetch failed');
    expect((error as Error).cause).toBeInstanceOf(TypeError);
  });
});
