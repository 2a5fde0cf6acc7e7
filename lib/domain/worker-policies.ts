import { SCHEDULED_TIME_PLACEHOLDER } from '../schemas/envelope';
import type { Job } from '../schemas/job';
import { MAX_RESULT_BYTES, type ErrorCategory, type RunError } from '../schemas/run';
import { withStorableNumbers } from '../schemas/stored-json';
import { retryDelaySeconds } from './job';
import { nextFireTimes } from './next-fire-times';
import { RunFailureError } from './worker-errors';

/**
 * The worker's pure decisions: which time an occurrence belongs to, whether it misfired or is coalesced away,
 * how failures are classified and retried, and how much time a target gets. No clock of their own: `now` is
 * always passed in.
 */

const MINUTE_MS = 60_000;

export interface ResolvedScheduledTime {
  readonly scheduledTime: Date;
  /** True when the envelope carried the unsubstituted placeholder and the message's SentTimestamp was used. */
  readonly fromSentTimestamp: boolean;
}

/**
 * The scheduled time of a schedule envelope. EventBridge Scheduler substitutes the placeholder; an emulator that
 * does not leaves it as is, and then the message's SentTimestamp, floored to the minute (Scheduler fires on whole
 * minutes), stands in. Undefined when the time is neither the placeholder nor an ISO instant.
 */
export function resolveScheduledTime(value: string, sentTimestampMs: number): ResolvedScheduledTime | undefined {
  if (value === SCHEDULED_TIME_PLACEHOLDER) {
    if (!Number.isFinite(sentTimestampMs)) return undefined;
    return {
      scheduledTime: new Date(Math.floor(sentTimestampMs / MINUTE_MS) * MINUTE_MS),
      fromSentTimestamp: true,
    };
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : { scheduledTime: new Date(ms), fromSentTimestamp: false };
}

/**
 * A delay that doubles with each delivery of a message, from `initialSeconds` on its first up to `maxSeconds`: how
 * long a record that failed before doing anything waits before it comes back.
 */
export function doublingDelaySeconds(initialSeconds: number, maxSeconds: number, receiveCount: number): number {
  return Math.min(maxSeconds, initialSeconds * 2 ** Math.max(0, receiveCount - 1));
}

/** Lateness a scheduled occurrence may have on its first attempt: the grace plus the flexible window (jitter). */
export function allowedLatenessMs(job: Pick<Job, 'misfireGraceSeconds' | 'jitterMinutes'>): number {
  return job.misfireGraceSeconds * 1000 + job.jitterMinutes * MINUTE_MS;
}

/** APScheduler's misfire: the first attempt starts later than the grace (plus jitter window) allows. */
export function isMisfired(
  job: Pick<Job, 'misfireGraceSeconds' | 'jitterMinutes'>,
  scheduledTime: Date,
  now: Date,
): boolean {
  return now.getTime() - scheduledTime.getTime() > allowedLatenessMs(job);
}

/**
 * The job's first fire time strictly after the occurrence at `after`, or undefined when there is none (or the
 * trigger is invalid). An interval is anchored at the occurrence itself: whatever instant Scheduler anchored the
 * rate at (the schedule's creation or last update, not the job's `createdAt`), the next fire is one period later.
 * That also holds when `after` is only the SentTimestamp floored to the minute (emulator mode).
 */
export function nextFireAfter(job: Pick<Job, 'trigger' | 'startAt' | 'endAt'>, after: Date): Date | undefined {
  try {
    const times = nextFireTimes(job.trigger, {
      from: new Date(after.getTime() + 1),
      count: 1,
      ...(job.startAt !== undefined && { startAt: new Date(job.startAt) }),
      ...(job.endAt !== undefined && { endAt: new Date(job.endAt) }),
      anchor: after,
    });
    return times[0];
  } catch {
    // A trigger the worker cannot evaluate never coalesces anything away.
    return undefined;
  }
}

/**
 * APScheduler's coalesce: with coalesce on, an occurrence is dropped when a newer one is already due. With a
 * flexible time window (jitter) Scheduler delivers each occurrence up to the window after its time, so the newer
 * one is due only once its own window has passed too; before that a late-looking delivery is just jitter.
 */
export function isCoalesced(
  job: Pick<Job, 'coalesce' | 'trigger' | 'startAt' | 'endAt' | 'jitterMinutes'>,
  scheduledTime: Date,
  now: Date,
): boolean {
  if (!job.coalesce) return false;
  const next = nextFireAfter(job, scheduledTime);
  return next !== undefined && next.getTime() + job.jitterMinutes * MINUTE_MS <= now.getTime();
}

const THROTTLING_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'RequestThrottledException',
  'SlowDown',
]);

