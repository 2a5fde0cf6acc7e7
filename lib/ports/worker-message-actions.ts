import type { RunError } from '../schemas/run';

/** One delivery from the jobs queue, as the worker needs it. */
export interface InboundMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** SQS SentTimestamp: stands in for the scheduled time when an emulator leaves the placeholder. */
  readonly sentAt: Date;
  readonly receiveCount: number;
}

export interface DeadLetterNote {
  /** `exhausted`: attempts used up or not retryable; `unparseable`: not a run envelope. */
  readonly reason: 'exhausted' | 'unparseable';
  readonly detail: string;
  readonly error?: RunError;
  readonly jobId?: string;
  readonly runId?: string;
  readonly attempts?: number;
}

/** What the worker does to a message besides acknowledging it through the batch response. */
export interface MessageActions {
  /** The message comes back after `delaySeconds` (ChangeMessageVisibility); the record is reported failed. */
  retryLater(message: InboundMessage, delaySeconds: number): Promise<void>;
  /** Copies the message, with why, to the jobs DLQ; the caller then acknowledges it. */
  deadLetter(message: InboundMessage, note: DeadLetterNote): Promise<void>;
}
