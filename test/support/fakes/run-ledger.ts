import { decodeCursor, encodeCursor } from '../../../lib/adapters/aws/cursor';
import { RUNS_TABLE } from '../../../lib/adapters/aws/table-layout';
import { LeaseLostError } from '../../../lib/domain/worker-errors';
import type { Page } from '../../../lib/ports/job-store';
import type {
  Claim,
  ClaimRequest,
  ClaimResult,
  FinishedRun,
  LedgerEntry,
  LedgerExpectation,
  Occurrence,
  QueuedRuns,
  RecordResult,
  RecordedOutcome,
  RunLedger,
  RunListQuery,
} from '../../../lib/ports/run-ledger';
import { runSchema, type Run, type RunError } from '../../../lib/schemas/run';

const { partitionKey, sortKey, runPrefix } = RUNS_TABLE;

/** A ledger item: the run as the API shows it, plus the worker's hold and the redrive bookkeeping. */
export interface StoredRun extends Omit<Run, 'result'> {
  /** As the worker wrote it; reads parse it as the adapter's schema does. */
  result?: unknown;
  leaseUntil?: number;
  token?: string;
  holderMessageId?: string;
  failedMessageId?: string;
  lastAttemptFinishedAt?: string;
}

interface StoredSlot {
  holder?: string;
  token?: string;
  leaseUntil?: number;
}

/** The API's view of an item, parsed by the schema the adapter reads items with. */
function visible(run: StoredRun): Run {
  return runSchema.parse(structuredClone(run));
}

/**
 * The run ledger in memory, with the DynamoDB adapter's conditions and writes: each claim, record, finish and release
 * sets and removes the attributes the adapter's update expression does, and reads keep what its schema keeps. Time is
 * what the caller passes (`now` of a claim, `at` of an outcome), as for the adapter.
 */
export class InMemoryRunLedger implements RunLedger, QueuedRuns {
  /** Ledger items by `${jobId}|${runId}`. */
  readonly runs = new Map<string, StoredRun>();
  readonly slots = new Map<string, StoredSlot>();
  /** Every write attempted, in order, for assertions on what was tried. */
  readonly writes: string[] = [];

  private key(jobId: string, runId: string): string {
    return `${jobId}|${runId}`;
  }

  private slotKey(jobId: string, slot: number): string {
    return `${jobId}|${slot}`;
  }

  private entry(run: StoredRun | undefined): LedgerEntry | undefined {
    if (run === undefined) return undefined;
    return {
      status: run.status,
      attempts: run.attempts,
      redrives: run.redrives ?? 0,
      ...(run.leaseUntil !== undefined && { leaseUntil: new Date(run.leaseUntil) }),
      ...(run.holderMessageId !== undefined && { holderMessageId: run.holderMessageId }),
      ...(run.failedMessageId !== undefined && { failedMessageId: run.failedMessageId }),
      ...(run.error !== undefined && { error: structuredClone(run.error) }),
    };
  }

  private matches(run: StoredRun | undefined, expect: LedgerExpectation, now: Date): boolean {
    switch (expect.kind) {
      case 'absent':
        return run === undefined || run.status === 'queued';
      case 'lapsed':
        return (
          run?.status === 'running' &&
          run.leaseUntil !== undefined &&
          run.leaseUntil < now.getTime() &&
          run.attempts === expect.attempts
        );
      case 'failed':
        return run?.status === 'failed' && (run.redrives ?? 0) === expect.redrives;
    }
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    const { occurrence, expect, now, slot } = request;
    this.writes.push(`claim ${occurrence.runId} slot ${slot}`);
    const key = this.key(occurrence.jobId, occurrence.runId);
    const run = this.runs.get(key);
    if (!this.matches(run, expect, now)) return Promise.resolve({ kind: 'conflict', current: this.entry(run) });
    if (slot !== undefined) {
      // A slot left from a higher limit and still held counts against the current one.
      const overLimit = [...this.slots].some(([key, held]) => {
        const [jobId, index] = key.split('|');
        return (
          jobId === occurrence.jobId &&
          request.maxConcurrent !== undefined &&
          Number(index) >= request.maxConcurrent &&
          held.leaseUntil !== undefined &&
          held.leaseUntil >= now.getTime()
        );
      });
      if (overLimit) return Promise.resolve({ kind: 'slot-taken' });
      const held = this.slots.get(this.slotKey(occurrence.jobId, slot));
      const free =
        held?.leaseUntil === undefined || held.leaseUntil < now.getTime() || held.holder === occurrence.runId;
      if (!free) return Promise.resolve({ kind: 'slot-taken' });
      this.slots.set(this.slotKey(occurrence.jobId, slot), {
        holder: occurrence.runId,
        token: request.token,
        leaseUntil: request.leaseUntil.getTime(),
      });
    }
    // A redrive starts a fresh attempt budget and counts itself; other claims leave the counter as it is.
    const attempt = expect.kind === 'lapsed' ? expect.attempts + 1 : 1;
    const redrives =
      expect.kind === 'failed' ? expect.redrives + 1 : expect.kind === 'lapsed' ? (expect.redrives ?? 0) : 0;
    const {
      finishedAt: _finishedAt,
      durationMs: _durationMs,
      result: _result,
      reason: _reason,
      failedMessageId: _failed,
      holderMessageId: _holder,
      ...kept
    } = run ?? {};
    this.runs.set(key, {
      ...kept,
      ...(expect.kind === 'failed' && { redrives }),
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime.toISOString(),
      kind: occurrence.kind,
      status: 'running',
      attempts: attempt,
      startedAt: now.toISOString(),
      leaseUntil: request.leaseUntil.getTime(),
      token: request.token,
      ...(request.messageId !== undefined && { holderMessageId: request.messageId }),
    });
    return Promise.resolve({ kind: 'claimed', attempt, redrives });
  }

