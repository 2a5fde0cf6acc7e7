import { SCHEDULED_TIME_PLACEHOLDER, type ScheduledEnvelope, type TickEnvelope } from '../schemas/envelope';
import type { Job } from '../schemas/job';
import { intervalSecondsOf } from './interval';
import { effectivePrecision } from './precision';
import { planSchedule, toScheduleExpression } from './schedule-expression';
import { occurrenceBounds, TICK_EXPRESSION, TICK_LEAD_MS } from './tick';

/** Where a deployment's schedules deliver. */
export interface ScheduleTargetContext {
  readonly groupName: string;
  readonly queueArn: string;
  readonly roleArn: string;
  /** Receives occurrences EventBridge Scheduler could not deliver to the queue. */
  readonly deliveryDlqArn: string;
}

/**
 * The full CreateSchedule/UpdateSchedule input for a job, with the SDK's field names. UpdateSchedule replaces
 * the whole schedule, so this is always written complete (docs/design.md#the-job-store-and-the-schedules).
 */
export interface ScheduleDefinition {
  readonly Name: string;
  readonly GroupName: string;
  readonly ScheduleExpression: string;
  readonly ScheduleExpressionTimezone: string;
  readonly StartDate?: Date;
  readonly EndDate?: Date;
  readonly Description?: string;
  readonly State: 'ENABLED' | 'DISABLED';
  readonly FlexibleTimeWindow:
    { readonly Mode: 'OFF' } | { readonly Mode: 'FLEXIBLE'; readonly MaximumWindowInMinutes: number };
  readonly ActionAfterCompletion: 'NONE' | 'DELETE';
  readonly Target: {
    readonly Arn: string;
    readonly RoleArn: string;
    readonly Input: string;
    readonly RetryPolicy: { readonly MaximumEventAgeInSeconds: number; readonly MaximumRetryAttempts: number };
    readonly DeadLetterConfig: { readonly Arn: string };
  };
}

/** Delivery retries (Scheduler to SQS) stop once the run could only be recorded missed anyway, plus an hour. */
function deliveryMaxEventAgeSeconds(job: Job): number {
  const usefulFor = job.misfireGraceSeconds + job.jitterMinutes * 60 + 3600;
  return Math.min(86_400, Math.max(60, usefulFor));
}

export function scheduleEnvelopeInput(jobId: string): string {
  const envelope: ScheduledEnvelope = { v: 1, jobId, kind: 'schedule', scheduledTime: SCHEDULED_TIME_PLACEHOLDER };
  return JSON.stringify(envelope);
}

export function tickEnvelopeInput(jobId: string): string {
  const envelope: TickEnvelope = { v: 1, jobId, kind: 'tick', scheduledTime: SCHEDULED_TIME_PLACEHOLDER };
  return JSON.stringify(envelope);
}

/** A rate job's period in milliseconds; undefined for cron and date jobs, and for ticks (a cron). */
export function ratePeriodMsOf(job: Job): number | undefined {
  if (effectivePrecision(job) === 'second') return undefined;
  return job.trigger.type === 'interval' ? intervalSecondsOf(job.trigger) * 1000 : undefined;
}

/**
 * The schedule's StartDate for a job's `startAt`. A future `startAt` is sent as it is. Once it has passed it
 * bounds nothing any more (like APScheduler's `start_date`), and Scheduler refuses a recurring schedule whose
 * StartDate is more than 5 minutes in the past, so a cron or date job sends none and a rate job sends the first
 * point of its own grid (`startAt + k × period`) at or after `now`, which keeps its phase. Every write path (create,
 * replace, patch, pause, resume, reconcile) goes through here.
 */
export function scheduleStartDate(job: Job, now: Date): Date | undefined {
  if (job.startAt === undefined) return undefined;
  const startAt = new Date(job.startAt);
  if (startAt.getTime() > now.getTime()) return startAt;
  const periodMs = ratePeriodMsOf(job);
  if (periodMs === undefined) return undefined;
  const periods = Math.ceil((now.getTime() - startAt.getTime()) / periodMs);
  return new Date(startAt.getTime() + periods * periodMs);
}

/**
 * The full schedule of a job. A minute-precision job's schedule delivers its occurrences; a second-precision job's
 * is its tick (docs/design.md#second-precision): TICK_EXPRESSION in UTC from TICK_LEAD_MS before its first possible
 * occurrence to its last, delivering the tick envelope. Throws ValidationError when the trigger cannot be
 * scheduled at `now` (a date that has passed).
 */
export function toScheduleDefinition(job: Job, target: ScheduleTargetContext, now: Date): ScheduleDefinition {
  if (effectivePrecision(job) === 'second') return toTickDefinition(job, target, now);
  const startDate = scheduleStartDate(job, now);
  const { expression, timezone } = toScheduleExpression(job.trigger, now);
  return {
    Name: job.id,
    GroupName: target.groupName,
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: timezone,
    ...(startDate !== undefined && { StartDate: startDate }),
    ...(job.endAt !== undefined && { EndDate: new Date(job.endAt) }),
    ...(job.description !== undefined && { Description: job.description.slice(0, 512) }),
    State: job.state === 'enabled' ? 'ENABLED' : 'DISABLED',
    FlexibleTimeWindow:
      job.jitterMinutes > 0 ? { Mode: 'FLEXIBLE', MaximumWindowInMinutes: job.jitterMinutes } : { Mode: 'OFF' },
    ActionAfterCompletion: job.trigger.type === 'date' ? 'DELETE' : 'NONE',
    Target: {
      Arn: target.queueArn,
      RoleArn: target.roleArn,
      Input: scheduleEnvelopeInput(job.id),
      RetryPolicy: { MaximumEventAgeInSeconds: deliveryMaxEventAgeSeconds(job), MaximumRetryAttempts: 185 },
      DeadLetterConfig: { Arn: target.deliveryDlqArn },
    },
  };
}

function toTickDefinition(job: Job, target: ScheduleTargetContext, now: Date): ScheduleDefinition {
  planSchedule(job.trigger, now);
  const { first, last } = occurrenceBounds(job);
  const tickStart = first === undefined ? undefined : new Date(first.getTime() - TICK_LEAD_MS);
  return {
    Name: job.id,
    GroupName: target.groupName,
    ScheduleExpression: TICK_EXPRESSION,
    ScheduleExpressionTimezone: 'UTC',
    // A passed StartDate bounds nothing, and Scheduler refuses one more than 5 minutes old (see scheduleStartDate).
    ...(tickStart !== undefined && tickStart.getTime() > now.getTime() && { StartDate: tickStart }),
    ...(last !== undefined && { EndDate: last }),
    ...(job.description !== undefined && { Description: job.description.slice(0, 512) }),
    State: job.state === 'enabled' ? 'ENABLED' : 'DISABLED',
    FlexibleTimeWindow: { Mode: 'OFF' },
    ActionAfterCompletion: job.trigger.type === 'date' ? 'DELETE' : 'NONE',
    Target: {
      Arn: target.queueArn,
      RoleArn: target.roleArn,
      Input: tickEnvelopeInput(job.id),
      // A tick delivered 15 minutes late covers nothing its successors do not (they come every 5 minutes).
      RetryPolicy: { MaximumEventAgeInSeconds: 15 * 60, MaximumRetryAttempts: 185 },
      DeadLetterConfig: { Arn: target.deliveryDlqArn },
    },
  };
}
