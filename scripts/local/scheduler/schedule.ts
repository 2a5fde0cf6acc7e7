/**
 * LOCAL ONLY. The parts of an EventBridge Scheduler schedule the local scheduler acts on, read from GetSchedule's
 * output with the defaults AWS applies to omitted fields.
 */
import type { GetScheduleCommandOutput } from '@aws-sdk/client-scheduler';

/** AWS's RetryPolicy when a schedule sets none (https://docs.aws.amazon.com/scheduler/latest/APIReference/API_RetryPolicy.html). */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maximumEventAgeSeconds: 86_400, maximumRetryAttempts: 185 };

export interface RetryPolicy {
  readonly maximumEventAgeSeconds: number;
  readonly maximumRetryAttempts: number;
}

export interface ScheduleTarget {
  readonly arn: string;
  /** Omitted Input is sent as `{}`. */
  readonly input: string;
  /** SqsParameters.MessageGroupId, for a FIFO queue. */
  readonly messageGroupId?: string;
  readonly retryPolicy: RetryPolicy;
  readonly deadLetterArn?: string;
}

export interface LocalSchedule {
  readonly groupName: string;
  readonly name: string;
  readonly arn: string;
  readonly expression: string;
  readonly timezone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly startDate?: Date;
  readonly endDate?: Date;
  readonly creationDate: Date;
  /** Equal to creationDate until the schedule is updated. */
  readonly lastModificationDate: Date;
  /** Set for FlexibleTimeWindow Mode FLEXIBLE; absent for OFF. */
  readonly flexibleWindowMinutes?: number;
  readonly actionAfterCompletion: 'NONE' | 'DELETE';
  readonly target: ScheduleTarget;
}

/** `group/name`: unique within an endpoint. */
export const scheduleKey = (groupName: string, name: string): string => `${groupName}/${name}`;

/** The schedule as GetSchedule returned it; `fallbackNow` stands in for dates an emulator leaves out. */
export function localScheduleOf(output: GetScheduleCommandOutput, fallbackNow: Date): LocalSchedule {
  const target = output.Target;
  const window = output.FlexibleTimeWindow;
  const retry = target?.RetryPolicy;
  const creationDate = output.CreationDate ?? fallbackNow;
  const groupName = output.GroupName ?? 'default';
  const name = output.Name ?? '';
  return {
    groupName,
    name,
    arn: output.Arn ?? '',
    expression: output.ScheduleExpression ?? '',
    timezone: output.ScheduleExpressionTimezone ?? 'UTC',
    state: output.State === 'DISABLED' ? 'DISABLED' : 'ENABLED',
    ...(output.StartDate !== undefined && { startDate: output.StartDate }),
    ...(output.EndDate !== undefined && { endDate: output.EndDate }),
    creationDate,
    lastModificationDate: output.LastModificationDate ?? creationDate,
    ...(window?.Mode === 'FLEXIBLE' &&
      window.MaximumWindowInMinutes !== undefined && { flexibleWindowMinutes: window.MaximumWindowInMinutes }),
    actionAfterCompletion: output.ActionAfterCompletion === 'DELETE' ? 'DELETE' : 'NONE',
    target: {
      arn: target?.Arn ?? '',
      input: target?.Input ?? '{}',
      ...(target?.SqsParameters?.MessageGroupId !== undefined && {
        messageGroupId: target.SqsParameters.MessageGroupId,
      }),
      retryPolicy: {
        maximumEventAgeSeconds: retry?.MaximumEventAgeInSeconds ?? DEFAULT_RETRY_POLICY.maximumEventAgeSeconds,
        maximumRetryAttempts: retry?.MaximumRetryAttempts ?? DEFAULT_RETRY_POLICY.maximumRetryAttempts,
      },
      ...(target?.DeadLetterConfig?.Arn !== undefined && { deadLetterArn: target.DeadLetterConfig.Arn }),
    },
  };
}