const MAX_ERROR_MESSAGE = 1024;

/** The ledger's view of a failure: class name, message (cut) and category. */
export function classifyError(error: unknown): RunError {
  if (error instanceof RunFailureError) {
    return { class: error.name, message: error.message.slice(0, MAX_ERROR_MESSAGE), category: error.category };
  }
  if (error instanceof Error) {
    let category: ErrorCategory = 'task_exception';
    if (THROTTLING_NAMES.has(error.name)) category = 'throttled';
    else if (error.name === 'TimeoutError') category = 'timeout';
    return { class: error.name, message: error.message.slice(0, MAX_ERROR_MESSAGE), category };
  }
  return { class: 'NonError', message: String(error).slice(0, MAX_ERROR_MESSAGE), category: 'task_exception' };
}

/** Failures another attempt cannot fix: the job's definition itself is wrong. */
export function isRetryable(category: ErrorCategory): boolean {
  return category !== 'payload_validation';
}

export type FailureDecision =
  | { readonly kind: 'retry'; readonly delaySeconds: number; readonly nextAttempt: number }
  | { readonly kind: 'give-up'; readonly why: 'exhausted' | 'not-retryable' | 'expiring' };

/** How long the message of the failed attempt has been in the jobs queue, and how long the queue keeps it. */
export interface MessageLifetime {
  readonly ageSeconds: number;
  readonly retentionSeconds: number;
}

/** Time kept free after a retry's delay for its run to start before the message would expire. */
const RETENTION_MARGIN_SECONDS = 60 * 60;

/**
 * Celery's retry: another attempt after the backoff delay while attempts remain and the failure is retryable, and
 * while the message would still be in the jobs queue when the delay ends. Registration bounds the delays so that
 * it is; a message that aged meanwhile (slot waits, redeliveries) fails now, recorded and dead-lettered, rather
 * than expiring from the queue with its run recorded `running`.
 */
export function decideAfterFailure(
  retry: Job['retry'],
  attempt: number,
  category: ErrorCategory,
  lifetime: MessageLifetime,
): FailureDecision {
  if (!isRetryable(category)) return { kind: 'give-up', why: 'not-retryable' };
  if (attempt >= retry.maxAttempts) return { kind: 'give-up', why: 'exhausted' };
  const delaySeconds = retryDelaySeconds(retry, attempt + 1);
  if (lifetime.ageSeconds + delaySeconds + RETENTION_MARGIN_SECONDS > lifetime.retentionSeconds) {
    return { kind: 'give-up', why: 'expiring' };
  }
  return { kind: 'retry', delaySeconds, nextAttempt: attempt + 1 };
}

/**
 * Milliseconds a target may run: its own timeout, cut so that `reserveMs` remain before the invocation's deadline
 * to record the outcome. Zero or less means there is no time to start it.
 */
export function targetBudgetMs(targetTimeoutMs: number, remainingMs: number, reserveMs: number): number {
  return Math.min(targetTimeoutMs, remainingMs - reserveMs);
}

/**
 * The order in which a run tries the job's `maxConcurrent` slots: starting at a slot picked from the run id, so
 * concurrent runs of one job mostly try different slots first.
 */
export function slotOrder(runId: string, maxConcurrent: number): number[] {
  let hash = 0;
  for (const char of runId) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const start = hash % maxConcurrent;
  return Array.from({ length: maxConcurrent }, (_, offset) => (start + offset) % maxConcurrent);
}

/**
 * A task's return value or a webhook's response as the ledger keeps it: as is when small, else its JSON text cut.
 * A number DynamoDB cannot store exactly is kept as its decimal text, so the outcome is always recorded.
 */
export function truncateResult(value: unknown): unknown {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  if (text === undefined) return undefined;
  const bytes = new TextEncoder().encode(text);
  if (bytes.length <= MAX_RESULT_BYTES) return withStorableNumbers(JSON.parse(text));
  // The cut may split a multi-byte character; the decoder replaces the fragment rather than failing.
  return { truncated: true, preview: new TextDecoder().decode(bytes.subarray(0, MAX_RESULT_BYTES - 64)) };
}