  record(occurrence: Occurrence, expect: LedgerExpectation, outcome: RecordedOutcome): Promise<RecordResult> {
    this.writes.push(`record ${occurrence.runId} ${outcome.status}`);
    const key = this.key(occurrence.jobId, occurrence.runId);
    const run = this.runs.get(key);
    if (!this.matches(run, expect, outcome.at)) return Promise.resolve({ kind: 'conflict', current: this.entry(run) });
    const { leaseUntil: _lease, token: _token, ...kept } = run ?? {};
    this.runs.set(key, {
      ...kept,
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime.toISOString(),
      kind: occurrence.kind,
      status: outcome.status,
      attempts: run?.attempts ?? 0,
      finishedAt: outcome.at.toISOString(),
      ...(outcome.reason !== undefined && { reason: outcome.reason }),
      ...(outcome.error !== undefined && { error: structuredClone(outcome.error) }),
      ...(outcome.status === 'failed' && outcome.messageId !== undefined && { failedMessageId: outcome.messageId }),
    });
    return Promise.resolve({ kind: 'recorded' });
  }

  /** The item this claim still holds: running with the claim's token. */
  private held(claim: Claim): StoredRun {
    const run = this.runs.get(this.key(claim.occurrence.jobId, claim.occurrence.runId));
    if (run === undefined || run.token !== claim.token || run.status !== 'running') {
      throw new LeaseLostError(claim.occurrence.jobId, claim.occurrence.runId);
    }
    return run;
  }

  /** Frees the claim's slot (or keeps it held until `holdUntil`) unless it lapsed and went to another run. */
  private freeSlot(claim: Claim, holdUntil?: Date): void {
    if (claim.slot === undefined) return;
    const key = this.slotKey(claim.occurrence.jobId, claim.slot);
    const held = this.slots.get(key);
    if (held?.token !== claim.token) return;
    this.slots.set(key, holdUntil === undefined ? {} : { ...held, leaseUntil: holdUntil.getTime() });
  }

  /** A write of this claim that already committed: sent again because its response was lost. */
  private alreadyWritten(claim: Claim, written: (run: StoredRun) => boolean): boolean {
    const run = this.runs.get(this.key(claim.occurrence.jobId, claim.occurrence.runId));
    return run !== undefined && run.token === claim.token && written(run);
  }

