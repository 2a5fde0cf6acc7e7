import { describe, expect, it } from 'vitest';
import { SkedNetworkError, SkedServerError, SkedThrottledError } from '../../../lib/client';
import { backoffMs, retryAfterMs, retryPolicyOf } from '../../../lib/client/retry';
import { aJob, clientWith, fakeFetch, problem } from './fake-api';

const throttled = { status: 429, body: { message: 'Too Many Requests' } };
const unavailable = { status: 503, body: { message: 'Service Unavailable' } };
const internal = { status: 500, body: problem(500, 'internal', 'Internal error', 'quote request r-1') };
const task = { type: 'task', task: 'report' } as const;

describe('the Jobs API client retries', () => {
  it("retries API Gateway's 429 with exponential backoff and full jitter, then answers", async () => {
    // Prepare
    const fake = fakeFetch(throttled, throttled, throttled, { status: 200, body: { items: [] } });
    const { client, sleeps } = clientWith(fake, { retry: { baseMs: 100, maxMs: 1000, random: () => 0.5 } });

    // Act
    const page = await client.listJobs();

    // Assess
    expect(page).toEqual({ items: [] });
    expect(fake.sent).toHaveLength(4);
    // Half of min(maxMs, baseMs * 2^(n-1)) for retries 1..3.
    expect(sleeps).toEqual([50, 100, 200]);
  });

  it('keeps every delay within [0, maxMs) however many retries', async () => {
    // Prepare
    const fake = fakeFetch(throttled);
    const { client, sleeps } = clientWith(fake, {
      retry: { attempts: 8, baseMs: 100, maxMs: 1000, random: () => 0.999 },
    });

    // Act
    const error: unknown = await client.listJobs().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedThrottledError);
    expect(fake.sent).toHaveLength(8);
    expect(sleeps).toEqual([99, 199, 399, 799, 999, 999, 999]);
  });

  it('gives up after the default 4 attempts', async () => {
    // Prepare
    const fake = fakeFetch(unavailable);
    const { client, sleeps } = clientWith(fake);

    // Act
    const error: unknown = await client.getRun('nightly', 'r-1').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedServerError);
    expect(fake.sent).toHaveLength(4);
    expect(sleeps).toHaveLength(3);
  });

  it('retries a POST on 429 and 503, which turn it away before it runs', async () => {
    // Prepare
    const fake = fakeFetch(throttled, unavailable, { status: 202, body: { runId: 'm-1' } });
    const { client } = clientWith(fake);

    // Act
    const result = await client.runJob('nightly');

    // Assess
    expect(result).toEqual({ runId: 'm-1' });
    expect(fake.sent.map((request) => request.method)).toEqual(['POST', 'POST', 'POST']);
  });

  it('never retries a POST on a 500, which may come after the job was written', async () => {
    // Prepare
    const fake = fakeFetch(internal, { status: 201, body: aJob() });
    const { client, sleeps } = clientWith(fake);

    // Act
    const error: unknown = await client
      .createJob({ trigger: { type: 'interval', hours: 1 }, target: task })
      .catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedServerError);
    expect(fake.sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('never retries a PATCH on a 502', async () => {
    // Prepare
    const fake = fakeFetch({ status: 502, body: { message: 'Internal server error' } }, { status: 200, body: aJob() });
    const { client } = clientWith(fake);

    // Act
    const error: unknown = await client.patchJob('nightly', { jitterMinutes: 1 }).catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedServerError);
    expect(fake.sent).toHaveLength(1);
  });

  it('retries an idempotent GET, PUT or DELETE on a 500', async () => {
    // Prepare
    const fake = fakeFetch(internal, { status: 204 });
    const { client } = clientWith(fake);

    // Act
    await client.deleteJob('nightly');

    // Assess
    expect(fake.sent).toHaveLength(2);
  });

  it('retries a GET whose connection failed, but not a POST', async () => {
    // Prepare
    const failed = { status: 0, fail: new TypeError('fetch failed') };
    const getFake = fakeFetch(failed, { status: 200, body: { items: [] } });
    const postFake = fakeFetch(failed, { status: 202, body: { runId: 'm-1' } });

    // Act
    const tasks = await clientWith(getFake).client.listTasks();
    const run: unknown = await clientWith(postFake)
      .client.runJob('nightly')
      .catch((caught: unknown) => caught);

    // Assess
    expect(tasks).toEqual({ items: [] });
    expect(getFake.sent).toHaveLength(2);
    expect(run).toBeInstanceOf(SkedNetworkError);
    expect(postFake.sent).toHaveLength(1);
  });

  it('waits what Retry-After asks instead of the backoff', async () => {
    // Prepare
    const fake = fakeFetch({ ...throttled, headers: { 'retry-after': '3' } }, { status: 200, body: { items: [] } });
    const { client, sleeps } = clientWith(fake, { retry: { maxMs: 5000 } });

    // Act
    await client.listJobs();

    // Assess
    expect(sleeps).toEqual([3000]);
  });

  it('stops retrying when Retry-After asks for longer than maxMs, and says how long', async () => {
    // Prepare
    const fake = fakeFetch({ ...throttled, headers: { 'retry-after': '60' } }, { status: 200, body: { items: [] } });
    const { client, sleeps } = clientWith(fake, { retry: { maxMs: 10_000 } });

    // Act
    const error: unknown = await client.listJobs().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedThrottledError);
    expect((error as SkedThrottledError).retryAfterMs).toBe(60_000);
    expect(fake.sent).toHaveLength(1);
    expect(sleeps).toEqual([]);
  });

  it('reads Retry-After as seconds or as an HTTP-date', () => {
    // Prepare
    const now = Date.parse('2030-01-01T00:00:00Z');

    // Act
    const parsed = [
      retryAfterMs('2', now),
      retryAfterMs('Tue, 01 Jan 2030 00:00:05 GMT', now),
      retryAfterMs('Mon, 31 Dec 2029 23:59:00 GMT', now),
      retryAfterMs('soon', now),
      retryAfterMs(null, now),
    ];

    // Assess
    expect(parsed).toEqual([2000, 5000, 0, undefined, undefined]);
  });

  it('draws the jitter over the whole capped window', () => {
    // Prepare
    const low = retryPolicyOf({ baseMs: 100, maxMs: 800, random: () => 0 });
    const high = retryPolicyOf({ baseMs: 100, maxMs: 800, random: () => 0.9999 });

    // Act
    const lows = [1, 2, 3, 4, 5].map((retry) => backoffMs(low, retry));
    const highs = [1, 2, 3, 4, 5].map((retry) => backoffMs(high, retry));

    // Assess
    expect(lows).toEqual([0, 0, 0, 0, 0]);
    expect(highs).toEqual([99, 199, 399, 799, 799]);
  });

  it('refuses retry options that cannot work', () => {
    // Assess
    expect(() => retryPolicyOf({ attempts: 0 })).toThrow(/retry.attempts/);
    expect(() => retryPolicyOf({ baseMs: 500, maxMs: 100 })).toThrow(/baseMs <= maxMs/);
  });
});
