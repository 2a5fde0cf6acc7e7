import {
  ConditionalCheckFailedException,
  GetItemCommand,
  QueryCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type AttributeValue,
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
  RecordResult,
  RecordedOutcome,
  RunLedger,
  RunListQuery,
} from '../../ports/run-ledger';
import { runErrorSchema, runSchema, runStatusSchema, type Run, type RunError } from '../../schemas/run';
import { decodeCursor, encodeCursor } from './cursor';
import { RUNS_TABLE } from './table-layout';

const { partitionKey, sortKey, runPrefix, slotPrefix, ttlAttribute } = RUNS_TABLE;
const DAY_MS = 86_400_000;

/**
 * The run ledger in the runs table: one item per occurrence (`run#${runId}`), and one per concurrency slot of a job
 * (`slot#${n}`), both in the job's partition.
 *
 * A successful run costs two writes: the claim (ledger item + slot, one TransactWriteItems) and the result (ledger
 * item + slot release, one TransactWriteItems). Transactions bill each item twice, so a run costs 8 write units
 * instead of the 2 a ledger without slots would; that buys a `maxConcurrent` that holds across workers without an
 * extra call. Ledger and slot leases end together, never after the invocation's deadline.
 */
export class DynamoDbRunLedger implements RunLedger {
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

  /** The ledger-item condition for an expectation, with its names and values. */
  private expectation(
    expect: LedgerExpectation,
    now: Date,
  ): { condition: string; names: Record<string, string>; values: Record<string, AttributeValue> } {
    switch (expect.kind) {
      case 'absent':
        return { condition: 'attribute_not_exists(#sk)', names: { '#sk': sortKey }, values: {} };
      case 'lapsed':
        return {
          condition: '#status = :running AND #leaseUntil < :now AND #attempts = :expectedAttempts',
          names: { '#status': 'status', '#leaseUntil': 'leaseUntil', '#attempts': 'attempts' },
          values: {
            ':running': { S: 'running' },
            ':now': { N: String(now.getTime()) },
            ':expectedAttempts': { N: String(expect.attempts) },
          },
        };
      case 'failed':
        // Items written before the first redrive have no counter: they count as never redriven.
        return {
          condition:
            expect.redrives === 0
              ? '#status = :failed AND (attribute_not_exists(#redrives) OR #redrives = :expectedRedrives)'
              : '#status = :failed AND #redrives = :expectedRedrives',
          names: { '#status': 'status', '#redrives': 'redrives' },
          values: { ':failed': { S: 'failed' }, ':expectedRedrives': { N: String(expect.redrives) } },
        };
    }
  }

