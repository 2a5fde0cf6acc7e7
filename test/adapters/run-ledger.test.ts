import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDbRunLedger } from '../../lib/adapters/aws/dynamodb-run-ledger';
import type { ClaimRequest, Occurrence } from '../../lib/ports/run-ledger';
import { guardedClient } from '../support/aws-clients';
import { createWorkerCloud, partition, type WorkerCloud } from '../support/worker/cloud';

const occurrence = (jobId: string, runId: string): Occurrence => ({
  jobId,
  runId,
  scheduledTime: new Date('2030-01-01T09:00:00Z'),
  kind: 'schedule',
});

// What the RunLedger port promises (claims, slots, outcomes, redrives, listing) is held to in
// test/contract/run-ledger.test.ts; these are the items the adapter writes behind it.
describe('DynamoDbRunLedger', () => {
  let cloud: WorkerCloud;
  let ledger: DynamoDbRunLedger;
  const now = new Date();
  const later = new Date(now.getTime() + 60_000);

  /** A claim of `run` by `token` that expects no run yet, held until `later`; `overrides` change any of it. */
  const claimRequest = (run: Occurrence, token: string, overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
    occurrence: run,
    expect: { kind: 'absent' },
    token,
    now,
    leaseUntil: later,
    ...overrides,
  });

  beforeAll(async () => {
    cloud = await createWorkerCloud();
    ledger = new DynamoDbRunLedger(guardedClient(DynamoDBClient), cloud.runsTable, 30);
  });
  afterAll(async () => {
    await cloud.destroy();
  });

  it('claims an occurrence once and reports the holder to a second claim', async () => {
    // Prepare
    const run = occurrence('job-a', '20300101T090000Z');

    // Act
    const first = await ledger.claim(claimRequest(run, 't1', { slot: 0 }));
    const second = await ledger.claim(claimRequest(run, 't2', { slot: 0 }));

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

  it("writes a redriven run's item with the redriving token and without the failed message", async () => {
    // Prepare: a run that failed for good, with the message that carried it
    const failed = occurrence('job-e', '20300101T090000Z');
    const error = { class: 'Error', message: 'boom', category: 'task_exception' } as const;
    await ledger.claim(claimRequest(failed, 'a'));
    await ledger.finish(
      { occurrence: failed, token: 'a', attempt: 1, redrives: 0, startedAt: now },
      { status: 'failed', finishedAt: now, durationMs: 1, error, messageId: 'message-1' },
    );

    // Act
    await ledger.claim(claimRequest(failed, 'r1', { expect: { kind: 'failed', redrives: 0 } }));

    // Assess
    const [item] = (await partition(cloud, 'job-e')).filter((entry) => entry.sk === `run#${failed.runId}`);
    expect(item).toMatchObject({ status: 'running', attempts: 1, redrives: 1, token: 'r1' });
    expect(item).not.toHaveProperty('failedMessageId');
  });
});
