import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  paginateQuery,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
  type ConditionCheck,
  type DynamoDBClient,
  type Update,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { LeaseLostError } from '../../domain/worker-errors';
import type { Page } from '../../ports/job-store';
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
} from '../../ports/run-ledger';
import { JOBS_QUEUE_RETENTION_SECONDS } from '../../schemas/job';
import { runErrorSchema, runSchema, runStatusSchema, type Run, type RunError } from '../../schemas/run';
import { decodeCursor, encodeCursor } from './cursor';
import {
  and,
  attributeNotExists,
  beginsWith,
  equals,
  expressions,
  ifNotExists,
  lessThan,
  or,
  type Condition,
} from './dynamodb-expression';
import { RUNS_TABLE } from './table-layout';

const { partitionKey, sortKey, runPrefix, slotPrefix, ttlAttribute } = RUNS_TABLE;
const DAY_MS = 86_400_000;
/**
 * A `queued` item outlives its message by a day: once the jobs queue has dropped the message, nothing can claim it.
 * The worker's claim sets the run's own retention.
 */
const QUEUED_TTL_SECONDS = JOBS_QUEUE_RETENTION_SECONDS + 86_400;
/** DynamoDB's limit on the actions of one TransactWriteItems. */
const MAX_TRANSACT_ACTIONS = 100;

/**
 * The run ledger in the runs table: one item per occurrence (`run#${runId}`), and one per concurrency slot of a job
 * (`slot#${n}`), both in the job's partition.
 *
 * A successful run costs two writes: the claim (ledger item + slot, one TransactWriteItems) and the result (ledger
 * item + slot release, one TransactWriteItems). Transactions bill each item twice, so a run costs 8 write units
 * instead of the 2 a ledger without slots would; that buys a `maxConcurrent` that holds across workers without an
 * extra call. Ledger and slot leases end together, never after the invocation's deadline.
 */
export class DynamoDbRunLedger implements RunLedger, QueuedRuns {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  private runKey(jobId: string, runId: string): Record<string, AttributeValue> {
    return { [partitionKey]: { S: jobId }, [sortKey]: { S: `${runPrefix}${runId}` } };
  }

  private slotKey(jobId: string, slot: number): Record<string, AttributeValue> {
    return { [partitionKey]: { S: jobId }, [sortKey]: { S: `${slotPrefix}${slot}` } };
  }

  private expiresAt(from: Date): number {
    return Math.floor((from.getTime() + this.retentionDays * DAY_MS) / 1000);
  }

  /** The ledger-item condition for an expectation. */
  private expectation(expect: LedgerExpectation, now: Date): Condition {
    switch (expect.kind) {
      case 'absent':
        return or(attributeNotExists(sortKey), equals('status', 'queued'));
      case 'lapsed':
        return and(
          equals('status', 'running'),
          lessThan('leaseUntil', now.getTime()),
          equals('attempts', expect.attempts),
        );
      case 'failed': {
        // Items written before the first redrive have no counter: they count as never redriven.
        const redrives = equals('redrives', expect.redrives);
        return and(
          equals('status', 'failed'),
          expect.redrives === 0 ? or(attributeNotExists('redrives'), redrives) : redrives,
        );
      }
    }
  }

