/**
 * The baseline the issue compares sked's worker with: what a team would build from Powertools alone. An SQS handler
 * whose records go through Powertools' BatchProcessor (partial batch responses), each occurrence wrapped in
 * makeIdempotent with the DynamoDB persistence layer, keyed like sked's ledger by (jobId, scheduledTime), loading the
 * same job record and running the same task from the same registry.
 *
 * What it does not do, and sked does: misfire grace, coalescing, max instances, retry backoff (a failed record comes
 * back after the queue's visibility timeout and the redrive policy dead-letters it), a run history, lifecycle
 * events and metrics. A failed attempt deletes the idempotency record so SQS may deliver it again.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { scheduledRunId } from '../lib/domain/run-id';
import type { TaskRegistry } from '../lib/domain/task';
import type { JobStore } from '../lib/ports/job-store';
import { runEnvelopeSchema } from '../lib/schemas/envelope';

export interface BaselineDeps {
  readonly dynamodb: DynamoDBClient;
  /** Powertools' idempotency table: partition key `id`, TTL attribute `expiration`. */
  readonly idempotencyTable: string;
  readonly jobs: Pick<JobStore, 'get'>;
  readonly tasks: TaskRegistry;
  readonly logger: Logger;
  /** Told of each record's failure, for the bench's tally of why records went back to the queue. */
  readonly onRecordError?: (error: unknown) => void;
}

interface Occurrence {
  readonly jobId: string;
  readonly scheduledTime: string;
  readonly runId: string;
  readonly manual: boolean;
}

export type BaselineHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

export function makeBaselineHandler(deps: BaselineDeps): BaselineHandler {
  const persistenceStore = new DynamoDBPersistenceLayer({
    tableName: deps.idempotencyTable,
    awsSdkV3Client: deps.dynamodb,
  });
  const config = new IdempotencyConfig({ eventKeyJmesPath: '[jobId, scheduledTime]', expiresAfterSeconds: 86_400 });

  const runOccurrence = makeIdempotent(
    async (occurrence: Occurrence, attempt: number): Promise<unknown> => {
      const job = await deps.jobs.get(occurrence.jobId);
      if (job === undefined || (job.state === 'paused' && !occurrence.manual)) return { skipped: true };
      if (job.target.type !== 'task') throw new Error('the baseline runs tasks only');
      const task = deps.tasks.get(job.target.task);
      if (task === undefined) throw new Error(`no task named ${job.target.task}`);
      const payload = task.payload.parse(job.target.payload);
      const controller = new AbortController();
      const result = await task.run(payload, {
        jobId: occurrence.jobId,
        runId: occurrence.runId,
        scheduledTime: new Date(occurrence.scheduledTime),
        attempt,
        signal: controller.signal,
      });
      deps.logger.info('run succeeded', { jobId: occurrence.jobId, runId: occurrence.runId });
      return result;
    },
    { persistenceStore, config },
  );

  const recordHandler = async (record: SQSRecord): Promise<unknown> => {
    const envelope = runEnvelopeSchema.parse(JSON.parse(record.body));
    const occurrence: Occurrence =
      envelope.kind === 'schedule'
        ? {
            jobId: envelope.jobId,
            scheduledTime: envelope.scheduledTime,
            runId: scheduledRunId(new Date(envelope.scheduledTime)),
            manual: false,
          }
        : { jobId: envelope.jobId, scheduledTime: envelope.runId, runId: envelope.runId, manual: true };
    try {
      return await runOccurrence(occurrence, Number(record.attributes.ApproximateReceiveCount));
    } catch (error) {
      deps.onRecordError?.(error);
      throw error;
    }
  };

  return async (event, context) => {
    config.registerLambdaContext(context);
    // A processor per invocation: it holds the batch's state, and the bench runs several invocations at once in one
    // process (in Lambda, one container serves one invocation at a time, so a module-level one would do).
    return processPartialResponse(event, recordHandler, new BatchProcessor(EventType.SQS), { context });
  };
}
