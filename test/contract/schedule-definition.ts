import type { ScheduleDefinition } from '../../lib/domain/schedule-definition';

export const queueArn = 'arn:aws:sqs:us-east-1:000000000000:sked-contract-queue';
export const roleArn = 'arn:aws:iam::000000000000:role/sked-scheduler';
export const deliveryDlqArn = 'arn:aws:sqs:us-east-1:000000000000:sked-delivery-dlq';
export const input = '{"v":1,"jobId":"nightly","kind":"schedule","scheduledTime":"<aws.scheduler.scheduled-time>"}';

/** A definition of the schedule 'nightly' in `groupName` with every field set, for tests of the Schedules port. */
export function definition(groupName: string, overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return {
    Name: 'nightly',
    GroupName: groupName,
    ScheduleExpression: 'cron(0 2 * * ? *)',
    ScheduleExpressionTimezone: 'Europe/Paris',
    StartDate: new Date('2031-01-01T00:00:00Z'),
    EndDate: new Date('2032-01-01T00:00:00Z'),
    Description: 'nightly export',
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    ActionAfterCompletion: 'NONE',
    Target: {
      Arn: queueArn,
      RoleArn: roleArn,
      Input: input,
      RetryPolicy: { MaximumEventAgeInSeconds: 3900, MaximumRetryAttempts: 185 },
      DeadLetterConfig: { Arn: deliveryDlqArn },
    },
    ...overrides,
  };
}