  /**
   * A write of an occurrence's ledger item that may create the item, so it sets the occurrence fields as well; it
   * holds only as `expect` says at `now`, and a failed check returns the item as it was.
   */
  private occurrenceWrite(
    occurrence: Occurrence,
    expect: LedgerExpectation,
    now: Date,
    update: { readonly set: Readonly<Record<string, unknown>>; readonly remove: readonly string[] },
  ): Update {
    return {
      TableName: this.tableName,
      Key: this.runKey(occurrence.jobId, occurrence.runId),
      ...expressions({
        update: { set: { ...occurrenceFields(occurrence), ...update.set }, remove: update.remove },
        condition: this.expectation(expect, now),
      }),
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { occurrence, expect, token, now, leaseUntil, slot, messageId } = request;
    // A redrive starts a fresh attempt budget and counts itself; other claims leave the counter as it is.
    const attempt = expect.kind === 'lapsed' ? expect.attempts + 1 : 1;
    const redrives =
      expect.kind === 'failed' ? expect.redrives + 1 : expect.kind === 'lapsed' ? (expect.redrives ?? 0) : 0;
    const ledgerUpdate = this.occurrenceWrite(occurrence, expect, now, {
      set: {
        status: 'running',
        attempts: attempt,
        startedAt: now.toISOString(),
        leaseUntil: leaseUntil.getTime(),
        token,
        holderMessageId: messageId,
        [ttlAttribute]: this.expiresAt(now),
        ...(expect.kind === 'failed' && { redrives }),
      },
      remove: [
        'finishedAt',
        'durationMs',
        'result',
        'reason',
        'failedMessageId',
        ...(messageId === undefined ? ['holderMessageId'] : []),
      ],
    });

    if (slot === undefined) {
      try {
        await this.client.send(new UpdateItemCommand(ledgerUpdate));
        return { kind: 'claimed', attempt, redrives };
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) {
          return { kind: 'conflict', current: entryOf(error.Item) };
        }
        throw error;
      }
    }

    const slotUpdate: Update = {
      TableName: this.tableName,
      Key: this.slotKey(occurrence.jobId, slot),
      ...expressions({
        update: {
          set: {
            holder: occurrence.runId,
            token,
            leaseUntil: leaseUntil.getTime(),
            // A slot item of a job that stops running disappears a day after its last lease.
            [ttlAttribute]: Math.floor((leaseUntil.getTime() + DAY_MS) / 1000),
          },
        },
        // Free, lapsed, or held by this same occurrence (re-claimed after its lease lapsed).
        condition: or(
          attributeNotExists('leaseUntil'),
          lessThan('leaseUntil', now.getTime()),
          equals('holder', occurrence.runId),
        ),
      }),
    };
    const aboveLimit =
      request.maxConcurrent === undefined ? [] : await this.slotsFrom(occurrence.jobId, request.maxConcurrent);
    // The slots left from a higher limit must be lapsed, checked in the same transaction: a live one cancels it
    // (slot-taken), and so does one a worker that read the job before its limit was lowered takes meanwhile. The
    // ledger item's own condition is judged in the same transaction, so a run that is not in the expected state is
    // reported as a conflict, never as slot-taken. A transaction holds at most 100 actions.
    const stillLapsed = aboveLimit.slice(0, MAX_TRANSACT_ACTIONS - 2).map((held): ConditionCheck => {
      const lapsed = expressions({
        condition: or(attributeNotExists('leaseUntil'), lessThan('leaseUntil', now.getTime())),
      });
      return {
        TableName: this.tableName,
        Key: this.slotKey(occurrence.jobId, held.index),
        ...lapsed,
        ConditionExpression: lapsed.ConditionExpression ?? '',
      };
    });
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Update: ledgerUpdate },
            { Update: slotUpdate },
            ...stillLapsed.map((check) => ({ ConditionCheck: check })),
          ],
        }),
      );
      return { kind: 'claimed', attempt, redrives };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [ledgerReason, slotReason, ...checkReasons] = error.CancellationReasons ?? [];
      if (ledgerReason?.Code === 'ConditionalCheckFailed')
        return { kind: 'conflict', current: entryOf(ledgerReason.Item) };
      if (slotReason?.Code === 'ConditionalCheckFailed') return { kind: 'slot-taken' };
      if (checkReasons.some((reason) => reason.Code === 'ConditionalCheckFailed')) return { kind: 'slot-taken' };
      const codes = [ledgerReason?.Code, slotReason?.Code, ...checkReasons.map((reason) => reason.Code)];
      if (codes.includes('TransactionConflict')) return { kind: 'contention' };
      throw error;
    }
  }

  /** The job's slot items at index `from` and above, with their leases: one strongly consistent Query. */
  private async slotsFrom(jobId: string, from: number): Promise<{ index: number; leaseUntil?: number }[]> {
    const slots: { index: number; leaseUntil?: number }[] = [];
    const pages = paginateQuery(
      { client: this.client },
      {
        TableName: this.tableName,
        ...expressions({ keyCondition: and(equals(partitionKey, jobId), beginsWith(sortKey, slotPrefix)) }),
        ConsistentRead: true,
      },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        const raw: Record<string, unknown> = unmarshall(item);
        const index = Number(String(raw[sortKey]).slice(slotPrefix.length));
        if (!Number.isInteger(index) || index < from) continue;
        slots.push({ index, ...(typeof raw.leaseUntil === 'number' && { leaseUntil: raw.leaseUntil }) });
      }
    }
    return slots.sort((a, b) => a.index - b.index);
  }

  async record(occurrence: Occurrence, expect: LedgerExpectation, outcome: RecordedOutcome): Promise<RecordResult> {
    try {
      await this.client.send(
        new UpdateItemCommand(
          this.occurrenceWrite(occurrence, expect, outcome.at, {
            set: {
              status: outcome.status,
              attempts: ifNotExists('attempts', 0),
              finishedAt: outcome.at.toISOString(),
              [ttlAttribute]: this.expiresAt(outcome.at),
              reason: outcome.reason,
              error: outcome.error,
              failedMessageId: outcome.status === 'failed' ? outcome.messageId : undefined,
            },
            remove: ['leaseUntil', 'token'],
          }),
        ),
      );
      return { kind: 'recorded' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { kind: 'conflict', current: entryOf(error.Item) };
      throw error;
    }
  }

  async finish(claim: Claim, run: FinishedRun): Promise<void> {
    const finishedAt = run.finishedAt.toISOString();
    const ownWrite = (item: Record<string, unknown>) =>
      item.token === claim.token && item.status === run.status && item.finishedAt === finishedAt;
    await this.holdingWrite(claim, ownWrite, run.holdSlotUntil, {
      TableName: this.tableName,
      Key: this.runKey(claim.occurrence.jobId, claim.occurrence.runId),
      ...expressions({
        update: {
          set: {
            status: run.status,
            finishedAt,
            durationMs: run.durationMs,
            result: run.result,
            error: run.error,
            failedMessageId: run.error === undefined ? undefined : run.messageId,
          },
          // A retried run that succeeds keeps no error of its earlier attempts.
          remove: run.error === undefined ? ['leaseUntil', 'error'] : ['leaseUntil'],
        },
        condition: heldBy(claim),
      }),
    });
  }

  async release(claim: Claim, error: RunError, at: Date, holdUntil?: Date): Promise<void> {
    // Sent again after it committed, the release finds its own hold and writes the same values: no check needed.
    await this.holdingWrite(claim, () => false, holdUntil, {
      TableName: this.tableName,
      Key: this.runKey(claim.occurrence.jobId, claim.occurrence.runId),
      ...expressions({
        // The lease lapses at once, so the retry (or a duplicate) may claim the next attempt; or, for an attempt
        // that may still be running, when it must have stopped.
        update: { set: { error, leaseUntil: holdUntil?.getTime() ?? 0, lastAttemptFinishedAt: at.toISOString() } },
        condition: heldBy(claim),
      }),
    });
  }

  /**
   * A write conditional on this worker's hold, freeing its slot in the same transaction. A failed condition is
   * this worker's own write when the item shows what `ownWrite` looks for: the response to a committed write was
   * lost and the write was sent again (by the SDK or the caller). That counts as written, not as a lost lease.
   */
  private async holdingWrite(
    claim: Claim,
    ownWrite: (item: Record<string, unknown>) => boolean,
    holdSlotUntil: Date | undefined,
    update: Update,
  ): Promise<void> {
    const { jobId, runId } = claim.occurrence;
    const checked: Update = { ...update, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' };
    if (claim.slot === undefined) {
      await this.sendLedgerOnly(checked, ownWrite, jobId, runId);
      return;
    }
    const slotRelease: Update = {
      TableName: this.tableName,
      Key: this.slotKey(jobId, claim.slot),
      ...expressions({
        // An attempt that may still be running keeps its slot until it must have stopped.
        update:
          holdSlotUntil === undefined
            ? { remove: ['holder', 'token', 'leaseUntil'] }
            : { set: { leaseUntil: holdSlotUntil.getTime() } },
        condition: equals('token', claim.token),
      }),
    };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({ TransactItems: [{ Update: checked }, { Update: slotRelease }] }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [ledgerReason, slotReason] = error.CancellationReasons ?? [];
      if (ledgerReason?.Code === 'ConditionalCheckFailed') {
        await this.settleFailedCondition(ledgerReason.Item, ownWrite, jobId, runId);
        return;
      }
      // The slot lapsed and went to another run: record the outcome all the same, leaving the slot to its holder.
      if (slotReason?.Code === 'ConditionalCheckFailed') {
        await this.sendLedgerOnly(checked, ownWrite, jobId, runId);
        return;
      }
      throw error;
    }
  }

  private async sendLedgerOnly(
    update: Update,
    ownWrite: (item: Record<string, unknown>) => boolean,
    jobId: string,
    runId: string,
  ): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand(update));
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
      await this.settleFailedCondition(error.Item, ownWrite, jobId, runId);
    }
  }

  /** Returns when the item that failed the condition already holds this worker's write; else the lease was lost. */
  private async settleFailedCondition(
    item: Record<string, AttributeValue> | undefined,
    ownWrite: (item: Record<string, unknown>) => boolean,
    jobId: string,
    runId: string,
  ): Promise<void> {
    const current =
      item ??
      (
        await this.client.send(
          new GetItemCommand({ TableName: this.tableName, Key: this.runKey(jobId, runId), ConsistentRead: true }),
        )
      ).Item;
    if (current !== undefined && ownWrite(unmarshall(current))) return;
    throw new LeaseLostError(jobId, runId);
  }

  async enqueue(occurrence: Occurrence, at: Date): Promise<void> {
    const item = {
      [partitionKey]: occurrence.jobId,
      [sortKey]: `${runPrefix}${occurrence.runId}`,
      ...occurrenceFields(occurrence),
      status: 'queued',
      attempts: 0,
      [ttlAttribute]: Math.floor(at.getTime() / 1000) + QUEUED_TTL_SECONDS,
    };
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(item),
          ...expressions({ condition: attributeNotExists(sortKey) }),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
    } catch (error) {
      // Sent again after it committed (its response lost, the SDK retried): the item is this call's own write. The
      // run id's random suffix makes any other writer of a queued item with the same time impossible.
      if (error instanceof ConditionalCheckFailedException && error.Item !== undefined) {
        const current: Record<string, unknown> = unmarshall(error.Item);
        const ownWrite =
          current.status === 'queued' &&
          current.kind === occurrence.kind &&
          current.scheduledTime === occurrence.scheduledTime.toISOString();
        if (ownWrite) return;
      }
      throw error;
    }
  }

  async withdraw(occurrence: Occurrence): Promise<void> {
    try {
      await this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: this.runKey(occurrence.jobId, occurrence.runId),
          ...expressions({ condition: equals('status', 'queued') }),
        }),
      );
    } catch (error) {
      // The worker has begun the run (the message did reach the queue), or nothing was queued: leave it.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  async get(jobId: string, runId: string): Promise<Run | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.runKey(jobId, runId), ConsistentRead: true }),
    );
    return Item === undefined ? undefined : runOf(Item);
  }

  /** Newest first: run ids sort by time, so the Query reads the partition's run items backwards. */
  async list(jobId: string, query: RunListQuery): Promise<Page<Run>> {
    const queryExpressions = expressions({
      keyCondition: and(equals(partitionKey, jobId), beginsWith(sortKey, runPrefix)),
      filter: query.status === undefined ? undefined : equals('status', query.status),
    });
    const items: Run[] = [];
    const startKey: Record<string, AttributeValue> | undefined =
      query.cursor === undefined ? undefined : marshall(decodeCursor(query.cursor, [partitionKey, sortKey]));
    let lastKey: Record<string, string> | undefined;
    // One API page: reading stops once it is full, and the cursor is the last run returned.
    const pages = paginateQuery(
      { client: this.client, startingToken: startKey },
      { TableName: this.tableName, ...queryExpressions, ScanIndexForward: false, Limit: query.limit },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) {
        if (items.length === query.limit) break;
        items.push(runOf(item));
        lastKey = { [partitionKey]: jobId, [sortKey]: String(unmarshall(item)[sortKey]) };
      }
      if (items.length === query.limit) break;
    }
    if (items.length < query.limit || lastKey === undefined) return { items };
    return { items, nextCursor: encodeCursor(lastKey) };
  }
}

