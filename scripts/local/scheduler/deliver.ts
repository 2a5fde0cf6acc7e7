/**
 * LOCAL ONLY. One occurrence's delivery to its SQS target, as EventBridge Scheduler makes it: the input with its
 * context attributes substituted, retried per the schedule's RetryPolicy, and, once the retries are exhausted, the
 * dead-letter event sent to the DeadLetterConfig queue
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html), each step counted in the
 * AWS/Scheduler metrics (metrics.ts).
 */
import { formatScheduledTime, substituteContext } from './context';
import type { DeliveryMetrics } from './metrics';
import type { QueueSender, SchedulerClock, SchedulerLog } from './ports';
import { scheduleKey, type LocalSchedule } from './schedule';

/**
 * The wait before retry n (1-based) is drawn uniformly from [cap / 2, cap], cap = min(maxMs, baseMs × 2^(n-1)):
 * exponential backoff with jitter. AWS documents the backoff but not its constants; these are local choices.
 */
export interface RetryBackoff {
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY_BACKOFF: RetryBackoff = { baseMs: 1_000, maxMs: 60_000 };

export function retryDelayMs(backoff: RetryBackoff, retry: number, random: () => number): number {
  const cap = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (retry - 1));
  return Math.round(cap / 2 + (random() * cap) / 2);
}

export interface DeliveryDeps {
  readonly queues: QueueSender;
  readonly clock: SchedulerClock;
  readonly random: () => number;
  readonly newExecutionId: () => string;
  readonly retryBackoff: RetryBackoff;
  readonly log: SchedulerLog;
  readonly metrics: DeliveryMetrics;
}

export type ExhaustedRetryCondition = 'MaximumRetryAttempts' | 'MaximumEventAgeInSeconds';

export type DeliveryOutcome =
  | { readonly kind: 'delivered'; readonly attempts: number }
  /** Retries exhausted; the dead-letter event went to the DLQ (`deadLettered`), or there was none or it failed. */
  | {
      readonly kind: 'exhausted';
      readonly attempts: number;
      readonly condition: ExhaustedRetryCondition;
      readonly deadLettered: boolean;
    }
  /** The scheduler stopped while waiting to retry. */
  | { readonly kind: 'abandoned'; readonly attempts: number };

interface FailedAttempt {
  readonly executionId: string;
  readonly body: string;
  readonly code: string;
  readonly message: string;
}

/** Delivers one occurrence: attempts, retries and the dead letter. Never throws. */
export async function deliverOccurrence(
  deps: DeliveryDeps,
  schedule: LocalSchedule,
  scheduledTime: Date,
  signal?: AbortSignal,
): Promise<DeliveryOutcome> {
  const { target } = schedule;
  const label = `${scheduleKey(schedule.groupName, schedule.name)} at ${formatScheduledTime(scheduledTime)}`;
  const firstAttemptAt = deps.clock.now();
  for (let attempt = 1; ; attempt += 1) {
    const executionId = deps.newExecutionId();
    const body = substituteContext(target.input, {
      scheduleArn: schedule.arn,
      scheduledTime,
      executionId,
      attemptNumber: attempt,
    });
    deps.metrics.count(schedule.groupName, 'attempt');
    try {
      await deps.queues.send(target.arn, {
        body,
        ...(target.messageGroupId !== undefined && { messageGroupId: target.messageGroupId }),
      });
      deps.log(`local scheduler: ${label} attempt ${attempt}: delivered (execution ${executionId})`);
      return { kind: 'delivered', attempts: attempt };
    } catch (error) {
      const failure: FailedAttempt = { executionId, body, ...errorDetailsOf(error) };
      deps.metrics.count(schedule.groupName, 'targetError');
      if (isThrottling(error)) deps.metrics.count(schedule.groupName, 'targetErrorThrottled');
      const decision = retryDecision(deps, schedule, attempt, firstAttemptAt);
      if (decision.kind === 'exhausted') {
        deps.log(`local scheduler: ${label} attempt ${attempt}: failed ${failure.code}: ${failure.message}`);
        deps.metrics.count(schedule.groupName, 'dropped');
        const deadLettered = await deadLetter(deps, schedule, scheduledTime, attempt, decision.condition, failure);
        return { kind: 'exhausted', attempts: attempt, condition: decision.condition, deadLettered };
      }
      deps.log(
        `local scheduler: ${label} attempt ${attempt}: failed ${failure.code}: ${failure.message}; ` +
          `retry in ${(decision.delayMs / 1000).toFixed(1)} s`,
      );
      await deps.clock.sleep(decision.delayMs, signal);
      if (signal?.aborted === true) {
        deps.log(`local scheduler: ${label}: retries abandoned, the scheduler stopped`);
        return { kind: 'abandoned', attempts: attempt };
      }
    }
  }
}

