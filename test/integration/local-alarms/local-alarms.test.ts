import {
  CloudWatchClient,
  DeleteAlarmsCommand,
  DescribeAlarmsCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { CreateTopicCommand, DeleteTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SetQueueAttributesCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointFromEnv, probeEmulator } from '../../../scripts/local-cloud';
import { createLocalAlarmEvaluator, type LocalAlarmEvaluator } from '../../../scripts/local/alarms/local-alarms';
import { guardedClient } from '../../support/aws-clients';
import { uniqueName } from '../../support/names';

// The local alarm evaluator against the emulator: alarms on the same metric name with different dimensions (as sked's
// JobsDlqDepth and DeliveryDlqDepth are) are told apart, and a state change notifies the alarm's own topic only.
// It needs an emulator that does not evaluate alarms on its own as well (one sked's launcher started): another's
// evaluation would set these alarms by metric name alone between the evaluator's rounds.

const endpoint = endpointFromEnv();
const emulator = await probeEmulator(endpoint);

const cloudwatch = guardedClient(CloudWatchClient);
const sns = guardedClient(SNSClient);
const sqs = guardedClient(SQSClient);

const notificationSchema = z.object({
  AlarmName: z.string(),
  NewStateValue: z.string(),
  OldStateValue: z.string(),
  NewStateReason: z.string(),
  Trigger: z.object({
    MetricName: z.string(),
    Namespace: z.string(),
    Dimensions: z.array(z.object({ Name: z.string(), Value: z.string() })),
  }),
});
const envelopeSchema = z.object({ Message: z.string() });

interface Subscriber {
  readonly topicArn: string;
  readonly queueUrl: string;
}

describe.skipIf(emulator.evaluatesAlarms !== 'no')('local alarm evaluation', () => {
  const prefix = uniqueName('sked-it-alarms');
  const cleanups: (() => Promise<unknown>)[] = [];
  let evaluator: LocalAlarmEvaluator;

  async function createQueue(name: string): Promise<{ url: string; arn: string }> {
    const created = await sqs.send(new CreateQueueCommand({ QueueName: name }));
    const url = created.QueueUrl ?? '';
    cleanups.push(() => sqs.send(new DeleteQueueCommand({ QueueUrl: url })));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }));
    return { url, arn: attributes.Attributes?.QueueArn ?? '' };
  }

  /** A topic with a queue subscribed to it, the queue's policy letting the topic send, as on AWS. */
  async function subscribedTopic(name: string): Promise<Subscriber> {
    const topic = await sns.send(new CreateTopicCommand({ Name: name }));
    const topicArn = topic.TopicArn ?? '';
    cleanups.push(() => sns.send(new DeleteTopicCommand({ TopicArn: topicArn })));
    const inbox = await createQueue(`${name}-inbox`);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: inbox.url,
        Attributes: { Policy: JSON.stringify(allowTopic(topicArn, inbox.arn)) },
      }),
    );
    await sns.send(new SubscribeCommand({ TopicArn: topicArn, Protocol: 'sqs', Endpoint: inbox.arn }));
    return { topicArn, queueUrl: inbox.url };
  }

  async function putAlarm(input: PutMetricAlarmCommandInput): Promise<void> {
    await cloudwatch.send(new PutMetricAlarmCommand(input));
    cleanups.push(() => cloudwatch.send(new DeleteAlarmsCommand({ AlarmNames: [input.AlarmName ?? ''] })));
  }

  /** sked's DLQ depth alarm shape: visible messages, Maximum over a minute, at least 1, missing data is fine. */
  function depthAlarm(alarmName: string, queueName: string, topicArn: string): PutMetricAlarmCommandInput {
    return {
      AlarmName: alarmName,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: queueName }],
      Statistic: 'Maximum',
      Period: 60,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topicArn],
      OKActions: [topicArn],
    };
  }

  async function states(): Promise<Record<string, string | undefined>> {
    const page = await cloudwatch.send(new DescribeAlarmsCommand({ AlarmNamePrefix: prefix }));
    const entries = (page.MetricAlarms ?? []).map((alarm): [string, string | undefined] => [
      alarm.AlarmName ?? '',
      alarm.StateValue,
    ]);
    return Object.fromEntries(entries);
  }

  /** Every notification the subscriber's queue holds, waiting `waitSeconds` for the first. */
  async function notifications(subscriber: Subscriber, waitSeconds = 2): Promise<z.infer<typeof notificationSchema>[]> {
    const received: z.infer<typeof notificationSchema>[] = [];
    for (let wait = waitSeconds; ; wait = 0) {
      const page = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: subscriber.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: wait }),
      );
      const messages = page.Messages ?? [];
      if (messages.length === 0) return received;
      for (const message of messages) {
        const envelope = envelopeSchema.parse(JSON.parse(message.Body ?? ''));
        received.push(notificationSchema.parse(JSON.parse(envelope.Message)));
      }
    }
  }

  beforeAll(() => {
    evaluator = createLocalAlarmEvaluator({ endpoint, alarmNamePrefix: prefix });
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('sets only the alarm whose queue holds a message, and notifies only that alarm topic', async () => {
    // Prepare
    const jobsDlq = uniqueName('sked-it-jobs-dlq');
    const deliveryDlq = uniqueName('sked-it-delivery-dlq');
    const jobs = await createQueue(jobsDlq);
    await createQueue(deliveryDlq);
    const jobsPage = await subscribedTopic(uniqueName('sked-it-jobs-page'));
    const deliveryPage = await subscribedTopic(uniqueName('sked-it-delivery-page'));
    await putAlarm(depthAlarm(`${prefix}-JobsDlqDepth`, jobsDlq, jobsPage.topicArn));
    await putAlarm(depthAlarm(`${prefix}-DeliveryDlqDepth`, deliveryDlq, deliveryPage.topicArn));
    await evaluator.evaluateOnce(); // both empty: INSUFFICIENT_DATA -> OK, one OK notification each
    await notifications(jobsPage, 0);
    await notifications(deliveryPage, 0);
    await sqs.send(new SendMessageCommand({ QueueUrl: jobs.url, MessageBody: '{"failed":"run"}' }));

    // Act
    const outcomes = await evaluator.evaluateOnce();

    // Assess
    expect(await states()).toEqual({ [`${prefix}-JobsDlqDepth`]: 'ALARM', [`${prefix}-DeliveryDlqDepth`]: 'OK' });
    expect(outcomes.filter((outcome) => outcome.kind === 'evaluated' && outcome.changed)).toEqual([
      expect.objectContaining({ alarmName: `${prefix}-JobsDlqDepth`, previousState: 'OK', state: 'ALARM' }),
    ]);
    const paged = await notifications(jobsPage);
    expect(paged).toEqual([
      expect.objectContaining({
        AlarmName: `${prefix}-JobsDlqDepth`,
        NewStateValue: 'ALARM',
        OldStateValue: 'OK',
        NewStateReason: expect.stringMatching(
          /^Threshold Crossed: 1 out of the last 1 datapoints \[1\.0 \(.+\)\] was greater than or equal to the threshold \(1\.0\)/,
        ) as unknown,
        Trigger: expect.objectContaining({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Namespace: 'AWS/SQS',
          Dimensions: [{ Name: 'QueueName', Value: jobsDlq }],
        }) as unknown,
      }),
    ]);
    expect(await notifications(deliveryPage)).toEqual([]);
  });

  it("reads a custom metric with the alarm's dimensions only", async () => {
    // Prepare
    const namespace = uniqueName('SkedIt');
    const topic = await subscribedTopic(uniqueName('sked-it-ticket'));
    const alarmName = `${prefix}-RunsFailed`;
    await putAlarm({
      AlarmName: alarmName,
      Namespace: namespace,
      MetricName: 'RunsFailed',
      Dimensions: [{ Name: 'service', Value: 'worker' }],
      Statistic: 'Sum',
      Period: 300,
      EvaluationPeriods: 1,
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [topic.topicArn],
    });
    const failed = (service: string) =>
      cloudwatch.send(
        new PutMetricDataCommand({
          Namespace: namespace,
          MetricData: [{ MetricName: 'RunsFailed', Dimensions: [{ Name: 'service', Value: service }], Value: 3 }],
        }),
      );
    await failed('api');

    // Act
    await evaluator.evaluateOnce();
    const beforeWorkerFailed = (await states())[alarmName];
    await failed('worker');
    await evaluator.evaluateOnce();

    // Assess
    expect(beforeWorkerFailed).toBe('OK');
    expect((await states())[alarmName]).toBe('ALARM');
    expect(await notifications(topic)).toEqual([
      expect.objectContaining({ AlarmName: alarmName, NewStateValue: 'ALARM', OldStateValue: 'OK' }),
    ]);
  });
});

function allowTopic(topicArn: string, queueArn: string) {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Service: 'sns.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: queueArn,
        Condition: { ArnEquals: { 'aws:SourceArn': topicArn } },
      },
    ],
  };
}
