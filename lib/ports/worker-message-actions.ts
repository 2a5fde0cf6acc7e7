import type { RunError } from '../schemas/run';

/** One delivery from the jobs queue, as the worker needs it. */
export interface InboundMessage {
  readonly messageId: string;
  readonly receiptHandle: string;
  readonly body: string;
  /** SQS SentTimestamp: stands in for the scheduled time when an emulator leaves the placeholder. */
  readonly sentAt: Date;
  /** SQS ApproximateFirstReceiveTimestamp: when the occurrence's first attempt began, whatever came after. */
  readonly firstReceivedAt: Date;
  readonly receiveCount: number;
  /** String message attributes; a dead-lettered copy carries the `sked-*` ones below, and keeps them when redriven. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * Message attributes of a DLQ copy. The worker reads `reason`, `runId`, `scheduledTime` and `redrives` back when the
 * copy is redriven to the jobs queue; `jobId` and `errorCategory` are there to filter by; `failure` holds the rest
 * as JSON (a DeadLetterFailure). SQS allows 10 attributes a message; a copy carries at most 8.
 */
export const DEAD_LETTER_ATTRIBUTES = {
  reason: 'sked-reason',
  detail: 'sked-detail',
  jobId: 'sked-job-id',
  runId: 'sked-run-id',
  scheduledTime: 'sked-scheduled-time',
  /** The occurrence's redrive count when it failed: a redrive claims the run only while the ledger still says so. */
  redrives: 'sked-redrives',
  errorCategory: 'sked-error-category',
  failure: 'sked-failure',
} as const;

/** The `sked-failure` attribute of a DLQ copy: the delivery it came from, the attempts and the last error. */
export interface DeadLetterFailure {
  readonly sourceMessageId: string;
  readonly receiveCount: number;
  readonly attempts?: number;
  readonly error?: { readonly class: string; readonly message: string };
}

export interface DeadLetterNote {
  /** `exhausted`: attempts used up or not retryable; `unparseable`: not a run envelope. */
  readonly reason: 'exhausted' | 'unparseable';
  readonly detail: string;
  readonly error?: RunError;
  readonly jobId?: string;
  readonly runId?: string;
  readonly scheduledTime?: Date;
  readonly attempts?: number;
  readonly redrives?: number;
}

/** What the worker does to a message besides acknowledging it through the batch response. */
export interface MessageActions {
  /** The message comes back after `delaySeconds` (ChangeMessageVisibility); the record is reported failed. */
  retryLater(message: InboundMessage, delaySeconds: number): Promise<void>;
  /** Copies the message, with why, to the jobs DLQ; the caller then acknowledges it. */
  deadLetter(message: InboundMessage, note: DeadLetterNote): Promise<void>;
}
