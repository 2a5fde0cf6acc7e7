import type { DelayedOccurrence, OccurrenceQueue, RunQueue } from '../../../lib/ports/queue';
import type { QueueEnvelope } from '../../../lib/schemas/envelope';

/** The jobs queue: keeps every envelope sent, and a tick's delayed occurrences with their delays. */
export class RecordingRunQueue implements RunQueue, OccurrenceQueue {
  readonly batchLimit = 10;
  readonly sent: QueueEnvelope[] = [];
  readonly delayed: DelayedOccurrence[] = [];
  /** When set, every send fails with it (SQS unreachable or refusing), and nothing is kept. */
  failure: Error | undefined;
  /** When set, delayed sends succeed this many times more, then fail with `failure` (a crash mid-enqueue). */
  delayedSendsBeforeFailure: number | undefined;

  send(envelope: QueueEnvelope): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.sent.push(envelope);
    return Promise.resolve();
  }

  sendDelayed(occurrences: readonly DelayedOccurrence[]): Promise<void> {
    if (occurrences.length > this.batchLimit) return Promise.reject(new RangeError('too many occurrences'));
    if (this.delayedSendsBeforeFailure !== undefined) {
      if (this.delayedSendsBeforeFailure <= 0) return Promise.reject(this.failure ?? new Error('queue unavailable'));
      this.delayedSendsBeforeFailure -= 1;
    } else if (this.failure !== undefined) {
      return Promise.reject(this.failure);
    }
    this.delayed.push(...occurrences);
    return Promise.resolve();
  }
}
