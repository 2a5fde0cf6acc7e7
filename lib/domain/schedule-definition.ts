import { SCHEDULED_TIME_PLACEHOLDER, type ScheduledEnvelope } from '../schemas/envelope';
import type { Job } from '../schemas/job';
import { intervalSecondsOf } from './interval';
import { toScheduleExpression } from './schedule-expression';

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

/** A rate job's period in milliseconds; undefined for cron and date jobs. */
export function ratePeriodMsOf(job: Job): number | undefined {
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

export function toScheduleDefinition(job: Job, target: ScheduleTargetContext, now: Date): ScheduleDefinition {
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
