import {
  CreateTableCommand,
  DeleteTableCommand,
  DynamoDBClient,
  QueryCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { CreateEventBusCommand, DeleteEventBusCommand, EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { CreateSecretCommand, DeleteSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteMessageCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { RUNS_TABLE } from '../../../lib/adapters/aws/table-layout';
import { ENV, parseConfig, workerConfigSchema } from '../../../lib/schemas/config';
import { TERMINAL_STATUSES, type RunStatus } from '../../../lib/schemas/run';
import type { WorkerConfig } from '../../../lib/composition/worker';
import { guardedClient } from '../aws-clients';
import { jobsTableInput, runsTableInput } from '../tables';
import { uniqueName } from '../names';

export interface WorkerCloud {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly jobsTable: string;
  readonly runsTable: string;
  readonly secretValue: string;
  config(overrides?: Record<string, string>): WorkerConfig;
  destroy(): Promise<void>;
}

/** The tables, queues, bus and secret one worker test file needs, with unique names. */
export async function createWorkerCloud(visibilityTimeoutSeconds = 2): Promise<WorkerCloud> {
  const dynamodb = guardedClient(DynamoDBClient);
  const sqs = guardedClient(SQSClient);
  const events = guardedClient(EventBridgeClient);
  const secrets = guardedClient(SecretsManagerClient);
  const jobsTable = uniqueName('sked-wk-jobs');
  const runsTable = uniqueName('sked-wk-runs');
  const busName = uniqueName('sked-wk-bus');
  const secretName = uniqueName('sked-wk-secret');
  const secretValue = `whsec-${uniqueName('s')}`;

  await dynamodb.send(new CreateTableCommand(jobsTableInput(jobsTable)));
  await dynamodb.send(new CreateTableCommand(runsTableInput(runsTable)));
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('sked-wk-dlq') }));
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: uniqueName('sked-wk-queue'),
      Attributes: { VisibilityTimeout: String(visibilityTimeoutSeconds) },
    }),
  );
  await events.send(new CreateEventBusCommand({ Name: busName }));
  const secret = await secrets.send(new CreateSecretCommand({ Name: secretName, SecretString: secretValue }));
  const queueUrl = queue.QueueUrl ?? '';
  const dlqUrl = dlq.QueueUrl ?? '';

  return {
    dynamodb,
    sqs,
    queueUrl,
    dlqUrl,
    jobsTable,
    runsTable,
    secretValue,
    config: (overrides = {}) =>
      parseConfig(workerConfigSchema, {
        [ENV.jobsTable]: jobsTable,
        [ENV.runsTable]: runsTable,
        [ENV.jobsQueueUrl]: queueUrl,
        [ENV.jobsDlqUrl]: dlqUrl,
        [ENV.eventBusName]: busName,
        [ENV.webhookSecretArn]: secret.ARN ?? secretName,
        [ENV.includeTestTasks]: 'true',
        // The worker's own clients refuse what AWS would refuse, as in the local stage.
        [ENV.awsLimitsGuard]: 'on',
        ...overrides,
      }),
    destroy: async () => {
      const steps = [
        () => dynamodb.send(new DeleteTableCommand({ TableName: jobsTable })),
        () => dynamodb.send(new DeleteTableCommand({ TableName: runsTable })),
        () => sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl })),
        () => sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl })),
        () => events.send(new DeleteEventBusCommand({ Name: busName })),
        () => secrets.send(new DeleteSecretCommand({ SecretId: secretName, ForceDeleteWithoutRecovery: true })),
      ];
      for (const step of steps) await step().catch(() => undefined);
    },
  };
}

export async function sendBody(cloud: WorkerCloud, body: unknown): Promise<void> {
  await cloud.sqs.send(
    new SendMessageCommand({
      QueueUrl: cloud.queueUrl,
      MessageBody: typeof body === 'string' ? body : JSON.stringify(body),
    }),
  );
}

/** An SQS message as the Lambda event source mapping hands it over. */
export function toSqsRecord(message: Message, queueArn = 'arn:aws:sqs:us-east-1:000000000000:sked-jobs'): SQSRecord {
  const attributes = message.Attributes ?? {};
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    messageAttributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
    };
  }
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? String(Date.now()),
      SenderId: attributes.SenderId ?? 'test',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
    },
    messageAttributes,
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: 'us-east-1',
  };
}

/**
 * What SQS StartMessageMoveTask does (MiniStack does not implement it): every message of the DLQ is sent to the
 * jobs queue with the same body and message attributes, then deleted from the DLQ. Returns how many moved.
 */
export async function redriveDlq(cloud: WorkerCloud, dlqUrl = cloud.dlqUrl): Promise<number> {
  let moved = 0;
  for (;;) {
    const messages = await receive(cloud, 10, 1, dlqUrl);
    if (messages.length === 0) return moved;
    for (const message of messages) {
      await cloud.sqs.send(
        new SendMessageCommand({
          QueueUrl: cloud.queueUrl,
          MessageBody: message.Body ?? '',
          MessageAttributes: message.MessageAttributes,
        }),
      );
      await cloud.sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: message.ReceiptHandle ?? '' }));
      moved += 1;
    }
  }
}

