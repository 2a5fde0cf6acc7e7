import { randomUUID } from 'node:crypto';
import { CloudWatchClient, DescribeAlarmsCommand } from '@aws-sdk/client-cloudwatch';
import { GetScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { createSkedClient, SkedNotFoundError, type Run, type SkedClient } from '../../lib/client';
import type { LocalBridge } from '../../scripts/local/local-bridge';
import { signedFetch } from '../../scripts/local/signed-fetch';
import { guardedClient } from '../support/aws-clients';
import { awsStage, metricWaitMs, pagerQueueName } from '../support/e2e/aws-stage';
import { deploySked, destroySked, startLocalBridge, type LocalSked } from '../support/e2e/deployment';
import { eventually } from '../support/e2e/eventually';

/**
 * The real CDK app deployed to the local cloud under a stage of its own; every job action goes through API Gateway
 * with sked's typed client, signed with SigV4. The local-only bridge publishes the queue and EMF metrics the emulator
 * does not derive. Under `npm run test:aws` the same tests run against the stage it deployed to AWS, signed with the
 * default credential chain's credentials in the region the execute-api host names, without the bridge (AWS derives
 * those metrics itself) and with longer waits on metrics.
 */
const onAws = awsStage();
const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const region = process.env.AWS_REGION ?? 'us-east-1';
const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
const stage = onAws ?? `local-e2e${randomUUID().slice(0, 8)}`;
/** The wait on each of the two alarms, and the time the test that waits on both may take. */
const alarmWaitMs = metricWaitMs(60_000);
const alarmTestMs = 260_000 + 2 * (alarmWaitMs - 60_000);

/** The client for a stage: the emulator's static credentials and region locally, the default chain on AWS. */
const clientOf = (baseUrl: string, options: { readonly attempts?: number } = {}): SkedClient =>
  createSkedClient({
    baseUrl,
    ...(onAws === undefined && { region, auth: { kind: 'iam', credentials } }),
    ...(options.attempts !== undefined && { retry: { attempts: options.attempts } }),
  });

describe('sked deployed to the local cloud', () => {
  const sqs = guardedClient(SQSClient);
  const cloudwatch = guardedClient(CloudWatchClient);
  const scheduler = guardedClient(SchedulerClient);
  const sns = guardedClient(SNSClient);
  let sked: LocalSked;
  let client: SkedClient;
  let bridge: LocalBridge | undefined;
  let pagerQueueUrl: string | undefined;
  const everyMinute = 'e2e-every-minute';
  const alwaysFails = 'e2e-always-fails';
  /** The run run-now started, as GET answered for it right after the POST returned: the run, or the refusal. */
  let runNowRead: { runId: string; run?: Run; error?: unknown };

  const runsOf = async (jobId: string) => (await client.listRuns(jobId, { limit: 50 })).items;

  const allowTopicToSend = async (queueUrl: string, queueArn: string) => {
    const statement = {
      Effect: 'Allow',
      Principal: { Service: 'sns.amazonaws.com' },
      Action: 'sqs:SendMessage',
      Resource: queueArn,
      Condition: { ArnEquals: { 'aws:SourceArn': [sked.outputs.PageTopicArn, sked.outputs.TicketTopicArn] } },
    };
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: queueUrl,
        Attributes: { Policy: JSON.stringify({ Version: '2012-10-17', Statement: [statement] }) },
      }),
    );
  };

  beforeAll(async () => {
    // Prepare: the stack, the bridge, an SQS queue subscribed to the page topic, and two jobs
    sked = await deploySked(stage, endpoint);
    client = clientOf(sked.apiBaseUrl);
    if (onAws === undefined) {
      const logsFetch = signedFetch({ region, service: 'logs', credentials });
      bridge = await startLocalBridge({ endpoint, sqs, cloudwatch, logsFetch }, sked, 5_000);
    }

    const pager = await sqs.send(new CreateQueueCommand({ QueueName: pagerQueueName(stage) }));
    pagerQueueUrl = pager.QueueUrl ?? '';
    const pagerArn = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: pagerQueueUrl, AttributeNames: ['QueueArn'] }),
    );
    // AWS delivers from SNS only to a queue whose policy lets the topic send to it.
    if (onAws !== undefined) await allowTopicToSend(pagerQueueUrl, pagerArn.Attributes?.QueueArn ?? '');
    // One queue hears both topics; each notification names the topic it came from.
    for (const topicArn of [sked.outputs.PageTopicArn, sked.outputs.TicketTopicArn]) {
      await sns.send(
        new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: pagerArn.Attributes?.QueueArn ?? '' }),
      );
    }

    const created = [
      await client.putJob(everyMinute, {
        trigger: { type: 'interval', minutes: 1 },
        target: { type: 'task', task: 'test.fail-n-times', payload: { failures: 0 } },
      }),
      await client.putJob(alwaysFails, {
        trigger: { type: 'interval', hours: 12 },
        target: { type: 'task', task: 'test.fail-n-times', payload: { failures: 100 } },
        retry: { maxAttempts: 2, initialSeconds: 0 },
      }),
    ];
    expect(created.map((written) => written.created)).toEqual([true, true]);
    const { runId } = await client.runJob(alwaysFails);
    // One attempt only: a retried read could hide that the run was not there at first.
    runNowRead = await clientOf(sked.apiBaseUrl, { attempts: 1 })
      .getRun(alwaysFails, runId)
      .then(
        (run) => ({ runId, run }),
        (error: unknown) => ({ runId, error }),
      );
  }, 300_000);

  afterAll(async () => {
    await bridge?.stop();
    if (pagerQueueUrl !== undefined)
      await sqs.send(new DeleteQueueCommand({ QueueUrl: pagerQueueUrl })).catch(() => undefined);
    await destroySked(stage, endpoint).catch((error: unknown) => console.error(error));
  }, 300_000);

  it('answers for the run id run-now returned as soon as the POST returns', () => {
    // Assess
    expect(runNowRead.error).toBeUndefined();
    expect(runNowRead.run).toMatchObject({ runId: runNowRead.runId, kind: 'manual' });
    expect(['queued', 'running', 'failed']).toContain(runNowRead.run?.status);
  });

  it('runs a job registered every minute and records a succeeded run', async () => {
    // Act
    const succeeded = await eventually(
      async () => (await runsOf(everyMinute)).filter((run) => run.status === 'succeeded'),
      (runs) => runs.length > 0,
      { timeoutMs: 150_000, intervalMs: 5_000 },
    );

    // Assess
    expect(succeeded[0]).toMatchObject({ status: 'succeeded', kind: 'schedule', attempts: 1 });
  }, 160_000);

  it('moves a job that always fails to the DLQ, raises the DLQ alarm and pages', { timeout: alarmTestMs }, async () => {
    // Act
    const failed = await eventually(
      async () => (await runsOf(alwaysFails)).filter((run) => run.status === 'failed'),
      (runs) => runs.length > 0,
      { timeoutMs: 90_000, intervalMs: 3_000 },
    );
    const dlqDepth = await eventually(
      async () => {
        const attributes = await sqs.send(
          new GetQueueAttributesCommand({
            QueueUrl: sked.outputs.JobsDlqUrl,
            AttributeNames: ['ApproximateNumberOfMessages'],
          }),
        );
        return Number(attributes.Attributes?.ApproximateNumberOfMessages ?? '0');
      },
      (depth) => depth >= 1,
      { timeoutMs: 30_000, intervalMs: 2_000 },
    );
    const alarmState = await eventually(
      async () => {
        const alarms = await cloudwatch.send(
          new DescribeAlarmsCommand({ AlarmNames: [sked.outputs.JobsDlqDepthAlarmName] }),
        );
        return alarms.MetricAlarms?.[0]?.StateValue;
      },
      (state) => state === 'ALARM',
      { timeoutMs: alarmWaitMs, intervalMs: 2_000 },
    );
    // The worker's RunsFailed EMF metric, bridged to PutMetricData locally, raises the ticket alarm too.
    const runsFailedState = await eventually(
      async () => {
        const alarms = await cloudwatch.send(
          new DescribeAlarmsCommand({ AlarmNames: [sked.outputs.RunsFailedAlarmName ?? ''] }),
        );
        return alarms.MetricAlarms?.[0]?.StateValue;
      },
      (state) => state === 'ALARM',
      { timeoutMs: alarmWaitMs, intervalMs: 2_000 },
    );
    const heard: { topicArn: string; alarmName: string; state: string }[] = [];
    /** The ALARM notifications heard for an alarm (a new alarm also notifies its first OK). */
    const about = (alarmName: string | undefined) =>
      heard.filter((one) => one.alarmName === alarmName && one.state === 'ALARM');
    await eventually(
      async () => {
        const received = await sqs.send(
          new ReceiveMessageCommand({ QueueUrl: pagerQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
        );
        for (const message of received.Messages ?? []) {
          const { TopicArn, Message } = z
            .object({ TopicArn: z.string(), Message: z.string() })
            .parse(JSON.parse(message.Body ?? ''));
          const alarm = z.object({ AlarmName: z.string(), NewStateValue: z.string() }).parse(JSON.parse(Message));
          heard.push({ topicArn: TopicArn, alarmName: alarm.AlarmName, state: alarm.NewStateValue });
        }
        return heard;
      },
      () => about(sked.outputs.JobsDlqDepthAlarmName).length > 0 && about(sked.outputs.RunsFailedAlarmName).length > 0,
      { timeoutMs: 60_000, intervalMs: 1_000 },
    );

    // Assess
    expect(failed[0]).toMatchObject({ status: 'failed', attempts: 2 });
    expect(dlqDepth).toBeGreaterThanOrEqual(1);
    expect(alarmState).toBe('ALARM');
    expect(runsFailedState).toBe('ALARM');
    // Each alarm notifies its own severity's topic: the DLQ pages, failed runs make a ticket.
    const topicsOf = (alarmName: string | undefined) => new Set(about(alarmName).map((one) => one.topicArn));
    expect(topicsOf(sked.outputs.JobsDlqDepthAlarmName)).toEqual(new Set([sked.outputs.PageTopicArn]));
    expect(topicsOf(sked.outputs.RunsFailedAlarmName)).toEqual(new Set([sked.outputs.TicketTopicArn]));
    // Nothing failed to be delivered: the delivery DLQ's alarm, on the same metric name, stays as it was.
    const deliveryAlarm = await cloudwatch.send(
      new DescribeAlarmsCommand({ AlarmNames: [sked.outputs.DeliveryDlqDepthAlarmName ?? ''] }),
    );
    expect(deliveryAlarm.MetricAlarms?.[0]?.StateValue).toBe('OK');
    expect(about(sked.outputs.DeliveryDlqDepthAlarmName)).toEqual([]);
  });

  it('starts no new runs of a paused job', async () => {
    // Prepare
    const paused = await client.pauseJob(everyMinute, { reason: 'e2e' });
    expect(paused.job).toMatchObject({ state: 'paused', paused: { reason: 'e2e' } });
    // Anything already delivered before the pause settles first.
    await new Promise((resolve) => setTimeout(resolve, 15_000));
    const before = new Set((await runsOf(everyMinute)).map((run) => run.runId));

    // Act: more than one interval, and the local scheduler's poll
    await new Promise((resolve) => setTimeout(resolve, 80_000));
    const after = (await runsOf(everyMinute)).map((run) => run.runId);

    // Assess
    expect(after.filter((runId) => !before.has(runId))).toEqual([]);
    const schedule = await scheduler.send(
      new GetScheduleCommand({ Name: everyMinute, GroupName: sked.outputs.ScheduleGroupName }),
    );
    expect(schedule.State).toBe('DISABLED');
  }, 120_000);

  it('deletes a job together with its schedule', async () => {
    // Act
    await client.deleteJob(everyMinute);

    // Assess
    await expect(client.getJob(everyMinute)).rejects.toBeInstanceOf(SkedNotFoundError);
    await expect(
      scheduler.send(new GetScheduleCommand({ Name: everyMinute, GroupName: sked.outputs.ScheduleGroupName })),
    ).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
  }, 60_000);
});