  finish(claim: Claim, result: FinishedRun): Promise<void> {
    this.writes.push(`finish ${claim.occurrence.runId} ${result.status}`);
    const finishedAt = result.finishedAt.toISOString();
    let run: StoredRun;
    try {
      run = this.held(claim);
    } catch (error) {
      if (this.alreadyWritten(claim, (stored) => stored.status === result.status && stored.finishedAt === finishedAt)) {
        return Promise.resolve();
      }
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    // A retried run that succeeds keeps no error of its earlier attempts.
    const { leaseUntil: _lease, error: _previous, ...kept } = run;
    this.runs.set(this.key(claim.occurrence.jobId, claim.occurrence.runId), {
      ...kept,
      status: result.status,
      finishedAt,
      durationMs: result.durationMs,
      ...(result.result !== undefined && { result: structuredClone(result.result) }),
      ...(result.error !== undefined && { error: structuredClone(result.error) }),
      ...(result.error !== undefined && result.messageId !== undefined && { failedMessageId: result.messageId }),
    });
    this.freeSlot(claim, result.holdSlotUntil);
    return Promise.resolve();
  }

  release(claim: Claim, error: RunError, at: Date, holdUntil?: Date): Promise<void> {
    this.writes.push(`release ${claim.occurrence.runId}`);
    const releasedAt = at.toISOString();
    let run: StoredRun;
    try {
      run = this.held(claim);
    } catch (lost) {
      return Promise.reject(lost instanceof Error ? lost : new Error(String(lost)));
    }
    // The lease lapses at once, so the retry (or a duplicate) may claim the next attempt; or, for an attempt that
    // may still be running, when it must have stopped.
    this.runs.set(this.key(claim.occurrence.jobId, claim.occurrence.runId), {
      ...run,
      error: structuredClone(error),
      leaseUntil: holdUntil?.getTime() ?? 0,
      lastAttemptFinishedAt: releasedAt,
    });
    this.freeSlot(claim, holdUntil);
    return Promise.resolve();
  }

  enqueue(occurrence: Occurrence, _at: Date): Promise<void> {
    this.writes.push(`enqueue ${occurrence.runId}`);
    const key = this.key(occurrence.jobId, occurrence.runId);
    const existing = this.runs.get(key);
    if (existing !== undefined) {
      // The adapter's own write sent again (its response lost) resolves; anything else already there is refused.
      const ownWrite =
        existing.status === 'queued' &&
        existing.kind === occurrence.kind &&
        existing.scheduledTime === occurrence.scheduledTime.toISOString();
      return ownWrite ? Promise.resolve() : Promise.reject(new Error(`run ${occurrence.runId} already exists`));
    }
    this.runs.set(key, {
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime.toISOString(),
      kind: occurrence.kind,
      status: 'queued',
      attempts: 0,
    });
    return Promise.resolve();
  }

  withdraw(occurrence: Occurrence): Promise<void> {
    this.writes.push(`withdraw ${occurrence.runId}`);
    const key = this.key(occurrence.jobId, occurrence.runId);
    if (this.runs.get(key)?.status === 'queued') this.runs.delete(key);
    return Promise.resolve();
  }

  get(jobId: string, runId: string): Promise<Run | undefined> {
    const run = this.runs.get(this.key(jobId, runId));
    return Promise.resolve(run === undefined ? undefined : visible(run));
  }

  /** Newest first; like the adapter's Query, a full page carries a cursor even when nothing follows it. */
  list(jobId: string, query: RunListQuery): Promise<Page<Run>> {
    let after: string | undefined;
    try {
      after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, [partitionKey, sortKey])[sortKey];
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    const itemKey = (run: StoredRun): string => `${runPrefix}${run.runId}`;
    const items = [...this.runs.values()]
      .filter((run) => run.jobId === jobId)
      .sort((a, b) => (itemKey(a) < itemKey(b) ? 1 : -1))
      .filter((run) => after === undefined || itemKey(run) < after)
      .filter((run) => query.status === undefined || run.status === query.status)
      .slice(0, query.limit)
      .map(visible);
    const last = items[items.length - 1];
    if (items.length < query.limit || last === undefined) return Promise.resolve({ items });
    return Promise.resolve({ items, nextCursor: encodeCursor({ [partitionKey]: jobId, [sortKey]: itemKey(last) }) });
  }

  /** Runs as the API would find them, e.g. written by an earlier worker. */
  seed(...runs: Run[]): this {
    for (const run of runs) this.runs.set(this.key(run.jobId, run.runId), structuredClone(run));
    return this;
  }

  /**
   * Pretends another worker crashed while holding the run: a running item with a lease that ends at `until`, held
   * by the delivery of `messageId` (another message than the test's unless it says so).
   */
  seedRunning(occurrence: Occurrence, attempts: number, until: Date, messageId = 'crashed-worker-message'): void {
    this.runs.set(this.key(occurrence.jobId, occurrence.runId), {
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime.toISOString(),
      kind: occurrence.kind,
      status: 'running',
      attempts,
      leaseUntil: until.getTime(),
      token: 'crashed-worker',
      holderMessageId: messageId,
    });
  }

  /** Pretends another run holds the job's concurrency slot until `until`. */
  holdSlot(jobId: string, slot: number, holder: string, until: Date): void {
    this.slots.set(this.slotKey(jobId, slot), { holder, token: `token-${holder}`, leaseUntil: until.getTime() });
  }
}
