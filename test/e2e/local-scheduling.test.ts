import { randomUUID } from 'node:crypto';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import {
  GetScheduleCommand,
  SchedulerClient,
  UpdateScheduleCommand,
  type UpdateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createSkedClient, type JobInput, type Run, type SkedClient } from '../../lib/client';
import type { LocalBridge } from '../../scripts/local/local-bridge';
import { signedFetch } from '../../scripts/local/signed-fetch';
import { guardedClient } from '../support/aws-clients';
import { awsStage } from '../support/e2e/aws-stage';
import { deploySked, destroySked, startLocalBridge, type LocalSked } from '../support/e2e/deployment';
import { eventually } from '../support/e2e/eventually';

/**
 * The local cloud schedules and alarms as AWS does: sked deployed to an emulator that fires no schedule and evaluates
 * no alarm by itself (MiniStack through sked's launcher, the stand-in for LocalStack, whose Scheduler never fires),
 * with sked's local scheduler and local alarm evaluator started by the test layers' global setup. Every job goes
 * through the API with sked's typed client; the runs are read back from the ledger. Local tooling is what is under
 * test, so the file does not run against AWS (`npm run test:aws`).
 */
const onAws = awsStage();
const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const region = process.env.AWS_REGION ?? 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const stage = `local-sched${randomUUID().slice(0, 8)}`;
const MINUTE_MS = 60_000;

/** The wall-clock hour and minute of an instant in a zone, as a 5-field cron expression firing then daily. */
function dailyCronAt(instant: Date, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', minute: 'numeric', hour12: false })
    .formatToParts(instant)
    .reduce<Record<string, string>>((all, part) => ({ ...all, [part.type]: part.value }), {});
  return `${Number(parts.minute)} ${Number(parts.hour) % 24} * * *`;
}

const ceilToMinute = (time: number): number => Math.ceil(time / MINUTE_MS) * MINUTE_MS;
const iso = (time: number): string => new Date(time).toISOString();

