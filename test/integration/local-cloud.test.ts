import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleCommand,
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  GetScheduleCommand,
  SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { guardedClient } from '../support/aws-clients';
import { uniqueName } from '../support/names';

describe('the local cloud', () => {
  const dynamodb = guardedClient(DynamoDBClient);
  const scheduler = guardedClient(SchedulerClient);
  const sqs = guardedClient(SQSClient);
  const cleanups: (() => Promise<unknown>)[] = [];

  afterAll(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  });

  it('stores a DynamoDB item and reads it back', async () => {
    // Prepare
    const tableName = uniqueName('sked-it-table');
    await dynamodb.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      }),
    );
    cleanups.push(() => dynamodb.send(new DeleteTableCommand({ TableName: tableName })));

    // Act
    await dynamodb.send(
      new PutItemCommand({ TableName: tableName, Item: { id: { S: 'job-1' }, name: { S: 'nightly report' } } }),
    );
    const read = await dynamodb.send(
      new GetItemCommand({ TableName: tableName, Key: { id: { S: 'job-1' } }, ConsistentRead: true }),
    );

    // Assess
    expect(read.Item).toEqual({ id: { S: 'job-1' }, name: { S: 'nightly report' } });
  });

  it('creates an EventBridge Scheduler schedule and reads it back', async () => {
    // Prepare
    const queue = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('sked-it-queue') }));
    cleanups.push(() => sqs.send(new DeleteQueueCommand({ QueueUrl: queue.QueueUrl })));
    const attributes = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queue.QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    const queueArn = attributes.Attributes?.QueueArn ?? '';
    const groupName = uniqueName('sked-it-group');
    await scheduler.send(new CreateScheduleGroupCommand({ Name: groupName }));
    cleanups.push(() => scheduler.send(new DeleteScheduleGroupCommand({ Name: groupName })));

    // Act
    await scheduler.send(
      new CreateScheduleCommand({
        Name: 'nightly',
        GroupName: groupName,
        ScheduleExpression: 'cron(30 10 * * ? *)',
        ScheduleExpressionTimezone: 'Asia/Shanghai',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: queueArn, RoleArn: 'arn:aws:iam::000000000000:role/sked-it', Input: '{"v":1}' },
      }),
    );
    const schedule = await scheduler.send(new GetScheduleCommand({ Name: 'nightly', GroupName: groupName }));

    // Assess
    expect(queueArn).toMatch(/^arn:aws:sqs:/);
    expect(schedule).toMatchObject({
      Name: 'nightly',
      GroupName: groupName,
      ScheduleExpression: 'cron(30 10 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      State: 'ENABLED',
      Target: { Arn: queueArn, Input: '{"v":1}' },
    });
  });
});