  async claim(request: ClaimRequest): Promise<ClaimResult> {
    const { occurrence, expect, token, now, leaseUntil, slot } = request;
    const expected = this.expectation(expect, now);
    // A redrive starts a fresh attempt budget and counts itself; other claims leave the counter as it is.
    const attempt = expect.kind === 'lapsed' ? expect.attempts + 1 : 1;
    const redrives =
      expect.kind === 'failed' ? expect.redrives + 1 : expect.kind === 'lapsed' ? (expect.redrives ?? 0) : 0;
    const redriveSet = expect.kind === 'failed' ? ', #redrives = :redrives' : '';
    const ledgerUpdate: Update = {
      TableName: this.tableName,
      Key: this.runKey(occurrence.jobId, occurrence.runId),
      UpdateExpression:
        'SET #runId = :runId, #scheduledTime = :scheduledTime, #kind = :kind, #status = :runningStatus, ' +
        '#attempts = :attempt, #startedAt = :startedAt, #leaseUntil = :leaseUntil, #token = :token, #ttl = :ttl' +
        `${redriveSet} REMOVE #finishedAt, #durationMs, #result, #reason, #failedMessageId`,
      ConditionExpression: expected.condition,
      ExpressionAttributeNames: {
        ...expected.names,
        '#runId': 'runId',
        '#scheduledTime': 'scheduledTime',
        '#kind': 'kind',
        '#status': 'status',
        '#attempts': 'attempts',
        '#startedAt': 'startedAt',
        '#leaseUntil': 'leaseUntil',
        '#token': 'token',
        '#ttl': ttlAttribute,
        '#finishedAt': 'finishedAt',
        '#durationMs': 'durationMs',
        '#result': 'result',
        '#reason': 'reason',
        '#failedMessageId': 'failedMessageId',
        ...(expect.kind === 'failed' && { '#redrives': 'redrives' }),
      },
      ExpressionAttributeValues: {
        ...expected.values,
        ...(expect.kind === 'failed' && { ':redrives': { N: String(redrives) } }),
        ':runId': { S: occurrence.runId },
        ':scheduledTime': { S: occurrence.scheduledTime.toISOString() },
        ':kind': { S: occurrence.kind },
        ':runningStatus': { S: 'running' },
        ':attempt': { N: String(attempt) },
        ':startedAt': { S: now.toISOString() },
        ':leaseUntil': { N: String(leaseUntil.getTime()) },
        ':token': { S: token },
        ':ttl': { N: String(this.expiresAt(now)) },
      },
      ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
    };

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
      UpdateExpression: 'SET #holder = :runId, #token = :token, #leaseUntil = :leaseUntil, #ttl = :ttl',
      // Free, lapsed, or held by this same occurrence (re-claimed after its lease lapsed).
      ConditionExpression: 'attribute_not_exists(#leaseUntil) OR #leaseUntil < :now OR #holder = :runId',
      ExpressionAttributeNames: {
        '#holder': 'holder',
        '#token': 'token',
        '#leaseUntil': 'leaseUntil',
        '#ttl': ttlAttribute,
      },
      ExpressionAttributeValues: {
        ':runId': { S: occurrence.runId },
        ':token': { S: token },
        ':leaseUntil': { N: String(leaseUntil.getTime()) },
        ':now': { N: String(now.getTime()) },
        // A slot item of a job that stops running disappears a day after its last lease.
        ':ttl': { N: String(Math.floor((leaseUntil.getTime() + DAY_MS) / 1000)) },
      },
    };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({ TransactItems: [{ Update: ledgerUpdate }, { Update: slotUpdate }] }),
      );
      return { kind: 'claimed', attempt, redrives };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [ledgerReason, slotReason] = error.CancellationReasons ?? [];
      if (ledgerReason?.Code === 'ConditionalCheckFailed')
        return { kind: 'conflict', current: entryOf(ledgerReason.Item) };
      if (slotReason?.Code === 'ConditionalCheckFailed') return { kind: 'slot-taken' };
      if ([ledgerReason?.Code, slotReason?.Code].includes('TransactionConflict')) return { kind: 'contention' };
      throw error;
    }
  }

  async record(occurrence: Occurrence, expect: LedgerExpectation, outcome: RecordedOutcome): Promise<RecordResult> {
    const expected = this.expectation(expect, outcome.at);
    const names: Record<string, string> = {
      ...expected.names,
      '#runId': 'runId',
      '#scheduledTime': 'scheduledTime',
      '#kind': 'kind',
      '#status': 'status',
      '#attempts': 'attempts',
      '#finishedAt': 'finishedAt',
      '#ttl': ttlAttribute,
      '#leaseUntil': 'leaseUntil',
      '#token': 'token',
    };
    const values: Record<string, AttributeValue> = {
      ...expected.values,
      ':runId': { S: occurrence.runId },
      ':scheduledTime': { S: occurrence.scheduledTime.toISOString() },
      ':kind': { S: occurrence.kind },
      ':status': { S: outcome.status },
      ':zero': { N: '0' },
      ':finishedAt': { S: outcome.at.toISOString() },
      ':ttl': { N: String(this.expiresAt(outcome.at)) },
    };
    const sets = [
      '#runId = :runId',
      '#scheduledTime = :scheduledTime',
      '#kind = :kind',
      '#status = :status',
      '#attempts = if_not_exists(#attempts, :zero)',
      '#finishedAt = :finishedAt',
      '#ttl = :ttl',
    ];
    if (outcome.reason !== undefined) {
      names['#reason'] = 'reason';
      values[':reason'] = { S: outcome.reason };
      sets.push('#reason = :reason');
    }
    if (outcome.error !== undefined) {
      names['#error'] = 'error';
      values[':error'] = { M: marshall(outcome.error) };
      sets.push('#error = :error');
    }
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.runKey(occurrence.jobId, occurrence.runId),
          UpdateExpression: `SET ${sets.join(', ')} REMOVE #leaseUntil, #token`,
          ConditionExpression: expected.condition,
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { kind: 'recorded' };
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return { kind: 'conflict', current: entryOf(error.Item) };
      throw error;
    }
  }

  async finish(claim: Claim, run: FinishedRun): Promise<void> {
    const names: Record<string, string> = {
      '#status': 'status',
      '#token': 'token',
      '#finishedAt': 'finishedAt',
      '#durationMs': 'durationMs',
      '#leaseUntil': 'leaseUntil',
      '#error': 'error',
    };
    const values: Record<string, AttributeValue> = {
      ':status': { S: run.status },
      ':running': { S: 'running' },
      ':token': { S: claim.token },
      ':finishedAt': { S: run.finishedAt.toISOString() },
      ':durationMs': { N: String(run.durationMs) },
    };
    const sets = ['#status = :status', '#finishedAt = :finishedAt', '#durationMs = :durationMs'];
    const removes = ['#leaseUntil'];
    if (run.result !== undefined) {
      names['#result'] = 'result';
      values[':result'] = marshall({ result: run.result }, { removeUndefinedValues: true }).result ?? { NULL: true };
      sets.push('#result = :result');
    }
    if (run.error !== undefined) {
      values[':error'] = { M: marshall(run.error) };
      sets.push('#error = :error');
      if (run.messageId !== undefined) {
        names['#failedMessageId'] = 'failedMessageId';
        values[':failedMessageId'] = { S: run.messageId };
        sets.push('#failedMessageId = :failedMessageId');
      }
    } else {
      // A retried run that succeeds keeps no error of its earlier attempts.
      removes.push('#error');
    }
    await this.holdingWrite(claim, {
      TableName: this.tableName,
      Key: this.runKey(claim.occurrence.jobId, claim.occurrence.runId),
      UpdateExpression: `SET ${sets.join(', ')} REMOVE ${removes.join(', ')}`,
      ConditionExpression: '#status = :running AND #token = :token',
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    });
  }

  async release(claim: Claim, error: RunError, at: Date): Promise<void> {
    await this.holdingWrite(claim, {
      TableName: this.tableName,
      Key: this.runKey(claim.occurrence.jobId, claim.occurrence.runId),
      // The lease lapses at once, so the retry (or a duplicate) may claim the next attempt.
      UpdateExpression: 'SET #error = :error, #leaseUntil = :lapsed, #lastAttemptAt = :at',
      ConditionExpression: '#status = :running AND #token = :token',
      ExpressionAttributeNames: {
        '#status': 'status',
        '#token': 'token',
        '#error': 'error',
        '#leaseUntil': 'leaseUntil',
        '#lastAttemptAt': 'lastAttemptFinishedAt',
      },
      ExpressionAttributeValues: {
        ':running': { S: 'running' },
        ':token': { S: claim.token },
        ':error': { M: marshall(error) },
        ':lapsed': { N: '0' },
        ':at': { S: at.toISOString() },
      },
    });
  }

  /** A write conditional on this worker's hold, freeing its slot in the same transaction. */
  private async holdingWrite(claim: Claim, update: Update): Promise<void> {
    const { jobId, runId } = claim.occurrence;
    if (claim.slot === undefined) {
      await this.sendLedgerOnly(update, jobId, runId);
      return;
    }
    const slotRelease: Update = {
      TableName: this.tableName,
      Key: this.slotKey(jobId, claim.slot),
      UpdateExpression: 'REMOVE #holder, #token, #leaseUntil',
      ConditionExpression: '#token = :token',
      ExpressionAttributeNames: { '#holder': 'holder', '#token': 'token', '#leaseUntil': 'leaseUntil' },
      ExpressionAttributeValues: { ':token': { S: claim.token } },
    };
    try {
      await this.client.send(
        new TransactWriteItemsCommand({ TransactItems: [{ Update: update }, { Update: slotRelease }] }),
      );
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const [ledgerReason, slotReason] = error.CancellationReasons ?? [];
      if (ledgerReason?.Code === 'ConditionalCheckFailed') throw new LeaseLostError(jobId, runId);
      // The slot lapsed and went to another run: record the outcome all the same, leaving the slot to its holder.
      if (slotReason?.Code === 'ConditionalCheckFailed') {
        await this.sendLedgerOnly(update, jobId, runId);
        return;
      }
      throw error;
    }
  }

  private async sendLedgerOnly(update: Update, jobId: string, runId: string): Promise<void> {
    try {
      await this.client.send(new UpdateItemCommand(update));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new LeaseLostError(jobId, runId);
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
    const names: Record<string, string> = { '#pk': partitionKey, '#sk': sortKey };
    const values: Record<string, AttributeValue> = { ':jobId': { S: jobId }, ':prefix': { S: runPrefix } };
    if (query.status !== undefined) {
      names['#status'] = 'status';
      values[':status'] = { S: query.status };
    }
    const items: Run[] = [];
    let startKey: Record<string, AttributeValue> | undefined =
      query.cursor === undefined ? undefined : marshall(decodeCursor(query.cursor, [partitionKey, sortKey]));
    let lastKey: Record<string, string> | undefined;
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: '#pk = :jobId AND begins_with(#sk, :prefix)',
          ...(query.status !== undefined && { FilterExpression: '#status = :status' }),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
          Limit: query.limit,
        }),
      );
      for (const item of page.Items ?? []) {
        if (items.length === query.limit) break;
        items.push(runOf(item));
        lastKey = { [partitionKey]: jobId, [sortKey]: String(unmarshall(item)[sortKey]) };
      }
      startKey = page.LastEvaluatedKey;
    } while (items.length < query.limit && startKey !== undefined);
    if (items.length < query.limit || lastKey === undefined) return { items };
    return { items, nextCursor: encodeCursor(lastKey) };
  }
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
  const error = runErrorSchema.safeParse(raw.error);
  return {
    status,
    attempts,
    redrives,
    ...(leaseUntil !== undefined && { leaseUntil }),
    ...(failedMessageId !== undefined && { failedMessageId }),
    ...(error.success && { error: error.data }),
  };
}
