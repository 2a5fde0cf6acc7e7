import type { RunQueue } from '../../../lib/ports/queue';
import type { RunEnvelope } from '../../../lib/schemas/envelope';

/** The jobs queue as the API sees it: keeps every envelope sent. */
export class RecordingRunQueue implements RunQueue {
  readonly sent: RunEnvelope[] = [];
  send(envelope: RunEnvelope): Promise<void> {
    this.sent.push(envelope);
    return Promise.resolve();
  }
}
