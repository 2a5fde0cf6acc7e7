import type { SQSBatchResponse } from 'aws-lambda';
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDbJobStore } from '../../lib/adapters/aws/dynamodb-job-store';
import type { TaskRegistry } from '../../lib/domain/task';
import type { SideEffectLog } from '../../lib/ports/worker-task-services';
import { ENV, parseConfig, workerConfigSchema } from '../../lib/schemas/config';
import { taskRegistry } from '../../functions/tasks';
import { awsWorkerDeps } from '../../lib/composition/worker';
import { makeWorkerHandler } from '../../lib/handlers/worker-handler';
import { makeBaselineHandler } from '../baseline-worker';
import type { BenchClients } from './clients';
import type { SqsHandler } from './lambda';

export type WorkerName = 'sked' | 'baseline';

export interface WorkerUnderTest {
  readonly name: WorkerName;
  readonly handler: SqsHandler;
  /** Why records failed, by error name (the baseline's only; sked's are in its ledger and logs). */
  readonly recordErrors: Map<string, number>;
}

/** Counts executions of each (jobId, runId): the history check's side effects, kept in memory. */
export class InMemorySideEffects implements SideEffectLog {
  readonly executions = new Map<string, number>();

  record(jobId: string, runId: string): Promise<void> {
    const key = `${jobId}|${runId}`;
    this.executions.set(key, (this.executions.get(key) ?? 0) + 1);
    return Promise.resolve();
  }

  count(jobId: string, runId: string): Promise<number> {
    return Promise.resolve(this.executions.get(`${jobId}|${runId}`) ?? 0);
  }

  total(): number {
    let n = 0;
    for (const count of this.executions.values()) n += count;
    return n;
  }
}

const unused = (what: string) => () => Promise.reject(new Error(`the bench task does not use ${what}`));

/** The registry both workers run from: sked's own, with the test tasks and in-memory side effects. */
export function benchRegistry(sideEffects: SideEffectLog): TaskRegistry {
  return taskRegistry({
    includeTestTasks: true,
    services: {
      http: { call: unused('webhooks') },
      reports: { put: unused('reports') },
      clock: { now: () => new Date() },
      sideEffects,
    },
  });
}

export interface SkedWorkerTarget {
  readonly jobsTable: string;
  readonly runsTable: string;
  readonly queueUrl: string;
  readonly dlqUrl: string;
  readonly eventBus: string;
}

/** sked's worker handler exactly as functions/worker.ts composes it, over the given clients. */
export function skedWorker(clients: BenchClients, target: SkedWorkerTarget, tasks: TaskRegistry): WorkerUnderTest {
  const config = parseConfig(workerConfigSchema, {
    [ENV.jobsTable]: target.jobsTable,
    [ENV.runsTable]: target.runsTable,
    [ENV.jobsQueueUrl]: target.queueUrl,
    [ENV.jobsDlqUrl]: target.dlqUrl,
    [ENV.eventBusName]: target.eventBus,
    [ENV.webhookSecretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench',
    [ENV.includeTestTasks]: 'true',
  });
  const deps = awsWorkerDeps(config, taskRegistry, {
    dynamodb: clients.dynamodb,
    sqs: clients.sqs,
    eventBridge: clients.eventbridge,
    secretsManager: clients.secrets,
  });
  // Only the task registry is the bench's: its side effects are counted in memory, not written by the task.
  const handler = makeWorkerHandler({ ...deps, worker: { ...deps.worker, tasks } });
  return { name: 'sked', handler: (event, context) => handler(event, context), recordErrors: new Map() };
}

export interface BaselineWorkerTarget {
  readonly jobsTable: string;
  readonly idempotencyTable: string;
}

export function baselineWorker(
  clients: BenchClients,
  target: BaselineWorkerTarget,
  tasks: TaskRegistry,
): WorkerUnderTest {
  const recordErrors = new Map<string, number>();
  const handler = makeBaselineHandler({
    dynamodb: clients.dynamodb,
    idempotencyTable: target.idempotencyTable,
    jobs: new DynamoDbJobStore(clients.dynamodb, target.jobsTable),
    tasks,
    logger: new Logger({ serviceName: 'baseline-worker' }),
    onRecordError: (error) => {
      const name = error instanceof Error ? error.name : 'unknown';
      recordErrors.set(name, (recordErrors.get(name) ?? 0) + 1);
    },
  });
  return {
    name: 'baseline',
    handler: (event, context): Promise<SQSBatchResponse> => handler(event, context),
    recordErrors,
  };
}
