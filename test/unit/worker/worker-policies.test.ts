import { describe, expect, it } from 'vitest';
import {
  PayloadValidationError,
  TargetHttpError,
  TargetRefusedError,
  TaskTimeoutError,
} from '../../../lib/domain/worker-errors';
import {
  classifyError,
  decideAfterFailure,
  isCoalesced,
  isMisfired,
  resolveScheduledTime,
  slotOrder,
  targetBudgetMs,
  truncateResult,
} from '../../../lib/domain/worker-policies';
import { SCHEDULED_TIME_PLACEHOLDER } from '../../../lib/schemas/envelope';
import { JOBS_QUEUE_RETENTION_SECONDS } from '../../../lib/schemas/job';
import { MAX_RESULT_BYTES } from '../../../lib/schemas/run';
import { aJob } from '../../support/worker/builders';

/** A message just sent to the jobs queue. */
const fresh = { ageSeconds: 0, retentionSeconds: JOBS_QUEUE_RETENTION_SECONDS };

describe('resolveScheduledTime', () => {
  it('uses the substituted scheduled time as given', () => {
    // Act
    const resolved = resolveScheduledTime('2030-01-01T09:00:00Z', Date.parse('2030-01-01T09:00:07Z'));

    // Assess
    expect(resolved).toEqual({ scheduledTime: new Date('2030-01-01T09:00:00Z'), fromSentTimestamp: false });
  });

  it('falls back to the SentTimestamp floored to the minute when the placeholder was not substituted', () => {
    // Act
    const resolved = resolveScheduledTime(SCHEDULED_TIME_PLACEHOLDER, Date.parse('2030-01-01T09:00:07.250Z'));

    // Assess
    expect(resolved).toEqual({ scheduledTime: new Date('2030-01-01T09:00:00Z'), fromSentTimestamp: true });
  });

  it('refuses a time that is neither the placeholder nor an ISO instant', () => {
    // Act / Assess
    expect(resolveScheduledTime('yesterday', Date.now())).toBeUndefined();
    expect(resolveScheduledTime('2030-13-45T99:00:00Z', Date.now())).toBeUndefined();
  });

  it('refuses the placeholder when the message carries no usable SentTimestamp', () => {
    expect(resolveScheduledTime(SCHEDULED_TIME_PLACEHOLDER, Number.NaN)).toBeUndefined();
  });
});

describe('isMisfired', () => {
  const job = aJob({ misfireGraceSeconds: 60, jitterMinutes: 0 });
  const scheduledTime = new Date('2030-01-01T09:00:00Z');

  it('runs an occurrence that starts within the grace', () => {
    expect(isMisfired(job, scheduledTime, new Date('2030-01-01T09:01:00Z'))).toBe(false);
  });

  it('misses an occurrence that starts after the grace', () => {
    expect(isMisfired(job, scheduledTime, new Date('2030-01-01T09:01:00.001Z'))).toBe(true);
  });

  it('adds the flexible time window to the grace', () => {
    // Prepare
    const jittered = aJob({ misfireGraceSeconds: 60, jitterMinutes: 10 });

    // Act / Assess
    expect(isMisfired(jittered, scheduledTime, new Date('2030-01-01T09:10:59Z'))).toBe(false);
    expect(isMisfired(jittered, scheduledTime, new Date('2030-01-01T09:11:01Z'))).toBe(true);
  });
});

