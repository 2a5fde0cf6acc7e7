import { randomUUID } from 'node:crypto';
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteTableCommand,
  waitUntilTableExists,
  type AttributeValue,
  type BatchWriteItemCommandOutput,
  type CreateTableCommandInput,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { CreateEventBusCommand, DeleteEventBusCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateQueueCommand,
  DeleteQueueCommand,
  GetQueueAttributesCommand,
  PurgeQueueCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { marshall } from '@aws-sdk/util-dynamodb';
import { JOBS_TABLE } from '../../lib/adapters/aws/table-layout';
import type { Job } from '../../lib/schemas/job';
import { jobsTableInput, runsTableInput } from '../../test/support/tables';

export const benchName = (prefix: string) => `bench-${prefix}-${randomUUID().slice(0, 8)}`;

export interface Queue {
  readonly url: string;
  readonly arn: string;
}

/** Creates (and later deletes) what one bench run needs on the local cloud, with the key layout of the stacks. */
export class CloudResources {
  private readonly cleanups: (() => Promise<unknown>)[] = [];

  constructor(
    private readonly dynamodb: DynamoDBClient,
    private readonly sqs: SQSClient,
    private readonly eventbridge: EventBridgeClient,
  ) {}

  private async table(input: CreateTableCommandInput) {
    const name = input.TableName;
    if (name === undefined) throw new Error('a table needs a name');
    await this.dynamodb.send(new CreateTableCommand(input));
    await waitUntilTableExists({ client: this.dynamodb, maxWaitTime: 60 }, { TableName: name });
    this.cleanups.push(() => this.dynamodb.send(new DeleteTableCommand({ TableName: name })));
    return name;
  }

  jobsTable(): Promise<string> {
    return this.table(jobsTableInput(benchName('jobs')));
  }

  runsTable(): Promise<string> {
    return this.table(runsTableInput(benchName('runs')));
  }

  /** Powertools idempotency's default layout. */
  idempotencyTable(): Promise<string> {
    return this.table({
      TableName: benchName('idempotency'),
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
    });
  }

  async queue(prefix: string, visibilityTimeoutSeconds: number): Promise<Queue> {
    const { QueueUrl } = await this.sqs.send(
      new CreateQueueCommand({
        QueueName: benchName(prefix),
        Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) },
      }),
    );
    if (QueueUrl === undefined) throw new Error('CreateQueue returned no URL');
    const { Attributes } = await this.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
    );
    this.cleanups.push(() => this.sqs.send(new DeleteQueueCommand({ QueueUrl })));
    return { url: QueueUrl, arn: Attributes?.QueueArn ?? `arn:aws:sqs:us-east-1:000000000000:${prefix}` };
  }

  async purge(queue: Queue): Promise<void> {
    await this.sqs.send(new PurgeQueueCommand({ QueueUrl: queue.url }));
  }

  async eventBus(): Promise<string> {
    const name = benchName('bus');
    await this.eventbridge.send(new CreateEventBusCommand({ Name: name }));
    this.cleanups.push(() => this.eventbridge.send(new DeleteEventBusCommand({ Name: name })));
    return name;
  }

  /** Deletes everything created, newest first; a failed delete is not worth failing the bench for. */
  async dispose(): Promise<void> {
    for (const cleanup of this.cleanups.reverse()) await cleanup().catch(() => undefined);
    this.cleanups.length = 0;
  }
}

/** A job item exactly as DynamoDbJobStore writes it (the list index keys beside the job). */
export function jobItem(job: Job): Record<string, AttributeValue> {
  const { listIndex, entity } = JOBS_TABLE;
  return marshall(
    { ...job, [listIndex.partitionKey]: entity, [listIndex.sortKey]: `${job.group}#${job.id}` },
    { removeUndefinedValues: true },
  );
}

/** Writes jobs straight into the table with BatchWriteItem, 25 at a time, retrying unprocessed items. */
export async function writeJobs(dynamodb: DynamoDBClient, table: string, jobs: readonly Job[]): Promise<void> {
  const chunks: Job[][] = [];
  for (let i = 0; i < jobs.length; i += 25) chunks.push(jobs.slice(i, i + 25));
  const writeChunk = async (chunk: readonly Job[]) => {
    let requests: Record<string, { PutRequest: { Item: Record<string, AttributeValue> } }[]> | undefined = {
      [table]: chunk.map((job) => ({ PutRequest: { Item: jobItem(job) } })),
    };
    for (let tries = 0; requests !== undefined && Object.keys(requests).length > 0 && tries < 10; tries++) {
      const result: BatchWriteItemCommandOutput = await dynamodb.send(
        new BatchWriteItemCommand({ RequestItems: requests }),
      );
      const unprocessed: WriteRequest[] | undefined = result.UnprocessedItems?.[table];
      requests =
        unprocessed === undefined || unprocessed.length === 0
          ? undefined
          : {
              [table]: unprocessed.flatMap((request) =>
                request.PutRequest?.Item === undefined ? [] : [{ PutRequest: { Item: request.PutRequest.Item } }],
              ),
            };
    }
  };
  // A few chunks at a time: quick, without flooding the emulator.
  for (let i = 0; i < chunks.length; i += 8) await Promise.all(chunks.slice(i, i + 8).map(writeChunk));
}
