import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRunLedger } from '../../lib/adapters/aws/dynamodb-run-ledger';
import { LeaseLostError } from '../../lib/domain/worker-errors';
import type { Occurrence } from '../../lib/ports/run-ledger';
import { createWorkerCloud, partition, type WorkerCloud } from '../support/worker/cloud';

const occurrence = (jobId: string, runId: string): Occurrence => ({
  jobId,
  runId,
  scheduledTime: new Date('2030-01-01T09:00:00Z'),
  kind: 'schedule',
});

describe('DynamoDbRunLedger', () => {
  let cloud: WorkerCloud;
  let ledger: DynamoDbRunLedger;
  const now = new Date();
  const later = new Date(now.getTime() + 60_000);

  beforeAll(async () => {
    cloud = await createWorkerCloud();
    ledger = new DynamoDbRunLedger(new DynamoDBClient({}), cloud.runsTable, 30);
  });
  afterAll(async () => {
    await cloud.destroy();
  });

  it('claims an occurrence once and reports the holder to a second claim', async () => {
    // Prepare
    const run = occurrence('job-a', '20300101T090000Z');

    // Act
    const first = await ledger.claim({
      occurrence: run,
      expect: { kind: 'absent' },
      token: 't1',
      now,
      leaseUntil: later,
      slot: 0,
    });
    const second = await ledger.claim({
      occurrence: run,
      expect: { kind: 'absent' },
      token: 't2',
      now,
      leaseUntil: later,
      slot: 0,
    });

    // Assess
    expect(first).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
    expect(second).toEqual({
      kind: 'conflict',
      current: { status: 'running', attempts: 1, redrives: 0, leaseUntil: later },
    });
    const items = await partition(cloud, 'job-a');
    expect(items.map((item) => item.sk).sort()).toEqual(['run#20300101T090000Z', 'slot#0']);
    expect(items.find((item) => item.sk === 'run#20300101T090000Z')).toMatchObject({
      status: 'running',
      token: 't1',
      leaseUntil: later.getTime(),
      expiresAt: Math.floor((now.getTime() + 30 * 86_400_000) / 1000),
    });
  });

  it('refuses a slot held by another run until its lease lapses, then frees it on finish', async () => {
    // Prepare
    const holder = occurrence('job-b', '20300101T090000Z');
    const next = occurrence('job-b', '20300101T090500Z');
    await ledger.claim({ occurrence: holder, expect: { kind: 'absent' }, token: 'h', now, leaseUntil: later, slot: 0 });

    // Act
    const blocked = await ledger.claim({
      occurrence: next,
      expect: { kind: 'absent' },
      token: 'n',
      now,
      leaseUntil: later,
      slot: 0,
    });
    await ledger.finish(
      { occurrence: holder, token: 'h', attempt: 1, redrives: 0, startedAt: now, slot: 0 },
      { status: 'succeeded', finishedAt: now, durationMs: 5, result: { ok: true } },
    );
    const admitted = await ledger.claim({
      occurrence: next,
      expect: { kind: 'absent' },
      token: 'n',
      now,
      leaseUntil: later,
      slot: 0,
    });

    // Assess
    expect(blocked).toEqual({ kind: 'slot-taken' });
    expect(admitted).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
    expect(await ledger.get('job-b', holder.runId)).toEqual({
      jobId: 'job-b',
      runId: holder.runId,
      scheduledTime: '2030-01-01T09:00:00.000Z',
      kind: 'schedule',
      status: 'succeeded',
      attempts: 1,
      startedAt: now.toISOString(),
      finishedAt: now.toISOString(),
      durationMs: 5,
      result: { ok: true },
    });
  });

  it('re-claims a lapsed run for the next attempt and refuses the stale holder its result', async () => {
    // Prepare
    const run = occurrence('job-c', '20300101T090000Z');
    const lapsed = new Date(now.getTime() - 1);
    await ledger.claim({
      occurrence: run,
      expect: { kind: 'absent' },
      token: 'old',
      now: lapsed,
      leaseUntil: lapsed,
      slot: 0,
    });

    // Act
    const reclaimed = await ledger.claim({
      occurrence: run,
      expect: { kind: 'lapsed', attempts: 1 },
      token: 'new',
      now,
      leaseUntil: later,
      slot: 0,
    });
    const stale = ledger.finish(
      { occurrence: run, token: 'old', attempt: 1, redrives: 0, startedAt: lapsed, slot: 0 },
      { status: 'succeeded', finishedAt: now, durationMs: 1 },
    );

    // Assess
    expect(reclaimed).toEqual({ kind: 'claimed', attempt: 2, redrives: 0 });
    await expect(stale).rejects.toBeInstanceOf(LeaseLostError);
    expect(await ledger.get('job-c', run.runId)).toMatchObject({ status: 'running', attempts: 2 });
  });

  it('claims a failed run once per redrive with a fresh attempt budget, and never a succeeded one', async () => {
    // Prepare: a run that failed for good on attempt 2, and one that succeeded
    const failed = occurrence('job-e', '20300101T090000Z');
    const succeeded = occurrence('job-e', '20300101T091000Z');
    const error = { class: 'Error', message: 'boom', category: 'task_exception' } as const;
    await ledger.claim({ occurrence: failed, expect: { kind: 'absent' }, token: 'a', now, leaseUntil: later });
    await ledger.finish(
      { occurrence: failed, token: 'a', attempt: 1, redrives: 0, startedAt: now },
      { status: 'failed', finishedAt: now, durationMs: 1, error, messageId: 'message-1' },
    );
    await ledger.claim({ occurrence: succeeded, expect: { kind: 'absent' }, token: 'b', now, leaseUntil: later });
    await ledger.finish(
      { occurrence: succeeded, token: 'b', attempt: 1, redrives: 0, startedAt: now },
      { status: 'succeeded', finishedAt: now, durationMs: 1 },
    );
    const redrive = (run: Occurrence, redrives: number, token: string) =>
      ledger.claim({ occurrence: run, expect: { kind: 'failed', redrives }, token, now, leaseUntil: later });

    // Act
    const first = await redrive(failed, 0, 'r1');
    const second = await redrive(failed, 0, 'r2');
    const ofSucceeded = await redrive(succeeded, 0, 'r3');

    // Assess
    expect(first).toEqual({ kind: 'claimed', attempt: 1, redrives: 1 });
    expect(second).toEqual({
      kind: 'conflict',
      current: { status: 'running', attempts: 1, redrives: 1, leaseUntil: later, error },
    });
    expect(ofSucceeded).toEqual({ kind: 'conflict', current: { status: 'succeeded', attempts: 1, redrives: 0 } });
    const [item] = (await partition(cloud, 'job-e')).filter((entry) => entry.sk === `run#${failed.runId}`);
    expect(item).toMatchObject({ status: 'running', attempts: 1, redrives: 1, token: 'r1' });
    expect(item).not.toHaveProperty('failedMessageId');
  });

  it('reports the message that failed a run with the conflict, so its redelivery can dead-letter it', async () => {
    // Prepare
    const run = occurrence('job-f', '20300101T090000Z');
    const error = { class: 'Error', message: 'boom', category: 'task_exception' } as const;
    await ledger.claim({ occurrence: run, expect: { kind: 'absent' }, token: 'a', now, leaseUntil: later });
    await ledger.finish(
      { occurrence: run, token: 'a', attempt: 1, redrives: 0, startedAt: now },
      { status: 'failed', finishedAt: now, durationMs: 1, error, messageId: 'message-9' },
    );

    // Act
    const again = await ledger.claim({
      occurrence: run,
      expect: { kind: 'absent' },
      token: 'b',
      now,
      leaseUntil: later,
    });

    // Assess
    expect(again).toEqual({
      kind: 'conflict',
      current: { status: 'failed', attempts: 1, redrives: 0, failedMessageId: 'message-9', error },
    });
  });

  it("lists a job's runs newest first, a page at a time, without slots or reports", async () => {
    // Prepare
    const runIds = ['20300101T090000Z', '20300101T091000Z', '20300101T092000Z'];
    for (const runId of runIds) {
      await ledger.record(
        occurrence('job-d', runId),
        { kind: 'absent' },
        { status: 'skipped', reason: 'paused', at: now },
      );
    }
    await ledger.claim({
      occurrence: occurrence('job-d', 'zzz'),
      expect: { kind: 'absent' },
      token: 't',
      now,
      leaseUntil: later,
      slot: 0,
    });

    // Act
    const first = await ledger.list('job-d', { limit: 2, status: 'skipped' });
    const second = await ledger.list('job-d', {
      limit: 2,
      status: 'skipped',
      ...(first.nextCursor !== undefined && { cursor: first.nextCursor }),
    });

    // Assess
    expect(first.items.map((run) => run.runId)).toEqual(['20300101T092000Z', '20300101T091000Z']);
    expect(first.nextCursor).toBeDefined();
    expect(second.items.map((run) => run.runId)).toEqual(['20300101T090000Z']);
    expect(second.nextCursor).toBeUndefined();
  });
});
