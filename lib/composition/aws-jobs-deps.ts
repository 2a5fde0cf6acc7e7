import { randomBytes, randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SchedulerClient } from '@aws-sdk/client-scheduler';
import { SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbJobStore } from '../adapters/aws/dynamodb-job-store';
import { DynamoDbRunLedger } from '../adapters/aws/dynamodb-run-ledger';
import { EventBridgePublisher } from '../adapters/aws/eventbridge-events';
import { SchedulerSchedules } from '../adapters/aws/scheduler-schedules';
import { SqsRunQueue } from '../adapters/aws/sqs-run-queue';
import type { TaskRegistry } from '../domain/task';
import { ENV, type apiConfigSchema } from '../schemas/config';
import type { JobsDeps } from '../use-cases/jobs/deps';
import type * as z from 'zod';
import { SsrfUrlGuard } from '../adapters/net/ssrf-url-guard';
import { awsClientHooks } from './aws-client-hooks';

export type ApiConfig = z.output<typeof apiConfigSchema>;

export interface AwsClients {
  readonly dynamodb: DynamoDBClient;
  readonly scheduler: SchedulerClient;
  readonly sqs: SQSClient;
  readonly eventbridge: EventBridgeClient;
}

export interface AwsClientOptions {
  /**
   * Attach the AWS limits guard (SKED_AWS_LIMITS_GUARD=on, the local stage only); throws when it is not registered
   * (aws-client-hooks.ts).
   */
  readonly awsLimitsGuard: boolean;
}

/** One set of SDK clients per container. */
export function awsClients(options: AwsClientOptions = { awsLimitsGuard: false }): AwsClients {
  const hooked = awsClientHooks(options.awsLimitsGuard);
  return {
    dynamodb: hooked(new DynamoDBClient({})),
    scheduler: hooked(new SchedulerClient({})),
    sqs: hooked(new SQSClient({})),
    eventbridge: hooked(new EventBridgeClient({})),
  };
}

// The ledger's retention applies to the worker's writes; the API writes only `queued` items, with their own expiry.
const API_RETENTION_DAYS = 1;

/** The composition root of the jobs use cases over AWS, from parsed config. */
export function awsJobsDeps(
  config: ApiConfig,
  tasks: TaskRegistry,
  logger: Logger,
  clients = awsClients({ awsLimitsGuard: config[ENV.awsLimitsGuard] }),
): JobsDeps {
  return {
    store: new DynamoDbJobStore(clients.dynamodb, config[ENV.jobsTable]),
    schedules: new SchedulerSchedules(clients.scheduler, config[ENV.scheduleGroup]),
    runs: new DynamoDbRunLedger(clients.dynamodb, config[ENV.runsTable], API_RETENTION_DAYS),
    queue: new SqsRunQueue(clients.sqs, config[ENV.jobsQueueUrl]),
    events: new EventBridgePublisher(clients.eventbridge, config[ENV.eventBusName]),
    clock: { now: () => new Date() },
    ids: {
      jobId: () => randomUUID(),
      suffix: () => randomBytes(4).toString('hex'),
    },
    tasks,
    urlGuard: new SsrfUrlGuard({ allowlist: config[ENV.httpAllowlist], allowPlainHttp: config[ENV.allowHttp] }),
    defaults: config[ENV.jobDefaults],
    target: {
      groupName: config[ENV.scheduleGroup],
      queueArn: config[ENV.jobsQueueArn],
      roleArn: config[ENV.schedulerRoleArn],
      deliveryDlqArn: config[ENV.deliveryDlqArn],
    },
    log: {
      warn: (message, details) => logger.warn(message, details),
      error: (message, details) => logger.error(message, details),
    },
  };
}