describe('isCoalesced', () => {
  const job = aJob({ coalesce: true, trigger: { type: 'cron', expression: '*/5 * * * *' } });
  const scheduledTime = new Date('2030-01-01T09:00:00Z');

  it('keeps an occurrence whose next fire time has not come yet', () => {
    expect(isCoalesced(job, scheduledTime, new Date('2030-01-01T09:04:59Z'))).toBe(false);
  });

  it('drops an occurrence once the next one is due', () => {
    expect(isCoalesced(job, scheduledTime, new Date('2030-01-01T09:05:00Z'))).toBe(true);
  });

  it('never drops anything when coalesce is off', () => {
    expect(isCoalesced({ ...job, coalesce: false }, scheduledTime, new Date('2030-01-01T10:00:00Z'))).toBe(false);
  });

  it('never drops the occurrence of a date job, which has no next fire time', () => {
    // Prepare
    const dateJob = aJob({ coalesce: true, trigger: { type: 'date', runAt: '2030-01-01T09:00:00Z' } });

    // Act / Assess
    expect(isCoalesced(dateJob, scheduledTime, new Date('2030-01-02T09:00:00Z'))).toBe(false);
  });

  it('finds the next fire time of an interval job one period after the occurrence, whatever its creation second', () => {
    // Prepare: Scheduler anchors the rate when the schedule is written, not at the job's createdAt second
    const every5 = aJob({
      coalesce: true,
      trigger: { type: 'interval', minutes: 5 },
      createdAt: '2030-01-01T08:55:30.000Z',
    });

    // Act / Assess
    expect(isCoalesced(every5, new Date('2030-01-01T09:05:00Z'), new Date('2030-01-01T09:06:00Z'))).toBe(false);
    expect(isCoalesced(every5, new Date('2030-01-01T09:05:00Z'), new Date('2030-01-01T09:10:00Z'))).toBe(true);
  });

  it('finds the next fire time of an interval job from its anchor', () => {
    // Prepare
    const every10 = aJob({
      coalesce: true,
      trigger: { type: 'interval', minutes: 10 },
      createdAt: '2030-01-01T08:55:00.000Z',
    });

    // Act / Assess
    expect(isCoalesced(every10, new Date('2030-01-01T09:05:00Z'), new Date('2030-01-01T09:14:59Z'))).toBe(false);
    expect(isCoalesced(every10, new Date('2030-01-01T09:05:00Z'), new Date('2030-01-01T09:15:00Z'))).toBe(true);
  });

  it("looks for the next fire time only between the job's start and end dates", () => {
    // Prepare
    const window = { startAt: '2030-01-01T08:00:00.000Z', endAt: '2030-01-01T09:07:00.000Z' };
    const every5 = aJob({ coalesce: true, trigger: { type: 'interval', minutes: 5 }, ...window });
    const every10 = aJob({ coalesce: true, trigger: { type: 'interval', minutes: 10 }, ...window });

    // Act / Assess: 09:05 is inside the window, 09:10 is after its end
    expect(isCoalesced(every5, new Date('2030-01-01T09:00:00Z'), new Date('2030-01-01T09:30:00Z'))).toBe(true);
    expect(isCoalesced(every10, new Date('2030-01-01T09:00:00Z'), new Date('2030-01-01T09:30:00Z'))).toBe(false);
  });

  it('never drops the occurrence of a trigger it cannot evaluate', () => {
    // Prepare
    const unreadable = aJob({ coalesce: true, trigger: { type: 'cron', expression: 'every so often' } });

    // Act / Assess
    expect(isCoalesced(unreadable, scheduledTime, new Date('2030-01-02T09:00:00Z'))).toBe(false);
  });
});

describe('classifyError', () => {
  it('keeps the category of the worker failures', () => {
    expect(classifyError(new TaskTimeoutError(100)).category).toBe('timeout');
    expect(classifyError(new TargetHttpError(404, '')).category).toBe('http_4xx');
    expect(classifyError(new TargetHttpError(503, '')).category).toBe('http_5xx');
    expect(classifyError(new TargetHttpError(429, '')).category).toBe('throttled');
    expect(classifyError(new PayloadValidationError('bad')).category).toBe('payload_validation');
  });

  it("keeps the status and the start of a webhook's answer in the message of its HTTP error", () => {
    // Act
    const error = classifyError(new TargetHttpError(404, `no such report ${'x'.repeat(300)}`));

    // Assess
    expect(error).toEqual({
      class: 'TargetHttpError',
      message: `webhook answered 404: no such report ${'x'.repeat(200 - 'no such report '.length)}`,
      category: 'http_4xx',
    });
    expect(classifyError(new TargetHttpError(502, '')).message).toBe('webhook answered 502');
  });

  it('files a refused webhook address as a payload problem, which is never retried', () => {
    // Act
    const error = classifyError(new TargetRefusedError('10.0.0.8 is a private address'));

    // Assess
    expect(error).toEqual({
      class: 'TargetRefusedError',
      message: '10.0.0.8 is a private address',
      category: 'payload_validation',
    });
    expect(
      decideAfterFailure({ maxAttempts: 3, initialSeconds: 1, multiplier: 2, maxSeconds: 3 }, 1, error.category, fresh),
    ).toEqual({ kind: 'give-up', why: 'not-retryable' });
  });

  it('recognises throttled AWS dependencies by error name', () => {
    // Prepare
    const throttled = Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });

    // Act / Assess
    expect(classifyError(throttled)).toEqual({
      class: 'ProvisionedThroughputExceededException',
      message: 'slow down',
      category: 'throttled',
    });
  });

  it("files a dependency's TimeoutError as a timeout", () => {
    // Prepare
    const timedOut = Object.assign(new Error('socket timed out'), { name: 'TimeoutError' });

    // Act / Assess
    expect(classifyError(timedOut)).toEqual({
      class: 'TimeoutError',
      message: 'socket timed out',
      category: 'timeout',
    });
  });

  it('files anything else a task throws as a task exception', () => {
    expect(classifyError(new RangeError('boom'))).toEqual({
      class: 'RangeError',
      message: 'boom',
      category: 'task_exception',
    });
    expect(classifyError('a string')).toEqual({ class: 'NonError', message: 'a string', category: 'task_exception' });
  });
});

