import { setTimeout as sleep } from 'node:timers/promises';
import { SendMessageBatchCommand, SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { DelayedOccurrence, OccurrenceQueue, RunQueue } from '../../ports/queue';
import type { QueueEnvelope } from '../../schemas/envelope';

/** SQS SendMessageBatch takes at most 10 entries. */
const BATCH_LIMIT = 10;
/** Sends of the entries SQS refused in a batch (throttled, or an internal error), before giving up. */
const ENTRY_ATTEMPTS = 3;
/** The pause before sending refused entries again, times the attempt. */
const ENTRY_RETRY_PAUSE_MS = 100;

export class QueueSendError extends Error {
  override readonly name = 'QueueSendError';
}

/** The jobs queue: single sends (run-now, a first tick) and a tick's delayed occurrences in batches. */
export class SqsRunQueue implements RunQueue, OccurrenceQueue {
  readonly batchLimit = BATCH_LIMIT;

  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(envelope: QueueEnvelope): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(envelope) }));
  }

  async sendDelayed(occurrences: readonly DelayedOccurrence[]): Promise<void> {
    if (occurrences.length > BATCH_LIMIT) {
      throw new RangeError(`at most ${BATCH_LIMIT} occurrences a call, got ${occurrences.length}`);
    }
    let pending = occurrences.map((occurrence, index) => ({ Id: String(index), occurrence }));
    for (let attempt = 1; pending.length > 0; attempt++) {
      const { Failed = [] } = await this.client.send(
        new SendMessageBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: pending.map(({ Id, occurrence }) => ({
            Id,
            MessageBody: JSON.stringify(occurrence.envelope),
            DelaySeconds: occurrence.delaySeconds,
          })),
        }),
      );
      const failedIds = new Set(Failed.map((entry) => entry.Id));
      const refused = Failed.filter((entry) => entry.SenderFault === true);
      if (refused.length > 0 || (failedIds.size > 0 && attempt >= ENTRY_ATTEMPTS)) {
        const first = Failed[0];
        throw new QueueSendError(
          `SQS did not take ${failedIds.size} of ${pending.length} occurrences: ${first?.Code ?? 'unknown'} ${first?.Message ?? ''}`.trim(),
        );
      }
      pending = pending.filter((entry) => failedIds.has(entry.Id));
      if (pending.length > 0) await sleep(ENTRY_RETRY_PAUSE_MS * attempt);
    }
  }
}
