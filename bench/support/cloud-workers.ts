import { DeleteMessageBatchCommand, ReceiveMessageCommand, SendMessageBatchCommand } from '@aws-sdk/client-sqs';
import type { SQSBatchResponse } from 'aws-lambda';
import { cloudClients, type BenchClients } from './clients';
import { writeJobs, type CloudResources, type Queue } from './cloud-resources';
import { lambdaContext, sqsRecord, type OutputCapture } from './lambda';
import type { Job } from '../../lib/schemas/job';
import {
  baselineWorker,
  benchRegistry,
  InMemorySideEffects,
  skedWorker,
  type WorkerName,
  type WorkerUnderTest,
} from './workers';

/** One worker on the local cloud, with its own tables, queue and counted clients. */
export interface CloudWorker {
  readonly worker: WorkerUnderTest;
  readonly clients: BenchClients;
  /** The event source mapping's own calls (receive, delete), counted apart from the worker's. */
  readonly esm: BenchClients;
  readonly queue: Queue;
  readonly dlq: Queue;
  readonly jobsTable: string;
  readonly sideEffects: InMemorySideEffects;
}

export const WORKER_TIMEOUT_MS = 30_000;

export async function cloudWorker(
  name: WorkerName,
  endpoint: string,
  resources: CloudResources,
  visibilityTimeoutSeconds: number,
): Promise<CloudWorker> {
  const clients = cloudClients(endpoint);
  const esm = cloudClients(endpoint);
  const sideEffects = new InMemorySideEffects();
  const tasks = benchRegistry(sideEffects);
  const jobsTable = await resources.jobsTable();
  const queue = await resources.queue(`${name}-jobs`, visibilityTimeoutSeconds);
  const dlq = await resources.queue(`${name}-dlq`, 30);
  let worker: WorkerUnderTest;
  if (name === 'sked') {
    const runsTable = await resources.runsTable();
    const eventBus = await resources.eventBus();
    worker = skedWorker(clients, { jobsTable, runsTable, queueUrl: queue.url, dlqUrl: dlq.url, eventBus }, tasks);
  } else {
    const idempotencyTable = await resources.idempotencyTable();
    worker = baselineWorker(clients, { jobsTable, idempotencyTable }, tasks);
  }
  return { worker, clients, esm, queue, dlq, jobsTable, sideEffects };
}

export async function seedJobs(target: CloudWorker, jobs: readonly Job[]): Promise<void> {
  await writeJobs(target.esm.dynamodb, target.jobsTable, jobs);
  target.esm.counter.take();
}

export async function enqueue(target: CloudWorker, bodies: readonly string[]): Promise<void> {
  const chunks: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) chunks.push(bodies.slice(i, i + 10));
  for (let i = 0; i < chunks.length; i += 10) {
    await Promise.all(
      chunks.slice(i, i + 10).map((chunk) =>
        target.esm.sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: target.queue.url,
            Entries: chunk.map((body, k) => ({ Id: String(k), MessageBody: body })),
          }),
        ),
      ),
    );
  }
  target.esm.counter.take();
}

export interface Invocation {
  readonly records: number;
  readonly failed: number;
  readonly durationMs: number;
  readonly invocationError: boolean;
}

/**
 * What the SQS event source mapping does for one batch: receive up to `batchSize`, invoke the function, delete the
 * records it did not report failed (the failed ones come back after their visibility timeout).
 */
export async function pollOnce(
  target: CloudWorker,
  batchSize: number,
  waitSeconds: number,
  capture?: OutputCapture,
): Promise<Invocation | undefined> {
  const { Messages } = await target.esm.sqs.send(
    new ReceiveMessageCommand({
      QueueUrl: target.queue.url,
      MaxNumberOfMessages: batchSize,
      WaitTimeSeconds: waitSeconds,
      MessageSystemAttributeNames: ['All'],
      MessageAttributeNames: ['All'],
    }),
  );
  if (Messages === undefined || Messages.length === 0) return undefined;
  const event = { Records: Messages.map((message) => sqsRecord(message, target.queue.arn)) };
  const started = performance.now();
  capture?.start();
  let response: SQSBatchResponse | void = undefined;
  let invocationError = false;
  try {
    response = await target.worker.handler(event, lambdaContext(`bench-${target.worker.name}`, WORKER_TIMEOUT_MS));
  } catch {
    // A function error fails the whole batch (Powertools throws when every record failed): nothing is deleted.
    invocationError = true;
  } finally {
    capture?.stop();
  }
  const durationMs = performance.now() - started;
  const failedIds = new Set(
    invocationError
      ? event.Records.map((record) => record.messageId)
      : (response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier),
  );
  const done = event.Records.filter((record) => !failedIds.has(record.messageId));
  if (done.length > 0) {
    await target.esm.sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: target.queue.url,
        Entries: done.map((record, k) => ({ Id: String(k), ReceiptHandle: record.receiptHandle })),
      }),
    );
  }
  return { records: event.Records.length, failed: failedIds.size, durationMs, invocationError };
}
