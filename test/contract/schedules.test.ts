import {
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SchedulerSchedules } from '../../lib/adapters/aws/scheduler-schedules';
import type { ScheduleDefinition } from '../../lib/domain/schedule-definition';
import type { ScheduleSnapshot, Schedules } from '../../lib/ports/schedules';
import { InMemorySchedules } from '../support/fakes/schedules';
import { uniqueName } from '../support/names';
import type { Implementation } from './implementations';

/** A schedule group's schedules, and the group's name for the definitions written to it. */
interface Group {
  readonly schedules: Schedules;
  readonly groupName: string;
}

const groups: Implementation<Group>[] = [
  {
    name: 'InMemorySchedules',
    create: () => {
      const groupName = uniqueName('sked-contract-group');
      return Promise.resolve({
        subject: { schedules: new InMemorySchedules(groupName), groupName },
        dispose: () => Promise.resolve(),
      });
    },
  },
  {
    name: 'SchedulerSchedules',
    create: async () => {
      const client = new SchedulerClient({});
      const groupName = uniqueName('sked-contract-group');
      await client.send(new CreateScheduleGroupCommand({ Name: groupName }));
      const schedules = new SchedulerSchedules(client, groupName);
      return {
        subject: { schedules, groupName },
        dispose: async () => {
          for (const Name of await schedules.listNames()) {
            await client.send(new DeleteScheduleCommand({ Name, GroupName: groupName })).catch(() => undefined);
          }
          await client.send(new DeleteScheduleGroupCommand({ Name: groupName })).catch(() => undefined);
          client.destroy();
        },
      };
    },
  },
];

const queueArn = 'arn:aws:sqs:us-east-1:000000000000:sked-contract-queue';
const roleArn = 'arn:aws:iam::000000000000:role/sked-scheduler';
const deliveryDlqArn = 'arn:aws:sqs:us-east-1:000000000000:sked-delivery-dlq';
const input = '{"v":1,"jobId":"nightly","kind":"schedule","scheduledTime":"<aws.scheduler.scheduled-time>"}';

function definition(groupName: string, overrides: Partial<ScheduleDefinition> = {}): ScheduleDefinition {
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

describe.each(groups)('Schedules contract: $name', (implementation) => {
  let schedules: Schedules;
  let groupName: string;
  let dispose: () => Promise<void>;

  beforeEach(async () => {
    const instance = await implementation.create();
    ({ schedules, groupName } = instance.subject);
    dispose = () => instance.dispose();
  });
  afterEach(async () => {
    await dispose();
  });

  it('reads back every field of the definition written', async () => {
    // Act
    await schedules.put(definition(groupName));

    // Assess
    expect(await schedules.get('nightly')).toEqual({
      name: 'nightly',
      expression: 'cron(0 2 * * ? *)',
      timezone: 'Europe/Paris',
      state: 'ENABLED',
      input,
      targetArn: queueArn,
      flexibleWindowMinutes: 15,
      startDate: new Date('2031-01-01T00:00:00Z'),
      endDate: new Date('2032-01-01T00:00:00Z'),
      description: 'nightly export',
      roleArn,
      actionAfterCompletion: 'NONE',
      retryPolicy: { maximumEventAgeSeconds: 3900, maximumRetryAttempts: 185 },
      deadLetterArn: deliveryDlqArn,
    } satisfies ScheduleSnapshot);
  });

  it('replaces the whole schedule when it exists, dropping what the new definition leaves out', async () => {
    // Prepare
    await schedules.put(definition(groupName));
    const { StartDate: _start, EndDate: _end, Description: _description, ...bare } = definition(groupName);

    // Act
    await schedules.put({
      ...bare,
      ScheduleExpression: 'rate(10 minutes)',
      ScheduleExpressionTimezone: 'UTC',
      State: 'DISABLED',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ActionAfterCompletion: 'DELETE',
    });

    // Assess: an unset description may read back as '' (the reconciler allows for it)
    const { description, ...replaced } = (await schedules.get('nightly')) ?? {};
    expect(description ?? '').toBe('');
    expect(replaced).toEqual({
      name: 'nightly',
      expression: 'rate(10 minutes)',
      timezone: 'UTC',
      state: 'DISABLED',
      input,
      targetArn: queueArn,
      roleArn,
      actionAfterCompletion: 'DELETE',
      retryPolicy: { maximumEventAgeSeconds: 3900, maximumRetryAttempts: 185 },
      deadLetterArn: deliveryDlqArn,
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

  it('lists the names in its group, and no longer a deleted one', async () => {
    // Prepare
    for (const name of ['listed-a', 'listed-b', 'listed-c']) await schedules.put(definition(groupName, { Name: name }));

    // Act
    await schedules.delete('listed-a');
    const names = await schedules.listNames();

    // Assess
    expect([...names].sort()).toEqual(['listed-b', 'listed-c']);
    expect(await schedules.get('listed-a')).toBeUndefined();
  });

  it('lists nothing in an empty group', async () => {
    // Act
    const names = await schedules.listNames();

    // Assess
    expect(names).toEqual([]);
  });

  it('refuses a definition for a group that does not exist', async () => {
    // Act
    const attempt = schedules.put(definition('sked-no-such-group'));

    // Assess
    await expect(attempt).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    expect(await schedules.listNames()).toEqual([]);
  });
});
