import type { TickCoverage } from '../domain/tick';
import type { Page } from './job-store';
import type { Run, RunError, RunStatus } from '../schemas/run';

/** A listing's filter and cursor; absent or undefined means not given (they come from query strings). */
export interface RunListQuery {
  readonly status?: RunStatus | undefined;
  readonly limit: number;
  readonly cursor?: string | undefined;
}

/** Read side of the run ledger, used by the API. The worker's write side extends it. */
export interface RunReader {
  get(jobId: string, runId: string): Promise<Run | undefined>;
  /** Newest first. */
  list(jobId: string, query: RunListQuery): Promise<Page<Run>>;
}

/**
 * What the API writes to the ledger: a run-now occurrence recorded as `queued` before its message is sent, so the
 * run id it returns answers at once. The worker's first claim takes the queued item as it takes a missing one.
 */
export interface QueuedRuns extends RunReader {
  /** Records the occurrence as `queued` at `at`; its id is new, so an existing item is an error. */
  enqueue(occurrence: Occurrence, at: Date): Promise<void>;
  /** Removes a `queued` record whose message could not be sent; a run the worker has begun is left as it is. */
  withdraw(occurrence: Occurrence): Promise<void>;
}

/** One scheduled (or run-now) occurrence of a job: the ledger's key (docs/design.md#the-occurrence-key). */
export interface Occurrence {
  readonly jobId: string;
  readonly runId: string;
  readonly scheduledTime: Date;
  readonly kind: 'schedule' | 'manual';
}

/** What a write found in the ledger when its condition did not hold. */
export interface LedgerEntry {
  readonly status: RunStatus;
  readonly attempts: number;
  /** Set while a worker holds the run; in the past once it has lapsed or been released. */
  readonly leaseUntil?: Date;
  /** How many times an operator redrove the occurrence from the DLQ; 0 when never. */
  readonly redrives: number;
  /**
   * The message whose delivery holds (or last held) the run. A second receive of that same message must not be
   * acknowledged while the hold lives: acknowledging deletes the one message that would bring the run back.
   */
  readonly holderMessageId?: string;
  /** The message whose attempts failed the run for good: when it comes back, its DLQ copy may be missing. */
  readonly failedMessageId?: string;
  readonly error?: RunError;
}

/**
 * The state a conditional write expects: not started (a first attempt: no item yet, or the `queued` item run-now
 * wrote), a `running` item whose lease has lapsed after exactly `attempts` attempts (a retry, or a re-claim after a
 * crash), or a `failed` item redriven exactly `redrives` times before (an operator's redrive from the DLQ, which
 * starts a fresh attempt budget).
 */
export type LedgerExpectation =
  | { readonly kind: 'absent' }
  | { readonly kind: 'lapsed'; readonly attempts: number; readonly redrives?: number }
  | { readonly kind: 'failed'; readonly redrives: number };

export interface ClaimRequest {
  readonly occurrence: Occurrence;
  readonly expect: LedgerExpectation;
  /** Identifies this worker's hold on the run; completion is conditional on it. */
  readonly token: string;
  /** The SQS message being handled, kept on the item as its `holderMessageId`. */
  readonly messageId?: string;
  readonly now: Date;
  /** When the hold lapses if never released: never later than the invocation's deadline. */
  readonly leaseUntil: Date;
  /** The concurrency slot (0 .. maxConcurrent-1) taken in the same write, when the job's limit applies. */
  readonly slot?: number;
  /**
   * The job's current limit, with `slot`. Slots at or above it are left from a higher limit; while one of them is
   * held by a live lease, no slot is taken (`slot-taken`), so lowering the limit holds at once.
   */
  readonly maxConcurrent?: number;
}

export type ClaimResult =
  /** `redrives`: the occurrence's redrive count, which the DLQ copy of a failure carries. */
  | { readonly kind: 'claimed'; readonly attempt: number; readonly redrives: number }
  /** The ledger item is not in the expected state; `current` is undefined when there is no item. */
  | { readonly kind: 'conflict'; readonly current: LedgerEntry | undefined }
  | { readonly kind: 'slot-taken' }
  /** Concurrent writers collided inside DynamoDB; trying again shortly is safe. */
  | { readonly kind: 'contention' };

/** A run this worker holds. */
export interface Claim {
  readonly occurrence: Occurrence;
  readonly token: string;
  readonly attempt: number;
  readonly redrives: number;
  readonly startedAt: Date;
  readonly slot?: number;
  /** When the hold lapses if never released: the invocation's deadline. */
  readonly leaseUntil?: Date;
}

/** An outcome recorded without running the target. */
export interface RecordedOutcome {
  readonly status: 'missed' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly error?: RunError;
  readonly at: Date;
  /** For `failed`: the message to dead-letter, so that its redelivery can tell its DLQ copy may be missing. */
  readonly messageId?: string;
}

export type RecordResult =
  { readonly kind: 'recorded' } | { readonly kind: 'conflict'; readonly current: LedgerEntry | undefined };

export interface FinishedRun {
  readonly status: 'succeeded' | 'failed';
  readonly finishedAt: Date;
  readonly durationMs: number;
  readonly result?: unknown;
  readonly error?: RunError;
  /** For `failed`: the message to dead-letter, so that its redelivery can tell its DLQ copy may be missing. */
  readonly messageId?: string;
  /**
   * The attempt may still be running (it timed out and did not stop when aborted): the slot stays held until then
   * instead of being freed, so no other run of the job starts beside it.
   */
  readonly holdSlotUntil?: Date;
}

/**
 * Write side of the run ledger, used by the worker. Every write is conditional, so at-least-once deliveries
 * produce one outcome per occurrence (docs/design.md#the-run-ledger).
 */
export interface RunLedger extends RunReader {
  /** The exactly-once claim, and the concurrency slot with it: one conditional write. */
  claim(request: ClaimRequest): Promise<ClaimResult>;
  /** Records an outcome that needs no run (missed, skipped, or failed before running). */
  record(occurrence: Occurrence, expect: LedgerExpectation, outcome: RecordedOutcome): Promise<RecordResult>;
  /**
   * Records the result of a held run and frees its slot. Throws LeaseLostError when the hold was lost. Sent again
   * after it committed (its response lost), it resolves: the ledger shows this claim's own result.
   */
  finish(claim: Claim, run: FinishedRun): Promise<void>;
  /**
   * Keeps the error of a failed attempt, lapses the hold and frees the slot so the retry can claim it. Like
   * finish, throws LeaseLostError when the hold was lost; sent again after it committed, it writes the same values.
   * With `holdUntil` (the attempt may still be running), the run's lease and the slot stay held until then instead.
   */
  release(claim: Claim, error: RunError, at: Date, holdUntil?: Date): Promise<void>;
}

/**
 * Where a second-precision job's ticks stopped (docs/design.md#second-precision): an item beside its runs. Every
 * advance is conditional on the coverage read before it, so two deliveries of one tick cannot both move it.
 */
export interface TickCoverageStore {
  /** Strongly consistent: the coverage the last advance left, or undefined when there is none. */
  coverage(jobId: string): Promise<TickCoverage | undefined>;
  /**
   * Records `next` while the coverage is still `expected` (undefined: none yet); false when another tick moved it
   * first, which then changes nothing.
   */
  advanceCoverage(jobId: string, expected: TickCoverage | undefined, next: TickCoverage): Promise<boolean>;
}
