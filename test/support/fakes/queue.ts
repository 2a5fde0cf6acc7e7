import type { RunQueue } from '../../../lib/ports/queue';
import type { RunEnvelope } from '../../../lib/schemas/envelope';

/** The jobs queue as the API sees it: keeps every envelope sent. */
export class RecordingRunQueue implements RunQueue {
  readonly sent: RunEnvelope[] = [];
  /** When set, every send fails with it (SQS unreachable or refusing), and nothing is kept. */
  failure: Error | undefined;
  send(envelope: RunEnvelope): Promise<void> {
    if (this.failure !== undefined) return Promise.reject(this.failure);
    this.sent.push(envelope);
    return Promise.resolve();
  }
}
