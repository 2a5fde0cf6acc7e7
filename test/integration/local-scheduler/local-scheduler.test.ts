import {
  CloudWatchClient,
  GetMetricDataCommand,
  GetMetricStatisticsCommand,
  type Dimension,
} from '@aws-sdk/client-cloudwatch';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { wallTimeAt } from '../../../lib/domain/timezone';
import {
  SCHEDULE_GROUP_DIMENSION,
  SCHEDULER_METRIC_NAMES,
  SCHEDULER_NAMESPACE,
  SELF_SCHEDULED_GROUP_PREFIX,
  startLocalScheduler,
  type RunningLocalScheduler,
} from '../../../scripts/local/scheduler';
import { guardedClient } from '../../support/aws-clients';
import { uniqueName } from '../../support/names';

/**
 * The local scheduler against the real emulator. The emulator must not fire schedules itself (MiniStack's own sweep
 * off), or each occurrence would arrive twice. Every schedule lives in this file's own groups, which this file's
 * schedulers follow and a scheduler following every group leaves alone (SELF_SCHEDULED_GROUP_PREFIX); each schedule
 * sends to its own queue, so what a queue receives is what that schedule fired.
 */
const CONTEXT_INPUT =
  '{"arn":"<aws.scheduler.schedule-arn>","time":"<aws.scheduler.scheduled-time>",' +
  '"execution":"<aws.scheduler.execution-id>","attempt":"<aws.scheduler.attempt-number>"}';
const ZONE = 'Asia/Kathmandu';
const QUIET = (): void => undefined;

interface Fired {
  readonly arn: string;
  readonly time: string;
  readonly execution: string;
  readonly attempt: string;
}

const scheduler = guardedClient(SchedulerClient);
const sqs = guardedClient(SQSClient);
const cloudwatch = guardedClient(CloudWatchClient);
const cleanups: (() => Promise<unknown>)[] = [];
const group = uniqueName(`${SELF_SCHEDULED_GROUP_PREFIX}it`);
let account = '000000000000';
let stateDir = '';
let running: RunningLocalScheduler | undefined;
/** A second scheduler, for a group of its own, that the restart test stops and starts again. */
const restartGroup = uniqueName(`${SELF_SCHEDULED_GROUP_PREFIX}it-restart`);
let restarting: RunningLocalScheduler | undefined;
/** The restart group's scheduler draws the middle of each flexible window: a 1-minute window delays by 30 s. */
const startRestarting = (): Promise<RunningLocalScheduler> =>
  startLocalScheduler({ groups: [restartGroup], stateDir, pollMs: 500, metrics: false, log: QUIET, random: () => 0.5 });

async function queue(prefix: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl: url } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName(prefix) }));
  if (url === undefined) throw new Error('CreateQueue returned no URL');
  cleanups.push(() => sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn ?? '';
  account = arn.split(':')[4] ?? account;
  return { url, arn };
}

async function createSchedule(
  name: string,
  targetArn: string,
  fields: Partial<CreateScheduleCommandInput> & Pick<CreateScheduleCommandInput, 'ScheduleExpression'>,
  groupName = group,
): Promise<void> {
  await scheduler.send(
    new CreateScheduleCommand({
      Name: name,
      GroupName: groupName,
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      ...fields,
      Target: {
        Arn: targetArn,
        RoleArn: `arn:aws:iam::${account}:role/sked-local-scheduler`,
        Input: CONTEXT_INPUT,
        ...fields.Target,
      },
    }),
  );
  cleanups.push(() =>
    scheduler.send(new DeleteScheduleCommand({ Name: name, GroupName: groupName })).catch(() => undefined),
  );
}

async function scheduleGroup(name: string): Promise<void> {
  await scheduler.send(new CreateScheduleGroupCommand({ Name: name }));
  cleanups.push(() => scheduler.send(new DeleteScheduleGroupCommand({ Name: name })));
}

/** Receives (and deletes) messages until `count` have come or `waitMs` has passed; returns all received. */
async function receive(url: string, count: number, waitMs: number): Promise<Message[]> {
  const messages: Message[] = [];
  const deadline = Date.now() + waitMs;
  while (messages.length < count && Date.now() < deadline) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: Math.max(1, Math.min(20, Math.ceil((deadline - Date.now()) / 1000))),
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp'],
      }),
    );
    for (const message of Messages) {
      messages.push(message);
      await sqs.send(new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }));
    }
  }
  return messages;
}

