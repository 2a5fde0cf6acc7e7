import { describe, expect, it } from 'vitest';
import { SkedUnexpectedResponseError, SkedValidationError, type DeadLetter } from '../../../lib/client';
import { clientWith, fakeFetch, problem } from './fake-api';

const aDeadLetter = (overrides: Partial<DeadLetter> = {}): DeadLetter => ({
  queue: 'jobs',
  messageId: 'm-1',
  jobId: 'nightly',
  runId: '20300101T030000Z',
  scheduledTime: '2030-01-01T03:00:00.000Z',
  reason: 'exhausted',
  errorCategory: 'http_5xx',
  error: { class: 'HttpError', message: 'answered 503' },
  attempts: 3,
  redrives: 0,
  sentAt: '2030-01-01T03:05:00.000Z',
  runStatus: 'failed',
  stale: false,
  ...overrides,
});
const ref = (messageId: string) => ({ queue: 'jobs', messageId, jobId: 'nightly', runId: '20300101T030000Z' }) as const;

describe('the Jobs API client DLQ operations', () => {
  it('lists the DLQs with the query as parameters', async () => {
    // Prepare
    const listing = {
      items: [aDeadLetter(), aDeadLetter({ messageId: 'm-2', stale: true, staleReason: 'succeeded' })],
      truncated: false,
      queues: { jobs: { approximateVisible: 2, approximateInFlight: 0 } },
    };
    const fake = fakeFetch({ status: 200, body: listing });
    const { client } = clientWith(fake);

    // Act
    const answer = await client.listDeadLetters({
      queue: 'jobs',
      jobId: 'nightly',
      errorCategory: 'http_5xx',
      limit: 500,
    });

    // Assess
    const [request] = fake.sent;
    expect([request?.method, request?.url.pathname]).toEqual(['GET', '/prod/dlq']);
    expect(Object.fromEntries(request?.url.searchParams ?? [])).toEqual({
      queue: 'jobs',
      jobId: 'nightly',
      errorCategory: 'http_5xx',
      limit: '500',
    });
    expect(answer).toEqual(listing);
  });

  it('redrives with the request as a JSON body and reads what was moved, skipped and left', async () => {
    // Prepare
    const result = {
      moved: [ref('m-1')],
      skippedStale: [{ ...ref('m-2'), staleReason: 'redriven' }],
      failed: [],
      remaining: 0,
      notFound: ['m-9'],
    };
    const fake = fakeFetch({ status: 200, body: result });
    const { client } = clientWith(fake);

    // Act
    const answer = await client.redriveDeadLetters({ messageIds: ['m-1', 'm-2', 'm-9'], maxPerSecond: 5 });

    // Assess
    const [request] = fake.sent;
    expect([request?.method, request?.url.pathname]).toEqual(['POST', '/prod/dlq/redrive']);
    expect(request?.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request?.body ?? '')).toEqual({ messageIds: ['m-1', 'm-2', 'm-9'], maxPerSecond: 5 });
    expect(answer).toEqual(result);
  });

  it('redrives everything call after call until nothing is left, merging the results', async () => {
    // Prepare
    const fake = fakeFetch(
      {
        status: 200,
        body: {
          moved: [ref('m-1')],
          skippedStale: [{ ...ref('m-s'), staleReason: 'succeeded' }],
          failed: [],
          remaining: 2,
        },
      },
      {
        status: 200,
        body: {
          moved: [ref('m-2')],
          skippedStale: [{ ...ref('m-s'), staleReason: 'succeeded' }],
          failed: [{ ...ref('m-3'), error: 'not sent to the jobs queue: InternalError' }],
          remaining: 0,
        },
      },
    );
    const { client } = clientWith(fake);

    // Act
    const merged = await client.redriveAllDeadLetters({ jobId: 'nightly' });

    // Assess
    expect(fake.sent).toHaveLength(2);
    expect(fake.sent.map((request) => request.body)).toEqual(['{"jobId":"nightly"}', '{"jobId":"nightly"}']);
    expect(merged).toEqual({
      moved: [ref('m-1'), ref('m-2')],
      skippedStale: [{ ...ref('m-s'), staleReason: 'succeeded' }],
      failed: [{ ...ref('m-3'), error: 'not sent to the jobs queue: InternalError' }],
      remaining: 0,
    });
  });

  it('stops redriving when a call moves nothing, or after maxCalls', async () => {
    // Prepare
    const stuck = fakeFetch({ status: 200, body: { moved: [], skippedStale: [], failed: [], remaining: 4 } });
    const busy = fakeFetch({ status: 200, body: { moved: [ref('m-1')], skippedStale: [], failed: [], remaining: 9 } });

    // Act
    const fromStuck = await clientWith(stuck).client.redriveAllDeadLetters();
    const fromBusy = await clientWith(busy).client.redriveAllDeadLetters({}, { maxCalls: 3 });

    // Assess
    expect(stuck.sent).toHaveLength(1);
    expect(fromStuck.remaining).toBe(4);
    expect(busy.sent).toHaveLength(3);
    expect(fromBusy).toMatchObject({ remaining: 9, moved: [ref('m-1'), ref('m-1'), ref('m-1')] });
  });

  it('purges the named messages, or a whole queue, with a JSON body on DELETE', async () => {
    // Prepare
    const result = { deleted: [{ ...ref('m-1'), reason: 'exhausted' }], failed: [], remaining: 0, notFound: [] };
    const fake = fakeFetch({ status: 200, body: result });
    const { client } = clientWith(fake);

    // Act
    const named = await client.purgeDeadLetters({ messageIds: ['m-1'] });
    await client.purgeDeadLetters({ all: true, queue: 'delivery' });

    // Assess
    expect(fake.sent.map((request) => [request.method, request.url.pathname, request.body])).toEqual([
      ['DELETE', '/prod/dlq', '{"messageIds":["m-1"]}'],
      ['DELETE', '/prod/dlq', '{"all":true,"queue":"delivery"}'],
    ]);
    expect(named).toEqual(result);
  });

  it('turns a refused redrive into a validation error naming the field', async () => {
    // Prepare
    const refusal = problem(400, 'validation', 'The request is invalid', '1 invalid field(s)', [
      { path: 'maxPerSecond', message: 'Too big: expected number to be <=100' },
    ]);
    const fake = fakeFetch({ status: 400, body: refusal });
    const { client } = clientWith(fake);

    // Act
    const error: unknown = await client.redriveDeadLetters({ maxPerSecond: 500 }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedValidationError);
    expect((error as SkedValidationError).issues).toEqual([
      { path: 'maxPerSecond', message: 'Too big: expected number to be <=100' },
    ]);
  });

  it('refuses a listing that does not match the schema', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { items: [{ messageId: 'm-1' }], truncated: false, queues: {} } });
    const { client } = clientWith(fake);

    // Act
    const error: unknown = await client.listDeadLetters().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedUnexpectedResponseError);
    expect((error as Error).message).toMatch(/^listDeadLetters/);
  });
});
