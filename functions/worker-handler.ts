import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDbJobStore } from '../lib/adapters/aws/dynamodb-job-store';
import { DynamoDbRunLedger } from '../lib/adapters/aws/dynamodb-run-ledger';
import { DynamoDbRunReports } from '../lib/adapters/aws/dynamodb-run-reports';
import { EventBridgePublisher } from '../lib/adapters/aws/eventbridge-events';
import { CachedSecret } from '../lib/adapters/aws/secrets';
import { SqsMessageActions } from '../lib/adapters/aws/sqs-message-actions';
import { HttpWebhookCaller } from '../lib/adapters/http/webhook-caller';
import { createLogger, LogMasker, PowertoolsWorkerLog } from '../lib/adapters/observability/logger';
import { createMetrics, EmfWorkerMetrics } from '../lib/adapters/observability/metrics';
import type { Clock } from '../lib/ports/clock';
import type { InboundMessage } from '../lib/ports/worker-message-actions';
import { ENV, type workerConfigSchema } from '../lib/schemas/config';
import { DEFAULT_WORKER_SETTINGS, processBatch, type WorkerDeps } from '../lib/use-cases/run-occurrence';
import { taskRegistry } from './tasks';
import type * as z from 'zod';

export type WorkerConfig = z.output<typeof workerConfigSchema>;

export interface WorkerHandlerDeps {
  readonly worker: WorkerDeps;
  readonly logger: Logger;
  readonly metrics: Metrics;
}

/**
 * An SQS record as the use case needs it: timestamps and receive count from its system attributes, and its string
 * message attributes (a redriven DLQ copy carries the worker's own).
 */
export function toInboundMessage(record: SQSRecord): InboundMessage {
  const sentAt = new Date(Number(record.attributes.SentTimestamp));
  const firstReceived = Number(record.attributes.ApproximateFirstReceiveTimestamp);
  const attributes: Record<string, string> = {};
  for (const [name, value] of Object.entries(record.messageAttributes)) {
    if (value.stringValue !== undefined) attributes[name] = value.stringValue;
  }
  return {
    messageId: record.messageId,
    receiptHandle: record.receiptHandle,
    body: record.body,
    sentAt,
    firstReceivedAt: Number.isFinite(firstReceived) && firstReceived > 0 ? new Date(firstReceived) : sentAt,
    receiveCount: Number(record.attributes.ApproximateReceiveCount),
    attributes,
  };
}

/** The worker Lambda: every record of the batch on its own; the failed ones reported in `batchItemFailures`. */
export function makeWorkerHandler(deps: WorkerHandlerDeps) {
  return middy(async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    const messages = event.Records.map(toInboundMessage);
    const failed = await processBatch(deps.worker, messages, {
      remainingMs: () => context.getRemainingTimeInMillis(),
    });
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  })
    .use(injectLambdaContext(deps.logger))
    .use(logMetrics(deps.metrics));
}

export interface AwsWorkerOptions {
  readonly dynamodb?: DynamoDBClient;
  readonly sqs?: SQSClient;
  readonly eventBridge?: EventBridgeClient;
  readonly secretsManager?: SecretsManagerClient;
  readonly clock?: Clock;
}

/** Builds the clients (once per container) and every adapter from the parsed config. */
export function awsWorkerDeps(config: WorkerConfig, options: AwsWorkerOptions = {}): WorkerHandlerDeps {
  const dynamodb = options.dynamodb ?? new DynamoDBClient({});
  const sqs = options.sqs ?? new SQSClient({});
  const eventBridge = options.eventBridge ?? new EventBridgeClient({});
  const secretsManager = options.secretsManager ?? new SecretsManagerClient({});
  const clock: Clock = options.clock ?? { now: () => new Date() };

  const masker = new LogMasker(config[ENV.maskPatterns]);
  const logger = createLogger('sked-worker', masker);
  const metrics = createMetrics('sked-worker', config[ENV.metricsNamespace]);
  const jobStore = new DynamoDbJobStore(dynamodb, config[ENV.jobsTable]);
  const retentionDays = config[ENV.runRetentionDays];
  const reports = new DynamoDbRunReports(dynamodb, config[ENV.runsTable], retentionDays);
  const secret = new CachedSecret(secretsManager, config[ENV.webhookSecretArn], clock, 5 * 60_000, (value) =>
    masker.addSecret(value),
  );
  const http = new HttpWebhookCaller(
    { allowlist: config[ENV.httpAllowlist], allowPlainHttp: config[ENV.allowHttp] },
    secret,
    clock,
  );
  const includeTestTasks = config[ENV.includeTestTasks];

  const worker: WorkerDeps = {
    jobs: jobStore,
    completion: jobStore,
    ledger: new DynamoDbRunLedger(dynamodb, config[ENV.runsTable], retentionDays),
    tasks: taskRegistry({
      includeTestTasks,
      services: { http, reports, clock, ...(includeTestTasks && { sideEffects: reports }) },
    }),
    webhooks: http,
    messages: new SqsMessageActions(sqs, config[ENV.jobsQueueUrl], config[ENV.jobsDlqUrl]),
    events: new EventBridgePublisher(eventBridge, config[ENV.eventBusName]),
    metrics: new EmfWorkerMetrics(metrics),
    log: new PowertoolsWorkerLog(logger),
    clock,
    newToken: () => randomUUID(),
    sleep: (ms) => sleep(ms),
    settings: DEFAULT_WORKER_SETTINGS,
  };
  return { worker, logger, metrics };
}