function firedOf(message: Message | undefined): Fired {
  const parsed: unknown = JSON.parse(message?.Body ?? 'null');
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`not a fired input: ${message?.Body}`);
  const record = parsed as Record<string, unknown>;
  const text = (key: string): string => (typeof record[key] === 'string' ? record[key] : '');
  return { arn: text('arn'), time: text('time'), execution: text('execution'), attempt: text('attempt') };
}

/** GetMetricStatistics' Sum over one period covering `from` to now, or 0 when there is no datapoint. */
async function metricSum(metricName: string, dimensions: Dimension[], from: Date): Promise<number> {
  const start = new Date(Math.floor(from.getTime() / 60_000) * 60_000);
  const end = new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000);
  const { Datapoints = [] } = await cloudwatch.send(
    new GetMetricStatisticsCommand({
      Namespace: SCHEDULER_NAMESPACE,
      MetricName: metricName,
      Dimensions: dimensions,
      StartTime: start,
      EndTime: end,
      Period: (end.getTime() - start.getTime()) / 1000,
      Statistics: ['Sum'],
    }),
  );
  return Datapoints.reduce((sum, datapoint) => sum + (datapoint.Sum ?? 0), 0);
}

/** Reads the metric until its Sum reaches `expected` or `waitMs` has passed; returns the last Sum read. */
async function metricSumReaching(
  metricName: string,
  dimensions: Dimension[],
  from: Date,
  expected: number,
  waitMs: number,
): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const sum = await metricSum(metricName, dimensions, from);
    if (sum >= expected || Date.now() >= deadline) return sum;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

const sentAt = (message: Message | undefined): number => Number(message?.Attributes?.SentTimestamp);

/** The part of the state file the restart test reads. */
const stateFileSchema = z.object({
  schedules: z.record(z.string(), z.object({ pending: z.array(z.unknown()) })),
});

/** Reads the state file until the schedule has a delivery waiting or `waitMs` has passed; returns how many wait. */
async function pendingIn(stateFile: string, key: string, waitMs: number): Promise<number> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    const text = await readFile(stateFile, 'utf8').catch(() => 'null');
    const parsed = stateFileSchema.safeParse(JSON.parse(text));
    const count = parsed.success ? (parsed.data.schedules[key]?.pending.length ?? 0) : 0;
    if (count > 0 || Date.now() >= deadline) return count;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
const scheduleArn = (name: string, groupName = group): string =>
  `arn:aws:scheduler:${process.env.AWS_REGION ?? 'us-east-1'}:${account}:schedule/${groupName}/${name}`;

/** The next whole minute at least 15 s away, so that a schedule made now is seen well before it. */
function nextMinute(): Date {
  const minute = Math.ceil((Date.now() + 15_000) / 60_000) * 60_000;
  return new Date(minute);
}

/** `cron(...)` for exactly that minute, written as wall time in `zone`. */
function cronAt(instant: Date, zone: string): string {
  const wall = wallTimeAt(instant, zone);
  return `cron(${wall.minute} ${wall.hour} ${wall.day} ${wall.month} ? ${wall.year})`;
}

