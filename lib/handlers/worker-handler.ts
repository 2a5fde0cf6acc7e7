import type { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Metrics } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { InboundMessage } from '../ports/worker-message-actions';
import { processBatch, type WorkerDeps } from '../use-cases/run-occurrence';

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
