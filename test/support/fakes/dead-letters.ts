import type { Clock } from '../../../lib/ports/clock';
import type {
  DeadLetterAttribute,
  DeadLetterDepth,
  DeadLetterQueue,
  DeadLetterQueues,
  DeadLetterReceive,
  HeldDeadLetter,
  RemoveFailure,
} from '../../../lib/ports/dead-letters';

interface StoredLetter {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Record<string, DeadLetterAttribute>;
  readonly sentAt: Date;
  receiveCount: number;
  hiddenUntil: number;
  receiptHandle: string | undefined;
}

export interface SentToJobsQueue {
  readonly fromMessageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, DeadLetterAttribute>>;
}

/**
 * Both DLQs in memory, as SQS keeps them: a receive hides what it returns for its hide time and hands out a new
 * receipt handle, release and remove need the latest one, and a send to the jobs queue is recorded in `sent`. Held
 * to SqsDeadLetterQueues by test/contract/dead-letters.test.ts.
 */
export class InMemoryDeadLetterQueues implements DeadLetterQueues {
  readonly sent: SentToJobsQueue[] = [];
  /** Every receive, for tests that count them. */
  readonly receives: { queue: DeadLetterQueue; request: DeadLetterReceive }[] = [];
  /** Message ids whose send to the jobs queue fails (SQS refusing it). */
  readonly failingSends = new Set<string>();
  /** Message ids whose removal fails (as a DeleteMessageBatch entry SQS refuses). */
  readonly failingRemoves = new Set<string>();
  /** When set, the next release calls fail with it (SQS unreachable). */
  releaseFailure: Error | undefined;
  /** When set, depth answers this instead of the counts (SQS's approximations lagging). */
  depthOverride: Partial<Record<DeadLetterQueue, DeadLetterDepth>> = {};

  private readonly queues: Record<DeadLetterQueue, StoredLetter[]> = { jobs: [], delivery: [] };
  private nextId = 1;
  private nextReceipt = 1;

  constructor(private readonly clock: Clock = { now: () => new Date() }) {}

  /** Puts a message in a DLQ, as the worker, SQS's redrive policy or Scheduler would; returns its id. */
  put(
    queue: DeadLetterQueue,
    body: string,
    attributes: Record<string, DeadLetterAttribute> = {},
    sentAt: Date = this.clock.now(),
  ): string {
    const messageId = `msg-${String(this.nextId++).padStart(4, '0')}`;
    this.queues[queue].push({
      messageId,
      body,
      attributes,
      sentAt,
      receiveCount: 0,
      hiddenUntil: 0,
      receiptHandle: undefined,
    });
    return messageId;
  }

  /** The ids left in a queue, hidden or not. */
  ids(queue: DeadLetterQueue): string[] {
    return this.queues[queue].map((letter) => letter.messageId);
  }

  /** The ids of a queue's messages a receive could return now. */
  visibleIds(queue: DeadLetterQueue): string[] {
    const now = this.clock.now().getTime();
    return this.queues[queue].filter((letter) => letter.hiddenUntil <= now).map((letter) => letter.messageId);
  }

  receive(queue: DeadLetterQueue, request: DeadLetterReceive): Promise<HeldDeadLetter[]> {
    this.receives.push({ queue, request });
    const now = this.clock.now().getTime();
    const visible = this.queues[queue].filter((letter) => letter.hiddenUntil <= now).slice(0, request.max);
    return Promise.resolve(
      visible.map((letter) => {
        letter.receiveCount += 1;
        letter.hiddenUntil = now + request.hideSeconds * 1000;
        letter.receiptHandle = `receipt-${this.nextReceipt++}`;
        return {
          queue,
          messageId: letter.messageId,
          receiptHandle: letter.receiptHandle,
          body: letter.body,
          attributes: letter.attributes,
          sentAt: letter.sentAt,
          receiveCount: letter.receiveCount,
        };
      }),
    );
  }

  release(letters: readonly HeldDeadLetter[]): Promise<void> {
    if (this.releaseFailure !== undefined) return Promise.reject(this.releaseFailure);
    for (const held of letters) {
      const letter = this.find(held);
      if (letter !== undefined) letter.hiddenUntil = 0;
    }
    return Promise.resolve();
  }

  remove(letters: readonly HeldDeadLetter[]): Promise<RemoveFailure[]> {
    const failures: RemoveFailure[] = [];
    for (const held of letters) {
      const letter = this.find(held);
      if (letter === undefined || this.failingRemoves.has(held.messageId)) {
        failures.push({
          messageId: held.messageId,
          reason: 'ReceiptHandleIsInvalid: The input receipt handle is invalid.',
        });
        continue;
      }
      this.queues[held.queue] = this.queues[held.queue].filter((each) => each !== letter);
    }
    return Promise.resolve(failures);
  }

  sendToJobsQueue(letter: HeldDeadLetter): Promise<void> {
    if (this.failingSends.has(letter.messageId)) {
      return Promise.reject(Object.assign(new Error('injected send failure'), { name: 'InternalError' }));
    }
    this.sent.push({ fromMessageId: letter.messageId, body: letter.body, attributes: letter.attributes });
    return Promise.resolve();
  }

  depth(queue: DeadLetterQueue): Promise<DeadLetterDepth> {
    const override = this.depthOverride[queue];
    if (override !== undefined) return Promise.resolve(override);
    const now = this.clock.now().getTime();
    const letters = this.queues[queue];
    const visible = letters.filter((letter) => letter.hiddenUntil <= now).length;
    return Promise.resolve({ visible, inFlight: letters.length - visible });
  }

  /** The stored message a held one names, while its receipt handle is the latest one. */
  private find(held: HeldDeadLetter): StoredLetter | undefined {
    return this.queues[held.queue].find(
      (letter) => letter.messageId === held.messageId && letter.receiptHandle === held.receiptHandle,
    );
  }
}
