import { CreateTableCommand, DeleteTableCommand, DynamoDBClient, waitUntilTableExists } from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateScheduleGroupCommand, DeleteScheduleGroupCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { CreateQueueCommand, DeleteQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { AwsClients } from '../../../lib/composition/aws-jobs-deps';
import { ENV } from '../../../lib/schemas/config';
import { guardedClient } from '../../support/aws-clients';
import { jobsTableInput, runsTableInput } from '../../support/tables';
import { uniqueName } from '../../support/names';

export interface CloudFixture {
  readonly clients: AwsClients;
  readonly env: Record<string, string>;
  readonly jobsTable: string;
  readonly groupName: string;
  readonly queueUrl: string;
  readonly queueArn: string;
  readonly deliveryDlqArn: string;
  readonly roleArn: string;
  destroy(): Promise<void>;
}

async function queue(sqs: SQSClient, name: string): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  if (QueueUrl === undefined) throw new Error(`no url for queue ${name}`);
  const { Attributes } = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  const arn = Attributes?.QueueArn;
  if (arn === undefined) throw new Error(`no arn for queue ${name}`);
  return { url: QueueUrl, arn };
}

/** Everything the API needs, created under unique names with the production key layout. */
export async function createCloudFixture(prefix: string): Promise<CloudFixture> {
  const clients: AwsClients = {
    dynamodb: guardedClient(DynamoDBClient),
    scheduler: guardedClient(SchedulerClient),
    sqs: guardedClient(SQSClient),
    eventbridge: guardedClient(EventBridgeClient),
  };
  const jobsTable = uniqueName(`${prefix}-jobs`);
  const runsTable = uniqueName(`${prefix}-runs`);
  const groupName = uniqueName(`${prefix}-group`);
  const busName = uniqueName(`${prefix}-bus`);

  await clients.dynamodb.send(new CreateTableCommand(jobsTableInput(jobsTable)));
  await clients.dynamodb.send(new CreateTableCommand(runsTableInput(runsTable)));
  for (const TableName of [jobsTable, runsTable]) {
    await waitUntilTableExists({ client: clients.dynamodb, maxWaitTime: 60 }, { TableName });
  }
  const jobs = await queue(clients.sqs, uniqueName(`${prefix}-queue`));
  const deliveryDlq = await queue(clients.sqs, uniqueName(`${prefix}-delivery-dlq`));
  await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: groupName }));
  await clients.eventbridge.send(new CreateEventBusCommand({ Name: busName }));
  const roleArn = 'arn:aws:iam::000000000000:role/sked-scheduler-test';

  return {
    clients,
    jobsTable,
    groupName,
    queueUrl: jobs.url,
    queueArn: jobs.arn,
    deliveryDlqArn: deliveryDlq.arn,
    roleArn,
    env: {
      [ENV.jobsTable]: jobsTable,
      [ENV.runsTable]: runsTable,
      [ENV.scheduleGroup]: groupName,
      [ENV.jobsQueueUrl]: jobs.url,
      [ENV.jobsQueueArn]: jobs.arn,
      [ENV.deliveryDlqArn]: deliveryDlq.arn,
      [ENV.schedulerRoleArn]: roleArn,
      [ENV.eventBusName]: busName,
      [ENV.jobDefaults]: JSON.stringify({
        retry: { maxAttempts: 3, initialSeconds: 30, multiplier: 2, maxSeconds: 3600 },
        misfireGraceSeconds: 300,
        coalesce: true,
        maxConcurrent: 1,
        overlap: 'skip',
      }),
      [ENV.httpAllowlist]: 'hooks.example.test',
      [ENV.awsLimitsGuard]: 'on',
    },
    destroy: async () => {
      const steps: (() => Promise<unknown>)[] = [
        () => clients.scheduler.send(new DeleteScheduleGroupCommand({ Name: groupName })),
        () => clients.eventbridge.send(new DeleteEventBusCommand({ Name: busName })),
        () => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: jobs.url })),
        () => clients.sqs.send(new DeleteQueueCommand({ QueueUrl: deliveryDlq.url })),
        () => clients.dynamodb.send(new DeleteTableCommand({ TableName: jobsTable })),
        () => clients.dynamodb.send(new DeleteTableCommand({ TableName: runsTable })),
      ];
      for (const step of steps) await step().catch(() => undefined);
    },
  };
}
