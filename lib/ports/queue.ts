import type { RunEnvelope } from '../schemas/envelope';

/** The jobs queue, as seen by the API (run-now). */
export interface RunQueue {
  send(envelope: RunEnvelope): Promise<void>;
}