describe('decideAfterFailure', () => {
  const retry = { maxAttempts: 3, initialSeconds: 1, multiplier: 2, maxSeconds: 3 };

  it('retries with exponential backoff while attempts remain', () => {
    expect(decideAfterFailure(retry, 1, 'task_exception', fresh)).toEqual({
      kind: 'retry',
      delaySeconds: 1,
      nextAttempt: 2,
    });
    expect(decideAfterFailure(retry, 2, 'http_5xx', fresh)).toEqual({ kind: 'retry', delaySeconds: 2, nextAttempt: 3 });
  });

  it('gives up once maxAttempts attempts have failed', () => {
    expect(decideAfterFailure(retry, 3, 'task_exception', fresh)).toEqual({ kind: 'give-up', why: 'exhausted' });
  });

  it('never retries an invalid payload', () => {
    expect(decideAfterFailure(retry, 1, 'payload_validation', fresh)).toEqual({
      kind: 'give-up',
      why: 'not-retryable',
    });
  });

  it('caps each delay at maxSeconds', () => {
    expect(decideAfterFailure({ ...retry, maxAttempts: 10 }, 5, 'timeout', fresh)).toEqual({
      kind: 'retry',
      delaySeconds: 3,
      nextAttempt: 6,
    });
  });
});

describe('targetBudgetMs', () => {
  it('cuts the target timeout to leave the reserve before the deadline', () => {
    expect(targetBudgetMs(30_000, 20_000, 5_000)).toBe(15_000);
    expect(targetBudgetMs(10_000, 60_000, 5_000)).toBe(10_000);
    expect(targetBudgetMs(10_000, 4_000, 5_000)).toBeLessThanOrEqual(0);
  });
});

describe('slotOrder', () => {
  it('visits every slot exactly once, starting from one picked by the run id', () => {
    // Act
    const order = slotOrder('20300101T090000Z', 4);

    // Assess
    expect([...order].sort()).toEqual([0, 1, 2, 3]);
    expect(slotOrder('20300101T090000Z', 4)).toEqual(order);
    expect(slotOrder('anything', 1)).toEqual([0]);
  });
});

describe('truncateResult', () => {
  it('keeps a small result as it is', () => {
    expect(truncateResult({ rows: 3 })).toEqual({ rows: 3 });
    expect(truncateResult(undefined)).toBeUndefined();
  });

  it('keeps no result for a value JSON cannot represent', () => {
    expect(truncateResult(() => 'a function')).toBeUndefined();
    expect(truncateResult(Symbol('a symbol'))).toBeUndefined();
  });

  it('cuts a large result to its JSON text within MAX_RESULT_BYTES', () => {
    // Act
    const cut = truncateResult({ text: 'x'.repeat(10_000) });

    // Assess
    expect(cut).toMatchObject({ truncated: true });
    expect(JSON.stringify(cut).length).toBeLessThanOrEqual(MAX_RESULT_BYTES);
  });
});