describe.skipIf(onAws !== undefined)('local schedules and alarms behave as on AWS', () => {
  const logsFetch = signedFetch({ region, service: 'logs', credentials });
  const sqs = guardedClient(SQSClient);
  const cloudwatch = guardedClient(CloudWatchClient);
  const scheduler = guardedClient(SchedulerClient);
  const sns = guardedClient(SNSClient);
  let sked: LocalSked;
  let client: SkedClient;
  let bridge: LocalBridge | undefined;
  const listeners: Record<'page' | 'ticket', string> = { page: '', ticket: '' };

  /** The minute the zoned, date and rate jobs are aimed at: far enough ahead for every registration. */
  let target: number;
  /** When the every-minute and flexible jobs were created, mid-minute. */
  let createdMidMinute: number;
  let ratePreview: string[] = [];

  const put = async (id: string, job: JobInput) => {
    const written = await client.putJob(id, job);
    expect(written.created, `PUT /jobs/${id} replaced a job instead of creating it`).toBe(true);
    return written;
  };
  const runsOf = async (jobId: string) => (await client.listRuns(jobId, { limit: 50 })).items;
  /** The job's succeeded runs once there are `atLeast`; a timeout shows every run the job has, whatever its status. */
  const succeededRuns = async (jobId: string, atLeast: number, timeoutMs: number) => {
    const succeeded = (runs: readonly Run[]) => runs.filter((run) => run.status === 'succeeded');
    const runs = await eventually(
      () => runsOf(jobId),
      (all) => succeeded(all).length >= atLeast,
      { timeoutMs, intervalMs: 3_000 },
    );
    return succeeded(runs);
  };
  const alarmState = async (outputName: string) => {
    const alarms = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNames: [sked.outputs[outputName] ?? ''] }));
    return alarms.MetricAlarms?.[0]?.StateValue;
  };
  /** Every message of the worker's log group so far (FilterLogEvents, paged). */
  const workerLogMessages = async (): Promise<string[]> => {
    const messages: string[] = [];
    let nextToken: string | undefined;
    do {
      const response = await logsFetch(endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.FilterLogEvents' },
        body: JSON.stringify({ logGroupName: sked.outputs.WorkerLogGroupName, ...(nextToken && { nextToken }) }),
      });
      expect(response.ok, await response.clone().text()).toBe(true);
      const page = z
        .object({ events: z.array(z.object({ message: z.string() })).optional(), nextToken: z.string().optional() })
        .parse(await response.json());
      messages.push(...(page.events ?? []).map((event) => event.message));
      nextToken = page.nextToken;
    } while (nextToken !== undefined);
    return messages;
  };
  /** The alarm notifications on a topic's listener queue: which alarm, and the state it went to. */
  const alarmNotifications = async (queueUrl: string) =>
    (await receiveAll(queueUrl)).map((message) => {
      const { Message } = z.object({ Message: z.string() }).parse(JSON.parse(message.Body ?? ''));
      return z.object({ AlarmName: z.string(), NewStateValue: z.string() }).parse(JSON.parse(Message));
    });
  const receiveAll = async (queueUrl: string): Promise<Message[]> => {
    const received = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: queueUrl,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 1,
        MessageAttributeNames: ['All'],
      }),
    );
    return received.Messages ?? [];
  };

  beforeAll(async () => {
    // Prepare: the stack, the bridge (queue and EMF metrics), a queue on each alarm topic, and the jobs
    sked = await deploySked(stage, endpoint);
    client = createSkedClient({ baseUrl: sked.apiBaseUrl, region, auth: { kind: 'iam', credentials } });
    bridge = await startLocalBridge({ endpoint, sqs, cloudwatch, logsFetch }, sked, 5_000);
    for (const [severity, topicArn] of [
      ['page', sked.outputs.PageTopicArn],
      ['ticket', sked.outputs.TicketTopicArn],
    ] as const) {
      const queue = await sqs.send(new CreateQueueCommand({ QueueName: `sked-e2e-${severity}-${stage}` }));
      listeners[severity] = queue.QueueUrl ?? '';
      const { Attributes } = await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: listeners[severity], AttributeNames: ['QueueArn'] }),
      );
      await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: Attributes?.QueueArn }));
    }

    createdMidMinute = Date.now();
    const task = { type: 'task', task: 'test.fail-n-times', payload: { failures: 0 } } as const;
    await put('every-minute', { trigger: { type: 'cron', expression: '* * * * *' }, target: task });
    await put('flexible', { trigger: { type: 'cron', expression: '* * * * *' }, target: task, jitterMinutes: 1 });
    await put('paused', { trigger: { type: 'cron', expression: '* * * * *' }, target: task });
    const pausedNow = await client.pauseJob('paused', { reason: 'never fires' });
    expect(pausedNow.job).toMatchObject({ state: 'paused', paused: { reason: 'never fires' } });
    await put('delivery-fails', { trigger: { type: 'cron', expression: '* * * * *' }, target: task });

    target = ceilToMinute(Date.now() + 40_000);
    const targetTime = new Date(target);
    await put('shanghai', {
      trigger: { type: 'cron', expression: dailyCronAt(targetTime, 'Asia/Shanghai'), timezone: 'Asia/Shanghai' },
      target: task,
    });
    await put('new-york', {
      trigger: {
        type: 'cron',
        expression: dailyCronAt(targetTime, 'America/New_York'),
        timezone: 'America/New_York',
      },
      target: task,
    });
    await put('once', { trigger: { type: 'date', runAt: iso(target) }, target: task });
    await put('rate', { trigger: { type: 'interval', minutes: 1 }, startAt: iso(target + 15_000), target: task });
    ratePreview = (await client.getJob('rate')).job.nextRuns;

    // A delivery failure as Scheduler meets one when the jobs queue is gone: the schedule points at a queue that does
    // not exist, with a short retry policy so that it reaches the delivery DLQ within seconds.
    const group = sked.outputs.ScheduleGroupName;
    const current = await scheduler.send(new GetScheduleCommand({ Name: 'delivery-fails', GroupName: group }));
    const queueArn = current.Target?.Arn ?? '';
    const broken: UpdateScheduleCommandInput = {
      Name: 'delivery-fails',
      GroupName: group,
      ScheduleExpression: current.ScheduleExpression,
      ...(current.ScheduleExpressionTimezone !== undefined && {
        ScheduleExpressionTimezone: current.ScheduleExpressionTimezone,
      }),
      FlexibleTimeWindow: current.FlexibleTimeWindow,
      State: current.State,
      Target: {
        ...current.Target,
        Arn: queueArn.replace(/:[^:]+$/, `:sked-e2e-missing-${stage}`),
        RoleArn: current.Target?.RoleArn,
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 60 },
      },
    };
    await scheduler.send(new UpdateScheduleCommand(broken));
  }, 300_000);

  afterAll(async () => {
    await bridge?.stop();
    for (const queueUrl of Object.values(listeners)) {
      if (queueUrl !== '') await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })).catch(() => undefined);
    }
    await destroySked(stage, endpoint).catch((error: unknown) => console.error(error));
  }, 300_000);

  it('fires cron jobs in Asia/Shanghai and America/New_York at their local wall times', async () => {
    // Act
    const shanghai = await succeededRuns('shanghai', 1, target - Date.now() + 60_000);
    const newYork = await succeededRuns('new-york', 1, 90_000);

    // Assess: the ledger's scheduled time is the substituted one, the very minute aimed at
    expect(shanghai.map((run) => run.scheduledTime)).toEqual([iso(target)]);
    expect(newYork.map((run) => run.scheduledTime)).toEqual([iso(target)]);
  }, 240_000);

  it('fires a job created mid-minute at its first occurrence', async () => {
    // Act
    const runs = await succeededRuns('every-minute', 2, 90_000);

    // Assess
    const first = ceilToMinute(createdMidMinute);
    const times = runs.map((run) => run.scheduledTime).sort();
    expect(times.slice(0, 2)).toEqual([iso(first), iso(first + MINUTE_MS)]);
  }, 120_000);

  it('fires an at() job once, and its schedule is deleted after', async () => {
    // Act
    const runs = await succeededRuns('once', 1, 90_000);

    // Assess
    expect(runs.map((run) => run.scheduledTime)).toEqual([iso(target)]);
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: 'once', GroupName: sked.outputs.ScheduleGroupName })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  }, 120_000);

  it('fires a rate(1 minutes) job at the occurrences the evaluator previewed, anchored at its StartDate', async () => {
    // Act
    const runs = await succeededRuns('rate', 2, target + 15_000 + MINUTE_MS - Date.now() + 90_000);

    // Assess
    expect(ratePreview.slice(0, 2)).toEqual([iso(target + 15_000), iso(target + 75_000)]);
    expect(runs.map((run) => run.scheduledTime).sort()).toEqual(ratePreview.slice(0, 2));
  }, 240_000);

  it('delays an occurrence of a flexible window within the window, and runs it', async () => {
    // Act
    const runs = await succeededRuns('flexible', 1, 150_000);

    // Assess: started after its time, and no later than the window (1 minute) plus delivery and a cold start
    const lags = runs.map((run) => Date.parse(run.startedAt ?? '') - Date.parse(run.scheduledTime));
    for (const lag of lags) {
      expect(lag).toBeGreaterThanOrEqual(0);
      expect(lag).toBeLessThan(MINUTE_MS + 15_000);
    }
  }, 160_000);

  it('does not fire a paused job', async () => {
    // Act: by now two occurrences of the minute have passed since the job was paused
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, createdMidMinute + 2.5 * MINUTE_MS - Date.now())));
    const runs = await runsOf('paused');

    // Assess
    expect(runs).toEqual([]);
  }, 180_000);

  it('dead-letters a failed delivery after its retries; DeliveryDlqDepth pages, target errors ticket, no run alarm', async () => {
    // Act: the alarm first, since receiving the DLQ copy hides it from the queue depth for a while
    const delivery = await eventually(
      () => alarmState('DeliveryDlqDepthAlarmName'),
      (state) => state === 'ALARM',
      { timeoutMs: 180_000, intervalMs: 2_000 },
    );
    const paged: { AlarmName: string; NewStateValue: string }[] = [];
    await eventually(
      async () => paged.push(...(await alarmNotifications(listeners.page))),
      () =>
        paged.some((one) => one.AlarmName === sked.outputs.DeliveryDlqDepthAlarmName && one.NewStateValue === 'ALARM'),
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const targetErrors = await eventually(
      () => alarmState('SchedulerTargetErrorsAlarmName'),
      (state) => state === 'ALARM',
      { timeoutMs: 60_000, intervalMs: 2_000 },
    );
    const ticketed: { AlarmName: string; NewStateValue: string }[] = [];
    await eventually(
      async () => ticketed.push(...(await alarmNotifications(listeners.ticket))),
      () =>
        ticketed.some(
          (one) => one.AlarmName === sked.outputs.SchedulerTargetErrorsAlarmName && one.NewStateValue === 'ALARM',
        ),
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );
    const deadLettered = await eventually(
      () => receiveAll(sked.outputs.DeliveryDlqUrl),
      (messages) => messages.length > 0,
      { timeoutMs: 30_000, intervalMs: 2_000 },
    );

    // Assess: the copy says what failed and how often it was tried, as Scheduler's does
    const attributes = deadLettered[0]?.MessageAttributes ?? {};
    expect(attributes.RETRY_ATTEMPTS?.StringValue).toBe('2');
    expect(attributes.EXHAUSTED_RETRY_CONDITION?.StringValue).toBe('MaximumRetryAttempts');
    expect(attributes.SCHEDULE_ARN?.StringValue).toContain('delivery-fails');
    expect(deadLettered[0]?.Body).toContain('"jobId":"delivery-fails"');
    expect(delivery).toBe('ALARM');
    // Paged for the delivery DLQ, and for nothing else that goes to ALARM
    expect(new Set(paged.filter((one) => one.NewStateValue === 'ALARM').map((one) => one.AlarmName))).toEqual(
      new Set([sked.outputs.DeliveryDlqDepthAlarmName]),
    );
    // Scheduler counts each refused attempt as a target error (AWS/Scheduler TargetErrorCount), as on AWS.
    expect(targetErrors).toBe('ALARM');
    expect(new Set(ticketed.filter((one) => one.NewStateValue === 'ALARM').map((one) => one.AlarmName))).toEqual(
      new Set([sked.outputs.SchedulerTargetErrorsAlarmName]),
    );
    // No run failed and nothing reached the jobs DLQ: those alarms stay as they were.
    expect(await alarmState('JobsDlqDepthAlarmName')).toBe('OK');
    expect(await alarmState('RunsFailedAlarmName')).toBe('OK');
  }, 260_000);

  it('delivered each occurrence once, with its scheduled time substituted', async () => {
    // Act
    const messages = await workerLogMessages();

    // Assess: no delivery fell back to the SentTimestamp, and none came twice
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.filter((message) => message.includes('placeholder was not substituted'))).toEqual([]);
    expect(messages.filter((message) => message.includes('duplicate delivery'))).toEqual([]);
    for (const jobId of ['every-minute', 'flexible', 'shanghai', 'new-york', 'once', 'rate']) {
      const runs = await runsOf(jobId);
      expect(
        runs.every((run) => run.status === 'succeeded' && run.attempts === 1),
        jobId,
      ).toBe(true);
    }
  }, 60_000);
});
