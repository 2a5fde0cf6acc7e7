import { SCHEDULED_TIME_PLACEHOLDER, type ScheduledEnvelope } from '../schemas/envelope';
import type { Job } from '../schemas/job';
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

export function toScheduleDefinition(job: Job, target: ScheduleTargetContext, now: Date): ScheduleDefinition {
  const { expression, timezone } = toScheduleExpression(job.trigger, now);
  return {
    Name: job.id,
    GroupName: target.groupName,
    ScheduleExpression: expression,
    ScheduleExpressionTimezone: timezone,
    ...(job.startAt !== undefined && { StartDate: new Date(job.startAt) }),
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
