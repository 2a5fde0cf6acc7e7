import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { DynamoDbJobStore } from '../adapters/aws/dynamodb-job-store';
import { DynamoDbRunLedger } from '../adapters/aws/dynamodb-run-ledger';
import { DynamoDbRunReports } from '../adapters/aws/dynamodb-run-reports';
import { DynamoDbTickCoverage } from '../adapters/aws/dynamodb-tick-coverage';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-events';
import { CachedSecret } from '../adapters/aws/secrets';
import { SqsMessageActions } from '../adapters/aws/sqs-message-actions';
import { SqsRunQueue } from '../adapters/aws/sqs-run-queue';
import { HttpWebhookCaller } from '../adapters/http/webhook-caller';
import { createLogger, LogMasker, PowertoolsWorkerLog, type LogLevelName } from '../adapters/observability/logger';
import { createMetrics, EmfWorkerMetrics } from '../adapters/observability/metrics';
import { makeWorkerHandler, type WorkerHandlerDeps } from '../handlers/worker-handler';
import type { Clock } from '../ports/clock';
import type { TaskRegistryFactory } from '../ports/worker-task-services';
import { ENV, parseConfig, workerConfigSchema } from '../schemas/config';
import { DEFAULT_WORKER_SETTINGS, type WorkerDeps } from '../use-cases/run-occurrence';
import type * as z from 'zod';
import { awsClientHooks } from './aws-client-hooks';

export type WorkerConfig = z.output<typeof workerConfigSchema>;

export interface AwsWorkerOptions {
  readonly dynamodb?: DynamoDBClient;
  readonly sqs?: SQSClient;
  readonly eventBridge?: EventBridgeClient;
  readonly secretsManager?: SecretsManagerClient;
  readonly clock?: Clock;
  /** The worker logger's level; by default the deployment's POWERTOOLS_LOG_LEVEL. */
  readonly logLevel?: LogLevelName;
}

/** Builds the clients (once per container) and every adapter from the parsed config. */
export function awsWorkerDeps(
  config: WorkerConfig,
  tasks: TaskRegistryFactory,
  options: AwsWorkerOptions = {},
): WorkerHandlerDeps {
  // Given clients get the hooks too; the guard attached twice replaces itself.
  const hooked = awsClientHooks(config[ENV.awsLimitsGuard]);
  const dynamodb = hooked(options.dynamodb ?? new DynamoDBClient({}));
  const sqs = hooked(options.sqs ?? new SQSClient({}));
  const eventBridge = hooked(options.eventBridge ?? new EventBridgeClient({}));
  const secretsManager = hooked(options.secretsManager ?? new SecretsManagerClient({}));
  const clock: Clock = options.clock ?? { now: () => new Date() };

  const masker = new LogMasker(config[ENV.maskPatterns]);
  const logger = createLogger('sked-worker', masker, options.logLevel);
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
    ticks: new DynamoDbTickCoverage(dynamodb, config[ENV.runsTable]),
    occurrences: new SqsRunQueue(sqs, config[ENV.jobsQueueUrl]),
    tasks: tasks({
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

/** The worker Lambda's composition root: config parsed once per container, failing the cold start on a bad variable. */
export function workerHandler(env: Record<string, string | undefined>, tasks: TaskRegistryFactory) {
  return makeWorkerHandler(awsWorkerDeps(parseConfig(workerConfigSchema, env), tasks));
}
