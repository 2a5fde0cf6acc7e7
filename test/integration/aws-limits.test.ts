import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  QueryCommand,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  waitUntilTableExists,
} from '@aws-sdk/client-dynamodb';
import {
  CreateEventBusCommand,
  DeleteEventBusCommand,
  EventBridgeClient,
  PutEventsCommand,
} from '@aws-sdk/client-eventbridge';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleCommand,
  DeleteScheduleGroupCommand,
  SchedulerClient,
  type CreateScheduleCommandInput,
} from '@aws-sdk/client-scheduler';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  SendMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AwsLimitError } from '../../lib/adapters/aws/limits';
import { RUNS_TABLE } from '../../lib/adapters/aws/table-layout';
import { guardedClient, unguardedClient } from '../support/aws-clients';
import { uniqueName } from '../support/names';
import { runsTableInput } from '../support/tables';

/**
 * The local cloud accepts calls AWS refuses. Each case sends one such call twice: through a plain client, which the
 * emulator answers, and through a guarded one (as every other test uses), which refuses it before sending.
 */
describe('the local cloud against the AWS limits guard', () => {
  const cleanups: (() => Promise<unknown>)[] = [];
  const sqs = { plain: unguardedClient(SQSClient), guarded: guardedClient(SQSClient) };
  const scheduler = { plain: unguardedClient(SchedulerClient), guarded: guardedClient(SchedulerClient) };
  const dynamodb = { plain: unguardedClient(DynamoDBClient), guarded: guardedClient(DynamoDBClient) };
  const eventbridge = { plain: unguardedClient(EventBridgeClient), guarded: guardedClient(EventBridgeClient) };
  const cloudwatch = { plain: unguardedClient(CloudWatchClient), guarded: guardedClient(CloudWatchClient) };
  let queueUrl = '';
  let queueArn = '';

  beforeAll(async () => {
    const queue = await sqs.guarded.send(new CreateQueueCommand({ QueueName: uniqueName('sked-limits-queue') }));
    queueUrl = queue.QueueUrl ?? '';
    cleanups.push(() => sqs.guarded.send(new DeleteQueueCommand({ QueueUrl: queueUrl })));
    const { Attributes } = await sqs.guarded.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    queueArn = Attributes?.QueueArn ?? '';
  });

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('takes an SQS message with 11 attributes; SQS allows 10', async () => {
    // Prepare
    const MessageAttributes = Object.fromEntries(
      Array.from({ length: 11 }, (_, i) => [`a${i}`, { DataType: 'String', StringValue: 'x' }]),
    );
    const message = () => new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: 'body', MessageAttributes });

    // Act
    const accepted = await sqs.plain.send(message());
    const refused = sqs.guarded.send(message());

    // Assess
    expect(accepted.MessageId).toBeDefined();
    await expect(refused).rejects.toThrow(
      new AwsLimitError(
        'SQS',
        'SendMessage',
        '11 message attributes',
        'at most 10',
        'https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/quotas-messages.html',
      ),
    );
  });

  it('takes a rate schedule whose StartDate is an hour ago; Scheduler allows 5 minutes', async () => {
    // Prepare
    const groupName = uniqueName('sked-limits-group');
    await scheduler.guarded.send(new CreateScheduleGroupCommand({ Name: groupName }));
    cleanups.push(() => scheduler.guarded.send(new DeleteScheduleGroupCommand({ Name: groupName })));
    const schedule = (Name: string): CreateScheduleCommandInput => ({
      Name,
      GroupName: groupName,
      ScheduleExpression: 'rate(5 minutes)',
      StartDate: new Date(Date.now() - 3_600_000),
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { Arn: queueArn, RoleArn: 'arn:aws:iam::000000000000:role/sked-limits', Input: '{}' },
    });
    cleanups.push(() => scheduler.guarded.send(new DeleteScheduleCommand({ Name: 'accepted', GroupName: groupName })));

    // Act
    const accepted = await scheduler.plain.send(new CreateScheduleCommand(schedule('accepted')));
    const refused = scheduler.guarded.send(new CreateScheduleCommand(schedule('refused')));

    // Assess
    expect(accepted.ScheduleArn).toBeDefined();
    await expect(refused).rejects.toThrow(
      /^Scheduler CreateSchedule: recurring schedule StartDate .*; not earlier than 5 minutes ago/,
    );
  });

  describe('DynamoDB', () => {
    const tableName = uniqueName('sked-limits-table');
    const { partitionKey, sortKey } = RUNS_TABLE;
    const key = { [partitionKey]: { S: 'job-1' }, [sortKey]: { S: 'run#1' } };

    beforeAll(async () => {
      await dynamodb.guarded.send(new CreateTableCommand(runsTableInput(tableName)));
      await waitUntilTableExists({ client: dynamodb.guarded, maxWaitTime: 60 }, { TableName: tableName });
      cleanups.push(() => dynamodb.guarded.send(new DeleteTableCommand({ TableName: tableName })));
    });

    it('takes a query with an empty ExpressionAttributeNames; DynamoDB refuses an empty map', async () => {
      // Prepare
      const query = () =>
        new QueryCommand({
          TableName: tableName,
          KeyConditionExpression: `${partitionKey} = :pk`,
          ExpressionAttributeValues: { ':pk': { S: 'job-1' } },
          ExpressionAttributeNames: {},
        });

      // Act
      const accepted = await dynamodb.plain.send(query());
      const refused = dynamodb.guarded.send(query());

      // Assess
      expect(accepted.Items).toEqual([]);
      await expect(refused).rejects.toThrow(
        /^DynamoDB Query: an empty ExpressionAttributeNames; no map, or one with entries/,
      );
    });

    it('refuses, as the local cloud does, an unused expression value and two transaction actions on one item', async () => {
      // Prepare
      const update = {
        TableName: tableName,
        Key: key,
        UpdateExpression: 'SET #status = :status',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':status': { S: 'running' } },
      };
      const unused = () =>
        new UpdateItemCommand({
          ...update,
          ExpressionAttributeValues: { ...update.ExpressionAttributeValues, ':unused': { S: 'x' } },
        });
      const twice = () =>
        new TransactWriteItemsCommand({
          TransactItems: [
            { Update: update },
            { ConditionCheck: { TableName: tableName, Key: key, ConditionExpression: `attribute_exists(${sortKey})` } },
          ],
        });

      // Act / Assess
      await expect(dynamodb.plain.send(unused())).rejects.toThrow(/unused in expressions/);
      await expect(dynamodb.guarded.send(unused())).rejects.toThrow(
        /^DynamoDB UpdateItem: ExpressionAttributeValues declares :unused, which no expression uses/,
      );
      await expect(dynamodb.plain.send(twice())).rejects.toThrow(/multiple operations on one item/);
      await expect(dynamodb.guarded.send(twice())).rejects.toThrow(
        /^DynamoDB TransactWriteItems: actions 0 and 1 on the same item/,
      );
    });
  });

  describe('EventBridge', () => {
    const busName = uniqueName('sked-limits-bus');
    const entry = (Detail: string) => ({ EventBusName: busName, Source: 'sked', DetailType: 'limits', Detail });

    beforeAll(async () => {
      await eventbridge.guarded.send(new CreateEventBusCommand({ Name: busName }));
      cleanups.push(() => eventbridge.guarded.send(new DeleteEventBusCommand({ Name: busName })));
    });

    it('takes a PutEvents entry of 300 KB; EventBridge allows 256 KB', async () => {
      // Prepare
      const events = () => new PutEventsCommand({ Entries: [entry(JSON.stringify({ padding: 'x'.repeat(300_000) }))] });

      // Act
      const accepted = await eventbridge.plain.send(events());
      const refused = eventbridge.guarded.send(events());

      // Assess
      expect(accepted.FailedEntryCount ?? 0).toBe(0);
      await expect(refused).rejects.toThrow(/^EventBridge PutEvents: entry 0 of 300,\d{3} bytes; at most 256 KB/);
    });

    it('refuses, as the local cloud does, PutEvents with 11 entries', async () => {
      // Prepare
      const events = () =>
        new PutEventsCommand({ Entries: Array.from({ length: 11 }, (_, i) => entry(JSON.stringify({ i }))) });

      // Act / Assess
      await expect(eventbridge.plain.send(events())).rejects.toThrow(/less than or equal to 10/);
      await expect(eventbridge.guarded.send(events())).rejects.toThrow(
        /^EventBridge PutEvents: 11 entries; at most 10/,
      );
    });
  });

  it('takes PutMetricData with a metric of 31 dimensions; CloudWatch allows 30', async () => {
    // Prepare
    const Dimensions = Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
    const metrics = () =>
      new PutMetricDataCommand({
        Namespace: uniqueName('SkedLimits'),
        MetricData: [{ MetricName: 'Probe', Value: 1, Dimensions }],
      });

    // Act
    await cloudwatch.plain.send(metrics());
    const refused = cloudwatch.guarded.send(metrics());

    // Assess
    await expect(refused).rejects.toThrow(/^CloudWatch PutMetricData: metric 0 \(Probe\): 31 dimensions; at most 30/);
  });
});
