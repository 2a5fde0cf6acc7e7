import { GetScheduleCommand, type SchedulerClient } from '@aws-sdk/client-scheduler';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleInputOf, SchedulerSchedules } from '../../lib/adapters/aws/scheduler-schedules';
import { freshScheduleGroup, type Instance } from '../contract/implementations';
import { definition } from '../contract/schedule-definition';

// What the Schedules port promises (read-back, full replace, deletes, listing, a missing group) is held to in
// test/contract/schedules.test.ts; these are the SDK calls behind it.
describe('SchedulerSchedules', () => {
  let group: Instance<{ client: SchedulerClient; groupName: string; schedules: SchedulerSchedules }>;

  beforeAll(async () => {
    group = await freshScheduleGroup('sked-adapter-group', (client, groupName) => ({
      client,
      groupName,
      schedules: new SchedulerSchedules(client, groupName),
    }));
  });

  afterAll(async () => {
    await group.dispose();
  });

  it('sends the whole definition to CreateSchedule, field for field', () => {
    // Prepare
    const { groupName } = group.subject;

    // Act
    const input = scheduleInputOf(definition(groupName));

    // Assess
    expect(input).toEqual({ ...definition(groupName), Target: { ...definition(groupName).Target } });
  });

  it('creates a schedule with every field of the definition', async () => {
    // Prepare
    const { client, groupName, schedules } = group.subject;

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
});