/** What a ledger item says of its occurrence, written by every write that may create the item. */
function occurrenceFields(occurrence: Occurrence): Record<string, string> {
  return {
    runId: occurrence.runId,
    scheduledTime: occurrence.scheduledTime.toISOString(),
    kind: occurrence.kind,
  };
}

/** The ledger-item condition of a write by the worker holding the run. */
function heldBy(claim: Claim): Condition {
  return and(equals('status', 'running'), equals('token', claim.token));
}

function runOf(item: Record<string, AttributeValue>): Run {
  return runSchema.parse(unmarshall(item));
}

function entryOf(item: Record<string, AttributeValue> | undefined): LedgerEntry | undefined {
  if (item === undefined) return undefined;
  const raw: Record<string, unknown> = unmarshall(item);
  const status = runStatusSchema.parse(raw.status);
  const attempts = typeof raw.attempts === 'number' ? raw.attempts : 0;
  const leaseUntil = typeof raw.leaseUntil === 'number' ? new Date(raw.leaseUntil) : undefined;
  const redrives = typeof raw.redrives === 'number' ? raw.redrives : 0;
  const failedMessageId = typeof raw.failedMessageId === 'string' ? raw.failedMessageId : undefined;
  const holderMessageId = typeof raw.holderMessageId === 'string' ? raw.holderMessageId : undefined;
  const error = runErrorSchema.safeParse(raw.error);
  return {
    status,
    attempts,
    redrives,
    ...(leaseUntil !== undefined && { leaseUntil }),
    ...(holderMessageId !== undefined && { holderMessageId }),
    ...(failedMessageId !== undefined && { failedMessageId }),
    ...(error.success && { error: error.data }),
  };
}
