import { ID_PATTERN } from '../../schemas/job';
import type { DeadLetterDepth, DeadLetterQueue, HeldDeadLetter } from '../../ports/dead-letters';
import type { deadLetterSchema } from '../../schemas/api';
import type { ErrorCategory, Run } from '../../schemas/run';
import type * as z from 'zod';
import type { DeadLetterDeps } from './deps';
import { staleReasonOf, type DescribedDeadLetter, type StaleReason } from './describe';

export type DeadLetterItem = z.output<typeof deadLetterSchema>;
export type QueueChoice = DeadLetterQueue | 'all';

/** SQS returns at most 10 messages a receive. */
const RECEIVE_MAX = 10;
const RUN_ID_PATTERN = /^[A-Za-z0-9_.-]{1,80}$/;

export const queuesOf = (choice: QueueChoice): DeadLetterQueue[] =>
  choice === 'all' ? ['jobs', 'delivery'] : [choice];

/** An error as one line for a response: its name and message, never a stack. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

/**
 * The messages one call holds hidden, each under its latest receipt handle. Whatever the call did not remove is
 * released when it ends, so a listing consumes nothing and a redrive leaves what it did not move as it found it.
 */
export class HeldLetters {
  private readonly held = new Map<string, HeldDeadLetter>();

  private static key(letter: HeldDeadLetter): string {
    return `${letter.queue}|${letter.messageId}`;
  }

  /** Holds the message; true when this call had not received it before. */
  hold(letter: HeldDeadLetter): boolean {
    const key = HeldLetters.key(letter);
    const fresh = !this.held.has(key);
    this.held.set(key, letter);
    return fresh;
  }

  /** The message is gone from its queue: nothing to release. */
  forget(letter: HeldDeadLetter): void {
    this.held.delete(HeldLetters.key(letter));
  }

  /** Makes every message still held visible again; a failure only delays them until their hide ends. */
  async releaseAll(deps: Pick<DeadLetterDeps, 'deadLetters' | 'log'>): Promise<void> {
    const letters = [...this.held.values()];
    this.held.clear();
    if (letters.length === 0) return;
    try {
      await deps.deadLetters.release(letters);
    } catch (error) {
      deps.log.warn('could not make DLQ messages visible again; they will be once their hide ends', {
        messages: letters.length,
        error: errorText(error),
      });
    }
  }
}

export interface SweepResult {
  readonly depth: DeadLetterDepth;
  /** True when the queue ran dry: every message visible in it was handed over. */
  readonly drained: boolean;
  /** How many messages were handed over. */
  readonly examined: number;
}

/**
 * Receives a queue's messages batch by batch and hands each one to `onBatch` once, until the queue runs dry, the
 * deadline passes or `onBatch` answers false. Everything received stays hidden (held) until the call releases it,
 * so nothing is received twice, and each hide ends by itself a margin after the deadline should the call die.
 * A queue whose approximate count is 0 is not received from; a last receive waits a second only while fewer
 * messages were seen than the count promised, so an empty queue costs no wait.
 */
export async function sweep(
  deps: DeadLetterDeps,
  queue: DeadLetterQueue,
  held: HeldLetters,
  deadlineMs: number,
  onBatch: (letters: HeldDeadLetter[]) => Promise<boolean>,
): Promise<SweepResult> {
  const depth = await deps.deadLetters.depth(queue);
  if (depth.visible === 0) return { depth, drained: true, examined: 0 };
  let examined = 0;
  for (let now = deps.clock.now().getTime(); now < deadlineMs; now = deps.clock.now().getTime()) {
    const hideSeconds = Math.ceil((deadlineMs - now) / 1000) + deps.settings.hideMarginSeconds;
    const batch = await deps.deadLetters.receive(queue, {
      max: RECEIVE_MAX,
      hideSeconds,
      waitSeconds: examined < depth.visible ? 1 : 0,
    });
    if (batch.length === 0) return { depth, drained: true, examined };
    const fresh = batch.filter((letter) => held.hold(letter));
    // Only messages seen before: their hides ended early, and receiving more would go round in circles.
    if (fresh.length === 0) return { depth, drained: false, examined };
    examined += fresh.length;
    if (!(await onBatch(fresh))) return { depth, drained: false, examined };
  }
  return { depth, drained: false, examined };
}

export interface DeadLetterFilter {
  readonly jobId?: string | undefined;
  readonly errorCategory?: ErrorCategory | undefined;
  readonly messageIds?: ReadonlySet<string> | undefined;
}

export function matches(described: DescribedDeadLetter, filter: DeadLetterFilter): boolean {
  if (filter.messageIds !== undefined && !filter.messageIds.has(described.letter.messageId)) return false;
  if (filter.jobId !== undefined && described.jobId !== filter.jobId) return false;
  if (filter.errorCategory !== undefined && described.errorCategory !== filter.errorCategory) return false;
  return true;
}