describe('the local scheduler on the emulator', () => {
  // Schedules that fire on a minute are all made first, so that the tests wait for one minute boundary together.
  // Set in beforeAll, once the scheduler runs: the minute the zoned schedule is made for, and when the every-minute
  // schedule was made (its first occurrence is the next whole minute after that, which may come before `minute`).
  let minute: Date;
  let everyMinuteCreatedAt: number;
  const queues: Record<string, { url: string; arn: string }> = {};
  const untilMinute = (): number => Math.max(0, minute.getTime() - Date.now());

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'sked-it-local-scheduler-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    for (const name of ['zoned', 'everyMinute', 'disabled', 'rate', 'once', 'restart', 'dlq']) {
      queues[name] = await queue(`sked-it-ls-${name.toLowerCase()}`);
    }
    await scheduleGroup(group);
    running = await startLocalScheduler({
      groups: [group],
      stateDir,
      pollMs: 500,
      retryBackoff: { baseMs: 20, maxMs: 100 },
      metricsFlushMs: 500,
      log: QUIET,
    });
    minute = nextMinute();
    await createSchedule('zoned', queues.zoned!.arn, {
      ScheduleExpression: cronAt(minute, ZONE),
      ScheduleExpressionTimezone: ZONE,
    });
    await createSchedule('every-minute', queues.everyMinute!.arn, { ScheduleExpression: 'cron(* * * * ? *)' });
    const made = await scheduler.send(new GetScheduleCommand({ Name: 'every-minute', GroupName: group }));
    everyMinuteCreatedAt = made.CreationDate?.getTime() ?? Number.NaN;
    await createSchedule('disabled', queues.disabled!.arn, {
      ScheduleExpression: 'cron(* * * * ? *)',
      State: 'DISABLED',
    });
    await scheduleGroup(restartGroup);
    restarting = await startRestarting();
  });

  afterAll(async () => {
    await running?.stop();
    await restarting?.stop();
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('fires a rate at once, anchored at its creation, with every context attribute substituted', async () => {
    // Prepare
    const before = Date.now();

    // Act
    await createSchedule('rate', queues.rate!.arn, { ScheduleExpression: 'rate(1 hour)' });
    const [message, ...more] = await receive(queues.rate!.url, 1, 10_000);

    // Assess
    const created = (await scheduler.send(new GetScheduleCommand({ Name: 'rate', GroupName: group }))).CreationDate;
    const fired = firedOf(message);
    expect(more).toEqual([]);
    expect(fired.time).toBe(`${created?.toISOString().slice(0, 19)}Z`);
    expect(Date.parse(fired.time)).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(fired.arn).toBe(scheduleArn('rate'));
    expect(fired.execution).toMatch(/^[0-9a-f]{16}$/);
    expect(fired.attempt).toBe('1');
  });

  it(`fires a cron in ${ZONE} at its wall time, on the minute`, { timeout: 120_000 }, async () => {
    // Prepare: made in beforeAll for `minute`, written as Kathmandu wall time (UTC+05:45).

    // Act
    const [message, ...more] = await receive(queues.zoned!.url, 1, untilMinute() + 10_000);

    // Assess
    expect(more).toEqual([]);
    expect(firedOf(message).time).toBe(`${minute.toISOString().slice(0, 19)}Z`);
    expect(sentAt(message)).toBeGreaterThanOrEqual(minute.getTime());
    expect(sentAt(message)).toBeLessThan(minute.getTime() + 5_000);
  });

  it('fires a schedule created mid-minute at its first occurrence', { timeout: 120_000 }, async () => {
    // Prepare: every minute, made in beforeAll; its first occurrence is the next whole minute after that.
    const first = new Date(Math.ceil(everyMinuteCreatedAt / 60_000) * 60_000);

    // Act
    const [message] = await receive(queues.everyMinute!.url, 1, Math.max(0, first.getTime() - Date.now()) + 10_000);

    // Assess
    expect(firedOf(message).time).toBe(`${first.toISOString().slice(0, 19)}Z`);
  });

  it('never fires a DISABLED schedule', { timeout: 120_000 }, async () => {
    // Prepare: every minute but DISABLED, made in beforeAll.

    // Act
    const messages = await receive(queues.disabled!.url, 1, untilMinute() + 3_000);

    // Assess
    expect(messages).toEqual([]);
  });

  it('fires an at() schedule with ActionAfterCompletion DELETE once, then the schedule is gone', async () => {
    // Prepare
    const due = new Date(Math.ceil((Date.now() + 3_000) / 1000) * 1000);

    // Act
    await createSchedule('once', queues.once!.arn, {
      ScheduleExpression: `at(${due.toISOString().slice(0, 19)})`,
      ActionAfterCompletion: 'DELETE',
    });
    const messages = await receive(queues.once!.url, 2, due.getTime() - Date.now() + 4_000);

    // Assess
    expect(messages.map((message) => firedOf(message).time)).toEqual([`${due.toISOString().slice(0, 19)}Z`]);
    expect(sentAt(messages[0])).toBeGreaterThanOrEqual(due.getTime());
    await expect(scheduler.send(new GetScheduleCommand({ Name: 'once', GroupName: group }))).rejects.toBeInstanceOf(
      ResourceNotFoundException,
    );
  });

  it('retries a deleted target queue, then sends the dead-letter event with its attributes to the DLQ, and publishes its AWS/Scheduler metrics', async () => {
    // Prepare
    const since = new Date();
    const target = await queue('sked-it-ls-gone');
    await sqs.send(new DeleteQueueCommand({ QueueUrl: target.url }));

    // Act
    await createSchedule('dead', target.arn, {
      ScheduleExpression: 'rate(1 hour)',
      Target: {
        Arn: target.arn,
        RoleArn: `arn:aws:iam::${account}:role/sked-local-scheduler`,
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
        DeadLetterConfig: { Arn: queues.dlq!.arn },
      },
    });
    const [deadLetter, ...more] = await receive(queues.dlq!.url, 1, 10_000);

    // Assess
    const attributes = Object.fromEntries(
      Object.entries(deadLetter?.MessageAttributes ?? {}).map(([name, value]) => [name, value.StringValue]),
    );
    const fired = firedOf(deadLetter);
    expect(more).toEqual([]);
    expect(fired.attempt).toBe('3');
    expect(attributes).toEqual({
      ERROR_CODE: 'AWS.SimpleQueueService.NonExistentQueue',
      ERROR_MESSAGE: expect.stringMatching(/queue does not exist/) as unknown,
      EXECUTION_ID: fired.execution,
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      IS_PAYLOAD_TRUNCATED: 'false',
      RETRY_ATTEMPTS: '2',
      SCHEDULED_TIME: fired.time,
      SCHEDULE_ARN: scheduleArn('dead'),
      TARGET_ARN: target.arn,
    });

    // Assess: three failed attempts and one dead letter for the group (its other schedules all deliver), as sked's
    // SchedulerTargetErrors alarm reads them; the account-wide form is there too.
    const byGroup: Dimension[] = [{ Name: SCHEDULE_GROUP_DIMENSION, Value: group }];
    expect(await metricSumReaching(SCHEDULER_METRIC_NAMES.targetError, byGroup, since, 3, 5_000)).toBe(3);
    expect(await metricSumReaching(SCHEDULER_METRIC_NAMES.sentToDeadLetter, byGroup, since, 1, 5_000)).toBe(1);
    expect(await metricSum(SCHEDULER_METRIC_NAMES.failedToBeSentToDeadLetter, byGroup, since)).toBe(0);
    expect(await metricSum(SCHEDULER_METRIC_NAMES.targetError, [], since)).toBeGreaterThanOrEqual(3);
    const { MetricDataResults = [] } = await cloudwatch.send(
      new GetMetricDataCommand({
        StartTime: new Date(Math.floor(since.getTime() / 60_000) * 60_000),
        EndTime: new Date(Math.ceil((Date.now() + 1) / 60_000) * 60_000),
        MetricDataQueries: [
          {
            Id: 'targetErrors',
            MetricStat: {
              Metric: {
                Namespace: SCHEDULER_NAMESPACE,
                MetricName: SCHEDULER_METRIC_NAMES.targetError,
                Dimensions: byGroup,
              },
              Period: 60,
              Stat: 'Sum',
            },
          },
        ],
      }),
    );
    const values = MetricDataResults.find((result) => result.Id === 'targetErrors')?.Values ?? [];
    expect(values.reduce((sum, value) => sum + value, 0)).toBe(3);
  });

  it(
    'delivers an occurrence still waiting in its flexible window across a restart, from its state file, once',
    { timeout: 60_000 },
    async () => {
      // Prepare: a rate fires at its creation; with a 1-minute window its delivery waits 30 s. The scheduler is
      // stopped once its state file holds that delivery, and started again: only the file can bring it back.
      await createSchedule(
        'restart',
        queues.restart!.arn,
        { ScheduleExpression: 'rate(1 hour)', FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 1 } },
        restartGroup,
      );
      const { CreationDate } = await scheduler.send(
        new GetScheduleCommand({ Name: 'restart', GroupName: restartGroup }),
      );
      const firedAt = CreationDate?.getTime() ?? 0;
      const key = `${restartGroup}/restart`;
      const stateFile = restarting?.stateFile ?? '';
      const waiting = await pendingIn(stateFile, key, 5_000);
      await restarting?.stop();
      const beforeRestart = await receive(queues.restart!.url, 1, 1_000);

      // Act
      restarting = await startRestarting();
      const delivered = await receive(queues.restart!.url, 2, firedAt + 30_000 - Date.now() + 5_000);

      // Assess
      const state: unknown = JSON.parse(await readFile(stateFile, 'utf8'));
      expect(waiting).toBe(1);
      expect(beforeRestart).toEqual([]);
      expect(delivered.map((message) => firedOf(message).time)).toEqual([
        `${new Date(firedAt).toISOString().slice(0, 19)}Z`,
      ]);
      expect(sentAt(delivered[0])).toBeGreaterThanOrEqual(firedAt + 29_000);
      expect(state).toMatchObject({
        schedules: { [key]: { lastFired: new Date(firedAt).toISOString(), pending: [] } },
      });
    },
  );
});