type RetryDecision =
  | { readonly kind: 'retry'; readonly delayMs: number }
  | { readonly kind: 'exhausted'; readonly condition: ExhaustedRetryCondition };

/** Retry, or stop: after MaximumRetryAttempts retries, or when the retry would start past MaximumEventAgeInSeconds. */
function retryDecision(
  deps: DeliveryDeps,
  schedule: LocalSchedule,
  attempt: number,
  firstAttemptAt: number,
): RetryDecision {
  const policy = schedule.target.retryPolicy;
  if (attempt - 1 >= policy.maximumRetryAttempts) return { kind: 'exhausted', condition: 'MaximumRetryAttempts' };
  const delayMs = retryDelayMs(deps.retryBackoff, attempt, deps.random);
  const ageAtRetry = deps.clock.now() + delayMs - firstAttemptAt;
  if (ageAtRetry > policy.maximumEventAgeSeconds * 1000) {
    return { kind: 'exhausted', condition: 'MaximumEventAgeInSeconds' };
  }
  return { kind: 'retry', delayMs };
}

const INTERNAL_ERROR_CODE = 'AWS.Scheduler.InternalServerError';
const INTERNAL_ERROR_MESSAGE = 'Unexpected error occurred while processing the request';

/** The error code and message as the dead-letter event names them: SQS's query-compatible code when it has one. */
export function errorDetailsOf(error: unknown): { readonly code: string; readonly message: string } {
  if (!(error instanceof Error)) return { code: INTERNAL_ERROR_CODE, message: INTERNAL_ERROR_MESSAGE };
  const queryCode = 'Code' in error && typeof error.Code === 'string' && error.Code !== '' ? error.Code : undefined;
  return { code: queryCode ?? error.name, message: error.message === '' ? INTERNAL_ERROR_MESSAGE : error.message };
}

/**
 * Whether the target refused by throttling (TargetErrorThrottledCount): SQS's RequestThrottled and KmsThrottled, any
 * other *Throttl* error, or HTTP 429.
 */
export function isThrottling(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = 'Code' in error && typeof error.Code === 'string' ? error.Code : '';
  const metadata = '$metadata' in error && typeof error.$metadata === 'object' ? error.$metadata : null;
  const status = metadata !== null && 'httpStatusCode' in metadata ? metadata.httpStatusCode : undefined;
  return /throttl/i.test(error.name) || /throttl/i.test(code) || status === 429;
}

/**
 * The dead-letter event: the input the target would have received (that of the last attempt) as the body, and the
 * nine documented message attributes (SQS allows ten). Returns whether it was sent.
 */
async function deadLetter(
  deps: DeliveryDeps,
  schedule: LocalSchedule,
  scheduledTime: Date,
  attempts: number,
  condition: ExhaustedRetryCondition,
  failure: FailedAttempt,
): Promise<boolean> {
  const label = `${scheduleKey(schedule.groupName, schedule.name)} at ${formatScheduledTime(scheduledTime)}`;
  const dlqArn = schedule.target.deadLetterArn;
  if (dlqArn === undefined) {
    deps.log(`local scheduler: ${label}: dropped after ${attempts} attempt(s) (${condition}), no DeadLetterConfig`);
    return false;
  }
  try {
    await deps.queues.send(dlqArn, {
      body: failure.body,
      attributes: deadLetterAttributes(schedule, scheduledTime, attempts, condition, failure),
    });
    deps.log(`local scheduler: ${label}: dead-lettered to ${dlqArn} after ${attempts} attempt(s) (${condition})`);
    deps.metrics.count(schedule.groupName, 'sentToDeadLetter');
    return true;
  } catch (error) {
    const { code, message } = errorDetailsOf(error);
    deps.metrics.count(schedule.groupName, 'failedToBeSentToDeadLetter', code);
    deps.log(`local scheduler: ${label}: dropped, the dead letter to ${dlqArn} failed: ${code}: ${message}`);
    return false;
  }
}

export function deadLetterAttributes(
  schedule: LocalSchedule,
  scheduledTime: Date,
  attempts: number,
  condition: ExhaustedRetryCondition,
  failure: FailedAttempt,
): Record<string, string> {
  return {
    ERROR_CODE: failure.code,
    ERROR_MESSAGE: failure.message,
    EXECUTION_ID: failure.executionId,
    EXHAUSTED_RETRY_CONDITION: condition,
    IS_PAYLOAD_TRUNCATED: 'false',
    RETRY_ATTEMPTS: String(attempts - 1),
    SCHEDULED_TIME: formatScheduledTime(scheduledTime),
    SCHEDULE_ARN: schedule.arn,
    TARGET_ARN: schedule.target.arn,
  };
}
