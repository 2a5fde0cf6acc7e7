import { describe, expect, it } from 'vitest';
import { SchedulerSchedules } from '../../lib/adapters/aws/scheduler-schedules';
import type { ScheduleSnapshot, Schedules } from '../../lib/ports/schedules';
import { InMemorySchedules } from '../support/fakes/schedules';
import { uniqueName } from '../support/names';
import { freshForEachTest, freshScheduleGroup, type Implementation } from './implementations';
import { deliveryDlqArn, definition, input, queueArn, roleArn } from './schedule-definition';

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
    create: () =>
      freshScheduleGroup('sked-contract-group', (client, groupName) => ({
        schedules: new SchedulerSchedules(client, groupName),
        groupName,
      })),
  },
];

/** What the schedules read back of `definition()`: every field. */
const nightly: ScheduleSnapshot = {
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
};

describe.each(groups)('Schedules contract: $name', (implementation) => {
  let schedules: Schedules;
  let groupName: string;
  freshForEachTest(implementation, (group) => ({ schedules, groupName } = group));

  it('reads back every field of the definition written', async () => {
    // Act
    await schedules.put(definition(groupName));

    // Assess
    expect(await schedules.get('nightly')).toEqual(nightly);
  });

  it('replaces an existing schedule field for field with the new definition', async () => {
    // Prepare
    await schedules.put(definition(groupName));

    // Act
    await schedules.put(
      definition(groupName, {
        ScheduleExpression: 'rate(10 minutes)',
        State: 'DISABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
      }),
    );

    // Assess
    const { flexibleWindowMinutes: _window, ...unwindowed } = nightly;
    expect(await schedules.get('nightly')).toEqual({
      ...unwindowed,
      expression: 'rate(10 minutes)',
      state: 'DISABLED',
    });
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
