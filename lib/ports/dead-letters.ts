/** The two dead-letter queues: the worker's (`jobs`) and EventBridge Scheduler's (`delivery`). */
export const DEAD_LETTER_QUEUES = ['jobs', 'delivery'] as const;
export type DeadLetterQueue = (typeof DEAD_LETTER_QUEUES)[number];

/** One message attribute as SQS holds it; a move sends it back unchanged. */
export interface DeadLetterAttribute {
  /** `String`, `Number` or `Binary`, optionally with a `.label`. */
  readonly dataType: string;
  readonly stringValue?: string;
  readonly binaryValue?: Uint8Array;
}

/**
 * A message received from a DLQ and hidden from every other receiver until it is released, removed, or its hide
 * ends by itself (so a caller that stops half-way loses nothing).
 */
export interface HeldDeadLetter {
  readonly queue: DeadLetterQueue;
  readonly messageId: string;
  /** This receive's handle: releasing or removing the message needs it. */
  readonly receiptHandle: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, DeadLetterAttribute>>;
  /** SQS SentTimestamp: when the message was put in the DLQ. */
  readonly sentAt: Date;
  /** SQS ApproximateReceiveCount, this receive included. */
  readonly receiveCount: number;
}

export interface DeadLetterReceive {
  /** 1 to 10 messages. */
  readonly max: number;
  /** How long the messages stay hidden from other receivers unless released first (seconds). */
  readonly hideSeconds: number;
  /** How long to wait for a message when none is visible (seconds, 0 to 20). */
  readonly waitSeconds: number;
}

/** Approximate counts of a queue, as SQS reports them (they may lag behind by a minute). */
export interface DeadLetterDepth {
  /** Messages a receive could return. */
  readonly visible: number;
  /** Messages received and hidden, by this or another receiver. */
  readonly inFlight: number;
}

/** A message that could not be removed; it stays in its DLQ and is visible again once its hide ends. */
export interface RemoveFailure {
  readonly messageId: string;
  readonly reason: string;
}

/**
 * The jobs DLQ and the delivery DLQ, as operators triage them (README.md#redriving-a-dlq): look at what is
 * in them without losing anything, move messages back to the jobs queue, delete them.
 */
export interface DeadLetterQueues {
  /** Up to `max` visible messages, hidden for `hideSeconds` from the moment they are received. */
  receive(queue: DeadLetterQueue, request: DeadLetterReceive): Promise<HeldDeadLetter[]>;
  /** Makes the messages visible again at once; one deleted or whose hide already ended is passed over. */
  release(letters: readonly HeldDeadLetter[]): Promise<void>;
  /** Deletes the messages from their queue; the ones it could not delete are returned with why. */
  remove(letters: readonly HeldDeadLetter[]): Promise<RemoveFailure[]>;
  /** Sends the message to the jobs queue with the same body and message attributes (the DLQ copy stays). */
  sendToJobsQueue(letter: HeldDeadLetter): Promise<void>;
  depth(queue: DeadLetterQueue): Promise<DeadLetterDepth>;
}