export interface Standing {
  readonly staleReason?: StaleReason;
  readonly run?: Run;
}

/** The job and run reads of one call, each made once however many copies name them. */
export class LedgerLookups {
  private readonly jobs = new Map<string, Promise<boolean>>();
  private readonly runs = new Map<string, Promise<Run | undefined>>();

  constructor(private readonly deps: Pick<DeadLetterDeps, 'jobs' | 'runs'>) {}

  /** Whether a redrive would run the message, and the run as the ledger has it. */
  async standing(described: DescribedDeadLetter): Promise<Standing> {
    const { jobId, runId } = described;
    // Ids that are not a job's (from a body that is not an envelope) name nothing to read.
    const readable = jobId !== undefined && ID_PATTERN.test(jobId) && described.claim !== 'none';
    const [jobExists, run] = readable
      ? await Promise.all([
          this.jobExists(jobId),
          runId !== undefined && RUN_ID_PATTERN.test(runId) ? this.run(jobId, runId) : undefined,
        ])
      : [undefined, undefined];
    const staleReason = staleReasonOf(described, jobExists, run);
    return { ...(staleReason !== undefined && { staleReason }), ...(run !== undefined && { run }) };
  }

  private jobExists(jobId: string): Promise<boolean> {
    let read = this.jobs.get(jobId);
    if (read === undefined) {
      read = this.deps.jobs.get(jobId).then((job) => job !== undefined);
      this.jobs.set(jobId, read);
    }
    return read;
  }

  private run(jobId: string, runId: string): Promise<Run | undefined> {
    const key = `${jobId}|${runId}`;
    let read = this.runs.get(key);
    if (read === undefined) {
      read = this.deps.runs.get(jobId, runId);
      this.runs.set(key, read);
    }
    return read;
  }
}

/** The message as GET /dlq lists it. */
export function itemOf(described: DescribedDeadLetter, standing: Standing): DeadLetterItem {
  const { letter } = described;
  return {
    queue: letter.queue,
    messageId: letter.messageId,
    ...(described.jobId !== undefined && { jobId: described.jobId }),
    ...(described.runId !== undefined && { runId: described.runId }),
    ...(described.scheduledTime !== undefined && { scheduledTime: described.scheduledTime.toISOString() }),
    reason: described.reason,
    ...(described.detail !== undefined && { detail: described.detail }),
    ...(described.errorCategory !== undefined && { errorCategory: described.errorCategory }),
    ...(described.error !== undefined && { error: described.error }),
    ...(described.attempts !== undefined && { attempts: described.attempts }),
    redrives: described.redrives,
    sentAt: letter.sentAt.toISOString(),
    ...(standing.run !== undefined && { runStatus: standing.run.status }),
    stale: standing.staleReason !== undefined,
    ...(standing.staleReason !== undefined && { staleReason: standing.staleReason }),
  };
}

export interface DeadLetterRef {
  readonly queue: DeadLetterQueue;
  readonly messageId: string;
  readonly jobId?: string;
  readonly runId?: string;
}

export function refOf(described: DescribedDeadLetter): DeadLetterRef {
  return {
    queue: described.letter.queue,
    messageId: described.letter.messageId,
    ...(described.jobId !== undefined && { jobId: described.jobId }),
    ...(described.runId !== undefined && { runId: described.runId }),
  };
}

/**
 * What a call that acts (redrive, purge) reports as left: the matching messages it saw and had no time for, the
 * named ones it did not find while a queue was left unread, and, without names, the approximate count of messages
 * it never looked at in the queues it did not finish; at least 1 while a queue is unfinished, so a caller calls
 * again until it reads 0.
 */
export class Leftovers {
  private seenButLeft = 0;
  private unread = 0;
  private allDrained = true;

  /** Matching messages seen too late to act on. */
  leave(count = 1): void {
    this.seenButLeft += count;
  }

  /** A queue's sweep; `finished` when nothing more was wanted from it (every named message found). */
  swept(result: SweepResult, finished: boolean): void {
    if (result.drained || finished) return;
    this.allDrained = false;
    this.unread += Math.max(0, result.depth.visible - result.examined);
  }

  /** `remaining` and `notFound` of the response; `missing` are the named ids found nowhere. */
  summary(missing?: readonly string[]): { remaining: number; notFound?: string[] } {
    if (this.allDrained) {
      return { remaining: this.seenButLeft, ...(missing !== undefined && { notFound: [...missing] }) };
    }
    const left = this.seenButLeft + (missing === undefined ? this.unread : missing.length);
    return { remaining: Math.max(1, left) };
  }
}
