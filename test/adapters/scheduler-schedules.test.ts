import {
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleInputOf, SchedulerSchedules } from '../../lib/adapters/aws/scheduler-schedules';
import type { ScheduleDefinition } from '../../lib/domain/schedule-definition';
import { uniqueName } from '../support/names';

const queueArn = 'arn:aws:sqs:us-east-1:000000000000:sked-adapter-queue';

function definition(groupName: string, overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
  return {
    Name: 'nightly',
    GroupName: groupName,
    ScheduleExpression: 'cron(0 2 * * ? *)',
    ScheduleExpressionTimezone: 'Europe/Paris',
    StartDate: new Date('2031-01-01T00:00:00Z'),
    Description: 'nightly export',
    State: 'ENABLED',
    FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
    ActionAfterCompletion: 'NONE',
    Target: {
      Arn: queueArn,
      RoleArn: 'arn:aws:iam::000000000000:role/sked-scheduler',
      Input: '{"v":1,"jobId":"nightly","kind":"schedule","scheduledTime":"<aws.scheduler.scheduled-time>"}',
      RetryPolicy: { MaximumEventAgeInSeconds: 3900, MaximumRetryAttempts: 185 },
      DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:sked-delivery-dlq' },
    },
    ...overrides,
  };
}

describe('SchedulerSchedules', () => {
  const client = new SchedulerClient({});
  const groupName = uniqueName('sked-adapter-group');
  const schedules = new SchedulerSchedules(client, groupName);

  beforeAll(async () => {
    await client.send(new CreateScheduleGroupCommand({ Name: groupName }));
  });

  afterAll(async () => {
    for (const Name of await schedules.listNames()) {
      await client.send(new DeleteScheduleCommand({ Name, GroupName: groupName })).catch(() => undefined);
    }
    await client.send(new DeleteScheduleGroupCommand({ Name: groupName })).catch(() => undefined);
  });

  it('sends the whole definition to CreateSchedule, field for field', () => {
    // Act
    const input = scheduleInputOf(definition(groupName));

    // Assess
    expect(input).toEqual({ ...definition(groupName), Target: { ...definition(groupName).Target } });
  });

  it('creates a schedule with every field of the definition', async () => {
    // Act
    await schedules.put(definition(groupName));

    // Assess
    const stored = await client.send(new GetScheduleCommand({ Name: 'nightly', GroupName: groupName }));
    expect(stored).toMatchObject({
      ScheduleExpression: 'cron(0 2 * * ? *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      Description: 'nightly export',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 15 },
      ActionAfterCompletion: 'NONE',
      Target: definition(groupName).Target,
    });
    expect(stored.StartDate?.toISOString()).toBe('2031-01-01T00:00:00.000Z');
  });

  it('falls back to a full UpdateSchedule when the schedule exists', async () => {
    // Prepare
    await schedules.put(definition(groupName, { Name: 'updated' }));

    // Act
    await schedules.put(
      definition(groupName, {
        Name: 'updated',
        ScheduleExpression: 'rate(10 minutes)',
        State: 'DISABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
      }),
    );

    // Assess
    expect(await schedules.get('updated')).toEqual({
      name: 'updated',
      expression: 'rate(10 minutes)',
      timezone: 'Europe/Paris',
      state: 'DISABLED',
      input: definition(groupName).Target.Input,
      targetArn: queueArn,
      startDate: new Date('2031-01-01T00:00:00Z'),
      description: 'nightly export',
      roleArn: 'arn:aws:iam::000000000000:role/sked-scheduler',
      actionAfterCompletion: 'NONE',
      retryPolicy: { maximumEventAgeSeconds: 3900, maximumRetryAttempts: 185 },
      deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:sked-delivery-dlq',
    });
  });

  it('reads an absent schedule as undefined and deletes it without error', async () => {
    // Act
    const absent = await schedules.get('never-created');
    const deletion = schedules.delete('never-created');

    // Assess
    expect(absent).toBeUndefined();
    await expect(deletion).resolves.toBeUndefined();
  });

  it('lists the names in its group and deletes one', async () => {
    // Prepare
    await schedules.put(definition(groupName, { Name: 'listed-a' }));
    await schedules.put(definition(groupName, { Name: 'listed-b' }));

    // Act
    await schedules.delete('listed-a');
    const names = await schedules.listNames();

    // Assess
    expect(names).toContain('listed-b');
    expect(names).not.toContain('listed-a');
  });

  it('propagates a failure that is not a conflict, e.g. a missing group', async () => {
    // Prepare
    const elsewhere = new SchedulerSchedules(client, 'sked-no-such-group');

    // Act
    const attempt = elsewhere.put(definition('sked-no-such-group'));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  });
});
