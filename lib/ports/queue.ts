import type { QueueEnvelope, ScheduledEnvelope } from '../schemas/envelope';

/** The jobs queue, as seen by the API: run-now, and the first tick of a second-precision job. */
export interface RunQueue {
  send(envelope: QueueEnvelope): Promise<void>;
}

/** An occurrence a tick puts on the jobs queue, delayed so that it arrives at its second. */
export interface DelayedOccurrence {
  readonly envelope: ScheduledEnvelope;
  /** 0-900 (SQS DelaySeconds). */
  readonly delaySeconds: number;
}

/** The jobs queue, as seen by a tick. */
export interface OccurrenceQueue {
  /** The largest number of occurrences one sendDelayed call takes (SQS SendMessageBatch: 10). */
  readonly batchLimit: number;
  /** Sends them all, or throws after retrying the ones SQS refused; some may have been sent then. */
  sendDelayed(occurrences: readonly DelayedOccurrence[]): Promise<void>;
}
