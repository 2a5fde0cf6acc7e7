import {
  ResourceNotFoundException,
  SchedulerClient,
  type ListScheduleGroupsCommandInput,
  type ListSchedulesCommandInput,
} from '@aws-sdk/client-scheduler';
import { describe, expect, it } from 'vitest';
import { SdkScheduleSource } from '../../../scripts/local/scheduler/aws';

type Page = { readonly NextToken?: string } & Record<string, unknown>;

/**
 * A SchedulerClient that answers from `pages` (by command name, one page per call, in order) without a network, and
 * keeps each call's command name and input. A page that is an Error is thrown.
 */
function clientAnswering(pages: Record<string, (Page | Error)[]>) {
  const calls: { readonly command: string; readonly input: unknown }[] = [];
  const client = new SchedulerClient({
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  client.middlewareStack.add(
    (_next, context) => (args) => {
      const command = context.commandName ?? '';
      calls.push({ command, input: args.input });
      const page = pages[command]?.shift();
      if (page === undefined) return Promise.reject(new Error(`no page left for ${command}`));
      if (page instanceof Error) return Promise.reject(page);
      return Promise.resolve({ output: { $metadata: {}, ...page }, response: {} });
    },
    { step: 'initialize', name: 'answerFromPages' },
  );
  return { client, calls };
}

const summary = (group: string, name: string) => ({
  GroupName: group,
  Name: name,
  LastModificationDate: new Date('2026-12-02T10:00:00Z'),
});
const names = (count: number, group: string) =>
  Array.from({ length: count }, (_, index) => summary(group, `s${index}`));

describe('local scheduler Scheduler adapter', () => {
  it('lists every group page by page, then each group on its own, 100 to a page, leaving out skipped prefixes', async () => {
    // Prepare
    const { client, calls } = clientAnswering({
      ListScheduleGroupsCommand: [
        { ScheduleGroups: [{ Name: 'default' }, { Name: 'sked-self-scheduled-x' }], NextToken: 'g2' },
        { ScheduleGroups: [{ Name: 'sked-dev' }] },
      ],
      ListSchedulesCommand: [
        { Schedules: [summary('default', 'a')], NextToken: 's2' },
        { Schedules: [summary('default', 'b')] },
        { Schedules: [summary('sked-dev', 'c')] },
      ],
    });
    const source = new SdkScheduleSource(client, undefined, { skipGroupPrefixes: ['sked-self-scheduled-'] });

    // Act
    const listed = await source.list();

    // Assess
    expect(listed.map((schedule) => `${schedule.groupName}/${schedule.name}`)).toEqual([
      'default/a',
      'default/b',
      'sked-dev/c',
    ]);
    expect(calls).toEqual([
      { command: 'ListScheduleGroupsCommand', input: { MaxResults: 100 } satisfies ListScheduleGroupsCommandInput },
      {
        command: 'ListScheduleGroupsCommand',
        input: { MaxResults: 100, NextToken: 'g2' } satisfies ListScheduleGroupsCommandInput,
      },
      {
        command: 'ListSchedulesCommand',
        input: { GroupName: 'default', MaxResults: 100 } satisfies ListSchedulesCommandInput,
      },
      {
        command: 'ListSchedulesCommand',
        input: { GroupName: 'default', MaxResults: 100, NextToken: 's2' } satisfies ListSchedulesCommandInput,
      },
      {
        command: 'ListSchedulesCommand',
        input: { GroupName: 'sked-dev', MaxResults: 100 } satisfies ListSchedulesCommandInput,
      },
    ]);
  });

  it('says once that a listing may be cut short when a full page comes back without a NextToken', async () => {
    // Prepare: an emulator that returns at most MaxResults and no NextToken, twice.
    const { client } = clientAnswering({
      ListSchedulesCommand: [
        { Schedules: names(100, 'sked-dev') },
        new ResourceNotFoundException({
          message: 'Schedule group sked-gone does not exist.',
          Message: 'Schedule group sked-gone does not exist.',
          $metadata: {},
        }),
        { Schedules: names(100, 'sked-dev') },
        { Schedules: [] },
      ],
    });
    const lines: string[] = [];
    const source = new SdkScheduleSource(client, ['sked-dev', 'sked-gone'], { log: (line) => lines.push(line) });

    // Act
    const first = await source.list();
    const second = await source.list();

    // Assess
    expect(first).toHaveLength(100);
    expect(second).toHaveLength(100);
    expect(lines).toEqual([
      'local scheduler: ListSchedules for group sked-dev returned a full page of 100 without a NextToken: the ' +
        'endpoint may not page, and schedules past the first 100 of a group are not seen',
    ]);
  });
});
