import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { makeApiHandler } from '../../../lib/handlers/api-handler';
import { buildOpenApiDocument } from '../../../lib/openapi';
import { apiEvent, bodyOf, lambdaContext, type RequestSpec } from '../../support/fakes/api-gateway-event';
import { apiClient } from '../../support/fakes/api-handler';
import {
  exhaustedNote,
  fakeDeadLetterDeps,
  putJobs,
  putRun,
  scheduleEnvelope,
  workerCopyAttributes,
  type FakeDeadLetterDeps,
} from '../../support/fakes/dead-letter-world';
import { fakeJobsDeps } from '../../support/fakes/jobs-deps';

const AT = new Date('2030-01-01T09:00:00Z');
const logger = new Logger({ serviceName: 'sked-api-test', logLevel: 'SILENT' });

/** The real handler chain with the DLQ operations over fakes. */
function dlqApi(deps: FakeDeadLetterDeps = fakeDeadLetterDeps()) {
  const handler = makeApiHandler({
    deps: fakeJobsDeps(),
    logger,
    openApiDocument: buildOpenApiDocument,
    deadLetters: deps,
  });
  return (spec: RequestSpec) => handler(apiEvent(spec), lambdaContext());
}

async function withCopies(): Promise<{ deps: FakeDeadLetterDeps; fresh: string; stale: string }> {
  const deps = fakeDeadLetterDeps();
  putJobs(deps.jobs, 'fixed', 'done');
  const copy = async (jobId: string) =>
    deps.deadLetters.put('jobs', scheduleEnvelope(jobId, AT), await workerCopyAttributes(exhaustedNote(jobId, AT)));
  const fresh = await copy('fixed');
  const stale = await copy('done');
  putRun(deps.runs, { jobId: 'done', runId: '20300101T090000Z', status: 'succeeded' });
  return { deps, fresh, stale };
}

describe('the DLQ operations of the API handler', () => {
  it('lists the DLQs with 200, each message with its standing', async () => {
    // Prepare
    const { deps, fresh, stale } = await withCopies();
    const call = dlqApi(deps);

    // Act
    const response = await call({ method: 'GET', path: '/dlq', query: { queue: 'jobs', limit: '10' } });

    // Assess
    expect(response.statusCode).toBe(200);
    expect(response.headers?.['Content-Type']).toBe('application/json');
    expect(bodyOf(response)).toMatchObject({
      items: [
        { messageId: fresh, jobId: 'fixed', reason: 'exhausted', stale: false },
        { messageId: stale, jobId: 'done', stale: true, staleReason: 'succeeded' },
      ],
      truncated: false,
    });
  });

  it('redrives with 200, with or without a body', async () => {
    // Prepare
    const { deps, fresh, stale } = await withCopies();
    const call = dlqApi(deps);

    // Act
    const none = await call({ method: 'POST', path: '/dlq/redrive', body: { jobId: 'other' } });
    const response = await call({ method: 'POST', path: '/dlq/redrive' });

    // Assess
    expect(none.statusCode).toBe(200);
    expect(bodyOf(none)).toEqual({ moved: [], skippedStale: [], failed: [], remaining: 0 });
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toMatchObject({
      moved: [{ messageId: fresh }],
      skippedStale: [{ messageId: stale, staleReason: 'succeeded' }],
      remaining: 0,
    });
    expect(deps.deadLetters.ids('jobs')).toEqual([stale]);
  });

  it('purges the messages named in the body or the query with 200', async () => {
    // Prepare
    const { deps, fresh, stale } = await withCopies();
    const call = dlqApi(deps);

    // Act
    const byBody = await call({ method: 'DELETE', path: '/dlq', body: { messageIds: [stale] } });
    const byQuery = await call({ method: 'DELETE', path: '/dlq', query: { messageIds: fresh, queue: 'jobs' } });

    // Assess
    expect(byBody.statusCode).toBe(200);
    expect(bodyOf(byBody)).toMatchObject({ deleted: [{ messageId: stale, reason: 'exhausted' }], notFound: [] });
    expect(bodyOf(byQuery)).toMatchObject({ deleted: [{ messageId: fresh }] });
    expect(deps.deadLetters.ids('jobs')).toEqual([]);
  });

  it.each([
    [{ method: 'GET', path: '/dlq', query: { limit: '5000' } }, 'query.limit'],
    [{ method: 'GET', path: '/dlq', query: { queue: 'main' } }, 'query.queue'],
    [{ method: 'POST', path: '/dlq/redrive', body: { maxPerSecond: 0 } }, 'maxPerSecond'],
    [{ method: 'POST', path: '/dlq/redrive', body: { messageIds: 'abc' } }, 'messageIds'],
    [{ method: 'POST', path: '/dlq/redrive', body: [] }, 'body'],
    [{ method: 'DELETE', path: '/dlq' }, 'messageIds'],
    [{ method: 'DELETE', path: '/dlq', body: { all: true } }, 'queue'],
    [{ method: 'DELETE', path: '/dlq', query: { all: 'true' } }, 'query.queue'],
    [{ method: 'DELETE', path: '/dlq', body: { messageIds: ['a'] }, query: { queue: 'jobs' } }, 'query'],
  ])('answers %j with a 400 validation problem naming %s', async (spec, path) => {
    // Prepare
    const call = dlqApi();

    // Act
    const response = await call(spec);

    // Assess
    expect(response.statusCode).toBe(400);
    expect(response.headers?.['Content-Type']).toBe('application/problem+json');
    expect(bodyOf(response)).toMatchObject({
      type: 'urn:sked:problem:validation',
      status: 400,
      errors: [{ path }],
    });
  });

  it('answers a body that is not JSON with 400, one of another type with 415', async () => {
    // Prepare
    const call = dlqApi();

    // Act
    const malformed = await call({ method: 'POST', path: '/dlq/redrive', body: '{"queue":' });
    const xml = await call({
      method: 'DELETE',
      path: '/dlq',
      body: '<all/>',
      headers: { 'Content-Type': 'application/xml' },
    });

    // Assess
    expect([malformed.statusCode, bodyOf(malformed).type]).toEqual([400, 'urn:sked:problem:malformed-json']);
    expect([xml.statusCode, bodyOf(xml).type]).toEqual([415, 'urn:sked:problem:unsupported-media-type']);
  });

  it('answers another method on /dlq with 405 and Allow', async () => {
    // Prepare
    const call = dlqApi();

    // Act
    const response = await call({ method: 'POST', path: '/dlq' });

    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers?.Allow).toBe('GET, DELETE');
  });

  it('answers a 500 problem without internals when SQS fails', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    deps.deadLetters.depth = () => Promise.reject(new Error('AccessDenied: not authorized to sqs:GetQueueAttributes'));
    const call = dlqApi(deps);

    // Act
    const response = await call({ method: 'GET', path: '/dlq' });

    // Assess
    expect(response.statusCode).toBe(500);
    expect(bodyOf(response)).toMatchObject({ type: 'urn:sked:problem:internal' });
    expect(response.body).not.toMatch(/AccessDenied/);
  });

  it('answers 404 when the handler was built without the DLQs', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());

    // Act
    const response = await call({ method: 'GET', path: '/dlq' });

    // Assess
    expect(response.statusCode).toBe(404);
    expect(bodyOf(response)).toMatchObject({ type: 'urn:sked:problem:not-found', instance: '/dlq' });
  });
});