/** Up to `max` visible messages, with every attribute, waiting up to `waitSeconds`. */
export async function receive(cloud: WorkerCloud, max = 10, waitSeconds = 1, url = cloud.queueUrl): Promise<Message[]> {
  const { Messages } = await cloud.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: url,
      MaxNumberOfMessages: max,
      WaitTimeSeconds: waitSeconds,
      AttributeNames: ['All'],
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  return Messages ?? [];
}

export function fakeContext(remainingMs: number): Context {
  const deadline = Date.now() + remainingMs;
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'sked-worker',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sked-worker',
    memoryLimitInMB: '512',
    awsRequestId: `request-${Math.random().toString(36).slice(2)}`,
    logGroupName: '/aws/lambda/sked-worker',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export type WorkerHandler = (
  event: SQSEvent,
  context: Context,
) => Promise<{ batchItemFailures: { itemIdentifier: string }[] }>;

/**
 * Hands `messages` to the handler as one batch and then does what the event source mapping does with the answer:
 * deletes every message not reported in batchItemFailures. Returns the failed message ids.
 */
export async function deliver(
  cloud: WorkerCloud,
  handler: WorkerHandler,
  messages: readonly Message[],
  remainingMs = 30_000,
): Promise<string[]> {
  const response = await handler(
    { Records: messages.map((message) => toSqsRecord(message)) },
    fakeContext(remainingMs),
  );
  const failed = new Set(response.batchItemFailures.map((failure) => failure.itemIdentifier));
  const done = messages.filter((message) => !failed.has(message.MessageId ?? ''));
  if (done.length > 0) {
    await cloud.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: cloud.queueUrl,
        Entries: done.map((message, index) => ({ Id: String(index), ReceiptHandle: message.ReceiptHandle ?? '' })),
      }),
    );
  }
  return [...failed];
}

/** Receives and delivers until the queue has been empty for `quietMs` (or `timeoutMs` passes). */
export async function drain(
  cloud: WorkerCloud,
  handler: WorkerHandler,
  options: { timeoutMs?: number; quietMs?: number; remainingMs?: number; onBatch?: (messages: Message[]) => void } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let quietSince = Date.now();
  while (Date.now() < deadline) {
    const messages = await receive(cloud, 10, 1);
    if (messages.length === 0) {
      if (Date.now() - quietSince >= (options.quietMs ?? 3_000)) return;
      continue;
    }
    options.onBatch?.(messages);
    await deliver(cloud, handler, messages, options.remainingMs);
    quietSince = Date.now();
  }
}

export interface LedgerItem {
  readonly sk: string;
  readonly status?: RunStatus;
  readonly [key: string]: unknown;
}

export async function partition(cloud: WorkerCloud, jobId: string): Promise<LedgerItem[]> {
  const items: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await cloud.dynamodb.send(
      new QueryCommand({
        TableName: cloud.runsTable,
        KeyConditionExpression: '#pk = :jobId',
        ExpressionAttributeNames: { '#pk': RUNS_TABLE.partitionKey },
        ExpressionAttributeValues: { ':jobId': { S: jobId } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    items.push(...(page.Items ?? []));
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return items.map((item) => {
    const value: Record<string, unknown> = unmarshall(item);
    return { ...value, sk: String(value.sk) };
  });
}

export interface History {
  readonly runs: LedgerItem[];
  readonly sideEffects: Map<string, number>;
}

/**
 * The history check every worker test ends with: for each occurrence of `jobId` exactly one ledger item in a
 * terminal state, and at most one side effect. Returns the history for further assertions.
 */
export async function checkHistory(cloud: WorkerCloud, jobId: string): Promise<History> {
  const items = await partition(cloud, jobId);
  const runs = items.filter((item) => item.sk.startsWith(RUNS_TABLE.runPrefix));
  const sideEffects = new Map<string, number>();
  for (const item of items.filter((entry) => entry.sk.startsWith('effect#'))) {
    const runId = item.sk.split('#')[1] ?? '';
    sideEffects.set(runId, (sideEffects.get(runId) ?? 0) + 1);
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const run of runs) {
    const key = `${String(run.jobId)}|${String(run.scheduledTime)}|${String(run.runId)}`;
    if (seen.has(key)) problems.push(`${key}: more than one ledger item`);
    seen.add(key);
    if (run.status === undefined || !TERMINAL_STATUSES.includes(run.status)) {
      problems.push(`${key}: not terminal (${String(run.status)})`);
    }
  }
  for (const [runId, count] of sideEffects) {
    if (count > 1) problems.push(`${runId}: ${count} side effects`);
    if (!runs.some((run) => run.runId === runId)) problems.push(`${runId}: side effect without a ledger item`);
  }
  if (problems.length > 0) throw new Error(`history check failed for ${jobId}:\n${problems.join('\n')}`);
  return { runs, sideEffects };
}
