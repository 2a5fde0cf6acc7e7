import { describe, expect, it } from 'vitest';
import { DynamoDbRunLedger } from '../../lib/adapters/aws/dynamodb-run-ledger';
import { ValidationError } from '../../lib/domain/errors';
import { LeaseLostError } from '../../lib/domain/worker-errors';
import type { Claim, ClaimRequest, FinishedRun, Occurrence, QueuedRuns, RunLedger } from '../../lib/ports/run-ledger';
import type { RunError } from '../../lib/schemas/run';
import { InMemoryRunLedger } from '../support/fakes/run-ledger';
import { runsTableInput } from '../support/tables';
import { freshForEachTest, freshTable, inProcess, type Implementation } from './implementations';

const ledgers: Implementation<RunLedger & QueuedRuns>[] = [
  inProcess('InMemoryRunLedger', () => new InMemoryRunLedger()),
  {
    name: 'DynamoDbRunLedger',
    create: () =>
      freshTable('sked-contract-runs', runsTableInput, (client, table) => new DynamoDbRunLedger(client, table, 30)),
  },
];

// Time is what the caller passes: a claim's `now` and `leaseUntil`, an outcome's `at`.
const T0 = new Date('2030-01-01T09:00:01Z');
const LEASE = new Date('2030-01-01T09:01:00Z');
const AFTER_LEASE = new Date('2030-01-01T09:01:01Z');
const LATER_LEASE = new Date('2030-01-01T09:02:00Z');
const boom: RunError = { class: 'Error', message: 'boom', category: 'task_exception' };

function occurrence(runId = '20300101T090000Z', jobId = 'job-1'): Occurrence {
  return { jobId, runId, scheduledTime: new Date('2030-01-01T09:00:00Z'), kind: 'schedule' };
}

/** The default occurrence as a run read back shows it. */
const shown = {
  jobId: 'job-1',
  runId: '20300101T090000Z',
  scheduledTime: '2030-01-01T09:00:00.000Z',
  kind: 'schedule',
} as const;

function request(overrides: Partial<ClaimRequest> = {}): ClaimRequest {
  return {
    occurrence: occurrence(),
    expect: { kind: 'absent' },
    token: 't1',
    now: T0,
    leaseUntil: LEASE,
    ...overrides,
  };
}

function claimOf(req: ClaimRequest, attempt = 1, redrives = 0): Claim {
  return {
    occurrence: req.occurrence,
    token: req.token,
    attempt,
    redrives,
    startedAt: req.now,
    ...(req.slot !== undefined && { slot: req.slot }),
  };
}

describe.each(ledgers)('RunLedger contract: $name', (implementation) => {
  let ledger: RunLedger & QueuedRuns;
  freshForEachTest(implementation, (subject) => (ledger = subject));

  /** Claims the request and fails its first attempt with `boom`, and whatever `outcome` adds. */
  async function failedRun(held = request(), outcome: Partial<FinishedRun> = {}): Promise<void> {
    await ledger.claim(held);
    await ledger.finish(claimOf(held), { status: 'failed', finishedAt: T0, durationMs: 1, error: boom, ...outcome });
  }

  /** Claims the request and succeeds its first attempt. */
  async function succeededRun(held = request()): Promise<void> {
    await ledger.claim(held);
    await ledger.finish(claimOf(held), { status: 'succeeded', finishedAt: T0, durationMs: 1 });
  }

  describe('claim', () => {
    it('claims an absent occurrence for attempt 1 and shows it running', async () => {
      // Act
      const claimed = await ledger.claim(request());

      // Assess
      expect(claimed).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
      expect(await ledger.get('job-1', '20300101T090000Z')).toEqual({
        ...shown,
        status: 'running',
        attempts: 1,
        startedAt: T0.toISOString(),
      });
    });

    it('refuses a duplicate claim and reports the holder', async () => {
      // Prepare
      await ledger.claim(request());

      // Act
      const duplicate = await ledger.claim(request({ token: 't2' }));

      // Assess
      expect(duplicate).toEqual({
        kind: 'conflict',
        current: { status: 'running', attempts: 1, redrives: 0, leaseUntil: LEASE },
      });
    });

    it('reports which message holds the run, and forgets it when a claim names none', async () => {
      // Prepare
      await ledger.claim(request({ messageId: 'message-1' }));
      await ledger.release(claimOf(request()), boom, T0);
      await ledger.claim(request({ expect: { kind: 'lapsed', attempts: 1 }, token: 't2', messageId: 'message-2' }));

      // Act
      const duplicate = await ledger.claim(request({ token: 't3', messageId: 'message-3' }));
      await ledger.release(claimOf(request({ token: 't2' }), 2), boom, T0);
      await ledger.claim(request({ expect: { kind: 'lapsed', attempts: 2 }, token: 't4' }));
      const unnamed = await ledger.claim(request({ token: 't5' }));

      // Assess
      expect(duplicate).toEqual({
        kind: 'conflict',
        current: {
          status: 'running',
          attempts: 2,
          redrives: 0,
          leaseUntil: LEASE,
          holderMessageId: 'message-2',
          error: boom,
        },
      });
      expect(unnamed).toMatchObject({ kind: 'conflict', current: { status: 'running', attempts: 3 } });
      expect(unnamed).not.toHaveProperty('current.holderMessageId');
    });

    it('refuses to re-claim a run whose lease has not lapsed', async () => {
      // Prepare
      await ledger.claim(request());

      // Act
      const early = await ledger.claim(
        request({ expect: { kind: 'lapsed', attempts: 1 }, token: 't2', now: new Date(LEASE.getTime() - 1) }),
      );
      const atTheEnd = await ledger.claim(
        request({ expect: { kind: 'lapsed', attempts: 1 }, token: 't2', now: LEASE }),
      );

      // Assess
      expect(early).toEqual({
        kind: 'conflict',
        current: { status: 'running', attempts: 1, redrives: 0, leaseUntil: LEASE },
      });
      expect(atTheEnd).toMatchObject({ kind: 'conflict' });
    });

    it.each<{ holding: string; slot: Pick<ClaimRequest, 'slot'> }>([
      { holding: 'no slot', slot: {} },
      { holding: 'a slot', slot: { slot: 0 } },
    ])(
      're-claims a lapsed lease holding $holding for the next attempt and refuses the stale holder its result',
      async ({ slot }) => {
        // Prepare
        const first = request({ token: 'old', ...slot });
        await ledger.claim(first);
        const lapsed = { expect: { kind: 'lapsed', attempts: 1 }, now: AFTER_LEASE, leaseUntil: LATER_LEASE } as const;

        // Act
        const reclaimed = await ledger.claim(request({ ...lapsed, token: 'new', ...slot }));
        const staleFinish = ledger.finish(claimOf(first), {
          status: 'succeeded',
          finishedAt: AFTER_LEASE,
          durationMs: 1,
        });
        const staleRelease = ledger.release(claimOf(first), boom, AFTER_LEASE);

        // Assess
        expect(reclaimed).toEqual({ kind: 'claimed', attempt: 2, redrives: 0 });
        await expect(staleFinish).rejects.toBeInstanceOf(LeaseLostError);
        await expect(staleRelease).rejects.toBeInstanceOf(LeaseLostError);
        expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({
          status: 'running',
          attempts: 2,
          startedAt: AFTER_LEASE.toISOString(),
        });
      },
    );

    it('refuses a re-claim that expects another number of attempts', async () => {
      // Prepare
      await ledger.claim(request());

      // Act
      const wrongCount = await ledger.claim(
        request({ expect: { kind: 'lapsed', attempts: 2 }, token: 't2', now: AFTER_LEASE }),
      );

      // Assess
      expect(wrongCount).toMatchObject({ kind: 'conflict', current: { status: 'running', attempts: 1 } });
    });

    it('refuses a lapsed expectation when there is no run, and an absent one when there is', async () => {
      // Prepare
      await ledger.claim(request({ occurrence: occurrence('20300101T091000Z') }));

      // Act
      const noRun = await ledger.claim(request({ expect: { kind: 'lapsed', attempts: 0 }, now: AFTER_LEASE }));
      const existing = await ledger.claim(
        request({ occurrence: occurrence('20300101T091000Z'), token: 't2', now: AFTER_LEASE }),
      );

      // Assess
      expect(noRun).toEqual({ kind: 'conflict', current: undefined });
      expect(existing).toMatchObject({ kind: 'conflict', current: { status: 'running', attempts: 1 } });
    });

    it('carries the redrive count given with a lapsed expectation into the claim', async () => {
      // Prepare: a failed run redriven once, whose redriven attempt lapsed
      await failedRun();
      await ledger.claim(request({ expect: { kind: 'failed', redrives: 0 }, token: 'r1' }));

      // Act
      const reclaimed = await ledger.claim(
        request({ expect: { kind: 'lapsed', attempts: 1, redrives: 1 }, token: 'r2', now: AFTER_LEASE }),
      );

      // Assess
      expect(reclaimed).toEqual({ kind: 'claimed', attempt: 2, redrives: 1 });
      expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({ attempts: 2, redrives: 1 });
    });
  });

  describe('concurrency slots', () => {
    it('refuses a slot held by another run until its lease lapses', async () => {
      // Prepare
      await ledger.claim(request({ slot: 0 }));
      const next = request({ occurrence: occurrence('20300101T090500Z'), token: 'n', slot: 0 });

      // Act
      const blocked = await ledger.claim(next);
      const otherSlot = await ledger.claim({ ...next, slot: 1 });
      const afterLapse = await ledger.claim(
        request({ occurrence: occurrence('20300101T091000Z'), token: 'm', now: AFTER_LEASE, slot: 0 }),
      );

      // Assess
      expect(blocked).toEqual({ kind: 'slot-taken' });
      expect(otherSlot).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
      expect(afterLapse).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
      expect(await ledger.get('job-1', '20300101T090500Z')).toMatchObject({ status: 'running' });
    });

    it('takes no slot while a slot at or above a lowered limit is held, and takes one once it is freed', async () => {
      // Prepare: two runs under a limit of 3, at slots 1 and 2; the limit is then lowered to 2
      const high = request({ occurrence: occurrence('20300101T080000Z'), token: 'h', slot: 2, maxConcurrent: 3 });
      await ledger.claim(high);
      await ledger.claim(
        request({ occurrence: occurrence('20300101T081000Z'), token: 'l', slot: 1, maxConcurrent: 3 }),
      );
      const next = request({ token: 'n', slot: 0, maxConcurrent: 2 });

      // Act
      const whileHeld = await ledger.claim(next);
      await ledger.finish(claimOf(high), { status: 'succeeded', finishedAt: T0, durationMs: 1 });
      const afterFinish = await ledger.claim(next);

      // Assess
      expect(whileHeld).toEqual({ kind: 'slot-taken' });
      expect(afterFinish).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
    });

    it('reports a run not in the expected state as a conflict even while a slot above a lowered limit is held', async () => {
      // Prepare: attempt 1 of the run was released for a retry; another run holds slot 2 of the old limit of 3
      const first = request({ token: 'a', slot: 0, maxConcurrent: 3 });
      await ledger.claim(first);
      await ledger.release(claimOf(first), { class: 'Error', message: 'boom', category: 'task_exception' }, T0);
      await ledger.claim(
        request({ occurrence: occurrence('20300101T080000Z'), token: 'h', slot: 2, maxConcurrent: 3 }),
      );

      // Act: a delivery that takes the run for new meets the lowered limit of 2
      const asNew = await ledger.claim(request({ token: 'b', slot: 0, maxConcurrent: 2 }));

      // Assess: the ledger's answer wins, so the run is never recorded as if it had not started
      expect(asNew).toMatchObject({ kind: 'conflict', current: { status: 'running', attempts: 1 } });
    });

    it('counts a slot above a lowered limit against it only while its lease lives', async () => {
      // Prepare
      await ledger.claim(
        request({ occurrence: occurrence('20300101T080000Z'), token: 'h', slot: 3, maxConcurrent: 4 }),
      );
      const next = request({ token: 'n', slot: 0, maxConcurrent: 1 });

      // Act
      const atLease = await ledger.claim({ ...next, now: LEASE });
      const afterLease = await ledger.claim({ ...next, now: AFTER_LEASE, leaseUntil: LATER_LEASE });

      // Assess
      expect(atLease).toEqual({ kind: 'slot-taken' });
      expect(afterLease).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
    });

    it('leaves the run unclaimed when its slot is taken', async () => {
      // Prepare
      await ledger.claim(request({ slot: 0 }));

      // Act
      await ledger.claim(request({ occurrence: occurrence('20300101T090500Z'), token: 'n', slot: 0 }));

      // Assess
      expect(await ledger.get('job-1', '20300101T090500Z')).toBeUndefined();
    });

    it('frees the slot when the holder finishes, recording its result, and when it releases', async () => {
      // Prepare
      const holder = request({ slot: 0 });
      await ledger.claim(holder);
      const second = request({ occurrence: occurrence('20300101T090500Z'), token: 'n', slot: 0 });

      // Act
      await ledger.finish(claimOf(holder), {
        status: 'succeeded',
        finishedAt: T0,
        durationMs: 5,
        result: { ok: true },
      });
      const admitted = await ledger.claim(second);
      await ledger.release(claimOf(second), boom, T0);
      const third = await ledger.claim(request({ occurrence: occurrence('20300101T091000Z'), token: 'm', slot: 0 }));

      // Assess
      expect(admitted).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
      expect(third).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
      expect(await ledger.get('job-1', '20300101T090000Z')).toEqual({
        ...shown,
        status: 'succeeded',
        attempts: 1,
        startedAt: T0.toISOString(),
        finishedAt: T0.toISOString(),
        durationMs: 5,
        result: { ok: true },
      });
    });

    it("records a holder's result after its slot lapsed to another run, leaving the slot to that run", async () => {
      // Prepare
      const slow = request({ token: 'slow', slot: 0 });
      await ledger.claim(slow);
      await ledger.claim(
        request({
          occurrence: occurrence('20300101T090500Z'),
          token: 'fast',
          now: AFTER_LEASE,
          leaseUntil: LATER_LEASE,
          slot: 0,
        }),
      );

      // Act
      await ledger.finish(claimOf(slow), { status: 'succeeded', finishedAt: AFTER_LEASE, durationMs: 61_000 });
      const third = await ledger.claim(
        request({ occurrence: occurrence('20300101T091000Z'), token: 'third', now: AFTER_LEASE, slot: 0 }),
      );

      // Assess
      expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({ status: 'succeeded' });
      expect(third).toEqual({ kind: 'slot-taken' });
    });
  });

  describe('finish and release', () => {
    it('records a succeeded run with its result, duration and finish time', async () => {
      // Prepare
      const held = request();
      await ledger.claim(held);

      // Act
      await ledger.finish(claimOf(held), {
        status: 'succeeded',
        finishedAt: AFTER_LEASE,
        durationMs: 5,
        result: { ok: true, items: [1, 'two', null] },
      });

      // Assess
      expect(await ledger.get('job-1', '20300101T090000Z')).toEqual({
        ...shown,
        status: 'succeeded',
        attempts: 1,
        startedAt: T0.toISOString(),
        finishedAt: AFTER_LEASE.toISOString(),
        durationMs: 5,
        result: { ok: true, items: [1, 'two', null] },
      });
    });

    it('lapses the lease at once on release, keeping the error for the retry', async () => {
      // Prepare
      const held = request();
      await ledger.claim(held);

      // Act
      await ledger.release(claimOf(held), boom, T0);
      const duplicate = await ledger.claim(request({ token: 'dup' }));
      const retry = await ledger.claim(request({ expect: { kind: 'lapsed', attempts: 1 }, token: 't2' }));

      // Assess
      expect(duplicate).toEqual({
        kind: 'conflict',
        current: { status: 'running', attempts: 1, redrives: 0, leaseUntil: new Date(0), error: boom },
      });
      expect(retry).toEqual({ kind: 'claimed', attempt: 2, redrives: 0 });
      expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({
        status: 'running',
        attempts: 2,
        error: boom,
      });
    });

    it('keeps the run and its slot held until the given time when an attempt may still be running', async () => {
      // Prepare
      const held = request({ slot: 0 });
      await ledger.claim(held);

      // Act: released with the hold kept until LEASE
      await ledger.release(claimOf(held), boom, T0, LEASE);
      const retryEarly = await ledger.claim(
        request({ expect: { kind: 'lapsed', attempts: 1 }, token: 't2', now: new Date(LEASE.getTime() - 1), slot: 0 }),
      );
      const otherRun = await ledger.claim(
        request({
          occurrence: occurrence('20300101T091000Z'),
          token: 'o',
          now: new Date(LEASE.getTime() - 1),
          slot: 0,
        }),
      );
      const retry = await ledger.claim(
        request({
          expect: { kind: 'lapsed', attempts: 1 },
          token: 't2',
          now: AFTER_LEASE,
          leaseUntil: LATER_LEASE,
          slot: 0,
        }),
      );

      // Assess
      expect(retryEarly).toEqual({
        kind: 'conflict',
        current: { status: 'running', attempts: 1, redrives: 0, leaseUntil: LEASE, error: boom },
      });
      expect(otherRun).toEqual({ kind: 'slot-taken' });
      expect(retry).toEqual({ kind: 'claimed', attempt: 2, redrives: 0 });
    });

    it('keeps the slot of a run failed for good held until the given time, recording the failure', async () => {
      // Prepare
      const held = request({ slot: 0 });
      await ledger.claim(held);

      // Act
      await ledger.finish(claimOf(held), {
        status: 'failed',
        finishedAt: T0,
        durationMs: 1,
        error: boom,
        holdSlotUntil: LEASE,
      });
      const during = await ledger.claim(
        request({
          occurrence: occurrence('20300101T091000Z'),
          token: 'o',
          now: new Date(LEASE.getTime() - 1),
          slot: 0,
        }),
      );
      const after = await ledger.claim(
        request({
          occurrence: occurrence('20300101T091000Z'),
          token: 'o',
          now: AFTER_LEASE,
          leaseUntil: LATER_LEASE,
          slot: 0,
        }),
      );

      // Assess
      expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({ status: 'failed', error: boom });
      expect(during).toEqual({ kind: 'slot-taken' });
      expect(after).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
    });

    it('drops the error of earlier attempts when a retry succeeds, and keeps the last one when it fails', async () => {
      // Prepare
      const first = request({ occurrence: occurrence('20300101T090000Z') });
      const other = request({ occurrence: occurrence('20300101T091000Z') });
      for (const held of [first, other]) {
        await ledger.claim(held);
        await ledger.release(claimOf(held), boom, T0);
      }
      const retryOf = (held: ClaimRequest) => ({
        ...held,
        expect: { kind: 'lapsed', attempts: 1 } as const,
        token: 'r',
      });
      await ledger.claim(retryOf(first));
      await ledger.claim(retryOf(other));
      const later: RunError = { class: 'TimeoutError', message: 'too slow', category: 'timeout' };

      // Act
      await ledger.finish(claimOf(retryOf(first), 2), { status: 'succeeded', finishedAt: T0, durationMs: 1 });
      await ledger.finish(claimOf(retryOf(other), 2), {
        status: 'failed',
        finishedAt: T0,
        durationMs: 1,
        error: later,
      });

      // Assess
      const succeeded = await ledger.get('job-1', '20300101T090000Z');
      expect(succeeded).toMatchObject({ status: 'succeeded', attempts: 2 });
      expect(succeeded).not.toHaveProperty('error');
      expect(await ledger.get('job-1', '20300101T091000Z')).toMatchObject({
        status: 'failed',
        attempts: 2,
        error: later,
      });
    });

    it('refuses to finish or release a run that is no longer running', async () => {
      // Prepare
      const held = request();
      await succeededRun(held);

      // Act
      const again = ledger.finish(claimOf(held), { status: 'failed', finishedAt: T0, durationMs: 1, error: boom });
      const release = ledger.release(claimOf(held), boom, T0);
      const unknown = ledger.finish(claimOf(request({ occurrence: occurrence('20300101T095900Z') })), {
        status: 'succeeded',
        finishedAt: T0,
        durationMs: 1,
      });

      // Assess
      await expect(again).rejects.toBeInstanceOf(LeaseLostError);
      await expect(release).rejects.toBeInstanceOf(LeaseLostError);
      await expect(unknown).rejects.toBeInstanceOf(LeaseLostError);
      expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({ status: 'succeeded' });
    });

    it('takes a finish sent again after it committed as written, with or without a slot', async () => {
      // Prepare: both writes committed, and their responses were lost
      const plain = request({ occurrence: occurrence('20300101T090000Z') });
      const slotted = request({ occurrence: occurrence('20300101T091000Z'), slot: 0 });
      const outcome: FinishedRun = { status: 'failed', finishedAt: T0, durationMs: 1, error: boom, messageId: 'm' };
      for (const held of [plain, slotted]) {
        await ledger.claim(held);
        await ledger.finish(claimOf(held), outcome);
      }

      // Act
      const again = [plain, slotted].map((held) => ledger.finish(claimOf(held), outcome));

      // Assess
      for (const write of again) await expect(write).resolves.toBeUndefined();
      expect(await ledger.get('job-1', '20300101T091000Z')).toMatchObject({ status: 'failed', error: boom });
    });

    it('takes a release sent again after it committed as written, but not once the retry re-claimed the run', async () => {
      // Prepare
      const held = request({ slot: 0 });
      await ledger.claim(held);
      await ledger.release(claimOf(held), boom, T0);

      // Act
      const again = ledger.release(claimOf(held), boom, T0);
      await expect(again).resolves.toBeUndefined();
      await ledger.claim(request({ expect: { kind: 'lapsed', attempts: 1 }, token: 't2', slot: 0 }));
      const late = ledger.release(claimOf(held), boom, T0);
      const lateFinish = ledger.finish(claimOf(held), { status: 'succeeded', finishedAt: T0, durationMs: 1 });

      // Assess
      await expect(late).rejects.toBeInstanceOf(LeaseLostError);
      await expect(lateFinish).rejects.toBeInstanceOf(LeaseLostError);
      expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({ status: 'running', attempts: 2 });
    });

    it('reports the message that failed a run with a later conflict, so its redelivery can dead-letter it', async () => {
      // Prepare
      await failedRun(request(), { messageId: 'message-9' });

      // Act
      const again = await ledger.claim(request({ token: 'b' }));

      // Assess
      expect(again).toEqual({
        kind: 'conflict',
        current: { status: 'failed', attempts: 1, redrives: 0, failedMessageId: 'message-9', error: boom },
      });
    });
  });

  describe('redrive', () => {
    it('claims a failed run once per redrive with a fresh attempt budget, and never a succeeded one', async () => {
      // Prepare: a run that failed for good, and one that succeeded
      const failed = request({ occurrence: occurrence('20300101T090000Z'), token: 'a' });
      const succeeded = request({ occurrence: occurrence('20300101T091000Z'), token: 'b' });
      await failedRun(failed, { messageId: 'message-1' });
      await succeededRun(succeeded);
      const redrive = (held: ClaimRequest, redrives: number, token: string) =>
        ledger.claim({
          ...held,
          expect: { kind: 'failed', redrives },
          token,
          now: AFTER_LEASE,
          leaseUntil: LATER_LEASE,
        });

      // Act
      const first = await redrive(failed, 0, 'r1');
      const second = await redrive(failed, 0, 'r2');
      const ofSucceeded = await redrive(succeeded, 0, 'r3');

      // Assess
      expect(first).toEqual({ kind: 'claimed', attempt: 1, redrives: 1 });
      expect(second).toEqual({
        kind: 'conflict',
        current: { status: 'running', attempts: 1, redrives: 1, leaseUntil: LATER_LEASE, error: boom },
      });
      expect(ofSucceeded).toEqual({ kind: 'conflict', current: { status: 'succeeded', attempts: 1, redrives: 0 } });
    });

    it('starts the redriven attempt afresh: no finish time, duration, result or failed message, the error kept', async () => {
      // Prepare
      await failedRun(request(), { durationMs: 7, messageId: 'message-1' });

      // Act
      await ledger.claim(request({ expect: { kind: 'failed', redrives: 0 }, token: 'r1', now: AFTER_LEASE }));

      // Assess
      expect(await ledger.get('job-1', '20300101T090000Z')).toEqual({
        ...shown,
        status: 'running',
        attempts: 1,
        redrives: 1,
        startedAt: AFTER_LEASE.toISOString(),
        error: boom,
      });
    });

    it('counts each redrive, claiming only with the count the ledger holds', async () => {
      // Prepare: failed, redriven once, failed again
      await failedRun();
      const redriven = request({ expect: { kind: 'failed', redrives: 0 }, token: 'r1' });
      await ledger.claim(redriven);
      await ledger.finish(claimOf(redriven, 1, 1), { status: 'failed', finishedAt: T0, durationMs: 1, error: boom });

      // Act
      const withOldCount = await ledger.claim(request({ expect: { kind: 'failed', redrives: 0 }, token: 'r2' }));
      const withCount = await ledger.claim(request({ expect: { kind: 'failed', redrives: 1 }, token: 'r3' }));

      // Assess
      expect(withOldCount).toEqual({
        kind: 'conflict',
        current: { status: 'failed', attempts: 1, redrives: 1, error: boom },
      });
      expect(withCount).toEqual({ kind: 'claimed', attempt: 1, redrives: 2 });
    });
  });

  describe('recorded outcomes', () => {
    it('records an outcome without a run once, with no attempts', async () => {
      // Act
      const recorded = await ledger.record(
        occurrence(),
        { kind: 'absent' },
        { status: 'skipped', reason: 'paused', at: T0 },
      );
      const again = await ledger.record(
        occurrence(),
        { kind: 'absent' },
        { status: 'missed', reason: 'misfire', at: T0 },
      );

      // Assess
      expect(recorded).toEqual({ kind: 'recorded' });
      expect(again).toEqual({ kind: 'conflict', current: { status: 'skipped', attempts: 0, redrives: 0 } });
      expect(await ledger.get('job-1', '20300101T090000Z')).toEqual({
        ...shown,
        status: 'skipped',
        reason: 'paused',
        attempts: 0,
        finishedAt: T0.toISOString(),
      });
    });

    it('records an outcome over a lapsed run only once its lease has lapsed at the time of the outcome', async () => {
      // Prepare
      await ledger.claim(request());

      // Act
      const early = await ledger.record(
        occurrence(),
        { kind: 'lapsed', attempts: 1 },
        { status: 'failed', error: boom, at: T0 },
      );
      const lapsed = await ledger.record(
        occurrence(),
        { kind: 'lapsed', attempts: 1 },
        { status: 'failed', error: boom, at: AFTER_LEASE },
      );
      const reclaim = await ledger.claim(
        request({ expect: { kind: 'lapsed', attempts: 1 }, token: 't2', now: AFTER_LEASE }),
      );

      // Assess
      expect(early).toEqual({
        kind: 'conflict',
        current: { status: 'running', attempts: 1, redrives: 0, leaseUntil: LEASE },
      });
      expect(lapsed).toEqual({ kind: 'recorded' });
      expect(reclaim).toEqual({
        kind: 'conflict',
        current: { status: 'failed', attempts: 1, redrives: 0, error: boom },
      });
      expect(await ledger.get('job-1', '20300101T090000Z')).toEqual({
        ...shown,
        status: 'failed',
        attempts: 1,
        startedAt: T0.toISOString(),
        finishedAt: AFTER_LEASE.toISOString(),
        error: boom,
      });
    });

    it('records a failure without a run with the message to dead-letter, which a later conflict reports', async () => {
      // Prepare: a retry released its hold and then waited too long for a slot
      await ledger.claim(request());
      await ledger.release(claimOf(request()), boom, T0);

      // Act
      const recorded = await ledger.record(
        occurrence(),
        { kind: 'lapsed', attempts: 1 },
        { status: 'failed', reason: 'overlap', error: boom, at: AFTER_LEASE, messageId: 'message-7' },
      );
      const again = await ledger.claim(request({ token: 't2', now: AFTER_LEASE }));

      // Assess
      expect(recorded).toEqual({ kind: 'recorded' });
      expect(again).toEqual({
        kind: 'conflict',
        current: { status: 'failed', attempts: 1, redrives: 0, failedMessageId: 'message-7', error: boom },
      });
    });

    it('keeps the redrive count of a run whose outcome is recorded after a redrive', async () => {
      // Prepare: failed, redriven, the redriven attempt lapsed
      await failedRun();
      await ledger.claim(request({ expect: { kind: 'failed', redrives: 0 }, token: 'r1' }));

      // Act
      const recorded = await ledger.record(
        occurrence(),
        { kind: 'lapsed', attempts: 1, redrives: 1 },
        { status: 'missed', reason: 'misfire', at: AFTER_LEASE },
      );

      // Assess
      expect(recorded).toEqual({ kind: 'recorded' });
      expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({
        status: 'missed',
        reason: 'misfire',
        attempts: 1,
        redrives: 1,
      });
    });

    it('records a failure before running over a failed run being redriven', async () => {
      // Prepare
      await failedRun();
      const invalid: RunError = { class: 'ValidationError', message: 'bad payload', category: 'payload_validation' };

      // Act
      const recorded = await ledger.record(
        occurrence(),
        { kind: 'failed', redrives: 0 },
        { status: 'failed', error: invalid, at: AFTER_LEASE },
      );

      // Assess
      expect(recorded).toEqual({ kind: 'recorded' });
      expect(await ledger.get('job-1', '20300101T090000Z')).toMatchObject({ status: 'failed', error: invalid });
    });
  });

  describe('queued runs (run-now)', () => {
    const manual: Occurrence = {
      jobId: 'job-1',
      runId: '20300101T085959Z-ab12',
      scheduledTime: new Date('2030-01-01T08:59:59Z'),
      kind: 'manual',
    };

    it('shows a queued run at once, and the first claim takes it for attempt 1 with a slot', async () => {
      // Act
      await ledger.enqueue(manual, manual.scheduledTime);
      const queued = await ledger.get('job-1', manual.runId);
      const claimed = await ledger.claim(request({ occurrence: manual, slot: 0, maxConcurrent: 1 }));

      // Assess
      expect(queued).toEqual({
        jobId: 'job-1',
        runId: manual.runId,
        scheduledTime: '2030-01-01T08:59:59.000Z',
        kind: 'manual',
        status: 'queued',
        attempts: 0,
      });
      expect(claimed).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });
      expect(await ledger.get('job-1', manual.runId)).toMatchObject({ status: 'running', attempts: 1 });
    });

    it('lets a first-attempt outcome replace a queued run', async () => {
      // Prepare
      await ledger.enqueue(manual, manual.scheduledTime);

      // Act
      const recorded = await ledger.record(
        manual,
        { kind: 'absent' },
        { status: 'skipped', reason: 'overlap', at: T0 },
      );

      // Assess
      expect(recorded).toEqual({ kind: 'recorded' });
      expect(await ledger.get('job-1', manual.runId)).toMatchObject({ status: 'skipped', attempts: 0 });
    });

    it('lists queued runs under their own status', async () => {
      // Prepare
      await ledger.enqueue(manual, manual.scheduledTime);
      await succeededRun();

      // Act
      const page = await ledger.list('job-1', { status: 'queued', limit: 10 });

      // Assess
      expect(page.items.map((run) => run.runId)).toEqual([manual.runId]);
    });

    it('takes an enqueue sent again after it committed (its response lost) as done', async () => {
      // Prepare
      await ledger.enqueue(manual, manual.scheduledTime);

      // Act
      await ledger.enqueue(manual, manual.scheduledTime);

      // Assess
      expect(await ledger.get('job-1', manual.runId)).toMatchObject({ status: 'queued', attempts: 0 });
    });

    it('refuses to queue a run id that already exists', async () => {
      // Prepare
      await ledger.enqueue(manual, manual.scheduledTime);
      await ledger.claim(request({ occurrence: manual }));

      // Act
      const again = ledger.enqueue(manual, manual.scheduledTime);

      // Assess
      await expect(again).rejects.toThrow();
      expect(await ledger.get('job-1', manual.runId)).toMatchObject({ status: 'running' });
    });

    it('withdraws a queued run, and leaves one the worker has begun', async () => {
      // Prepare
      const begun = { ...manual, runId: '20300101T085959Z-cd34' };
      await ledger.enqueue(manual, manual.scheduledTime);
      await ledger.enqueue(begun, begun.scheduledTime);
      await ledger.claim(request({ occurrence: begun }));

      // Act
      await ledger.withdraw(manual);
      await ledger.withdraw(begun);
      await ledger.withdraw({ ...manual, runId: '20300101T085959Z-none' });

      // Assess
      expect(await ledger.get('job-1', manual.runId)).toBeUndefined();
      expect(await ledger.get('job-1', begun.runId)).toMatchObject({ status: 'running', attempts: 1 });
    });
  });

  describe('reading runs', () => {
    it('reads an unknown run as undefined', async () => {
      // Act
      const run = await ledger.get('job-1', 'nope');

      // Assess
      expect(run).toBeUndefined();
    });

    it("lists a job's runs newest first, a page at a time, filtered by status, without other jobs' runs", async () => {
      // Prepare
      for (const runId of ['20300101T090000Z', '20300101T091000Z', '20300101T092000Z', '20300101T093000Z']) {
        await ledger.record(occurrence(runId), { kind: 'absent' }, { status: 'skipped', reason: 'paused', at: T0 });
      }
      await ledger.claim(request({ occurrence: occurrence('20300101T094000Z'), slot: 0 }));
      await ledger.record(occurrence('20300101T095000Z', 'job-2'), { kind: 'absent' }, { status: 'skipped', at: T0 });

      // Act
      const first = await ledger.list('job-1', { limit: 2, status: 'skipped' });
      const second = await ledger.list('job-1', {
        limit: 3,
        status: 'skipped',
        ...(first.nextCursor !== undefined && { cursor: first.nextCursor }),
      });
      const all = await ledger.list('job-1', { limit: 10 });

      // Assess
      expect(first.items.map((run) => run.runId)).toEqual(['20300101T093000Z', '20300101T092000Z']);
      expect(first.nextCursor).toBeDefined();
      expect(second.items.map((run) => run.runId)).toEqual(['20300101T091000Z', '20300101T090000Z']);
      expect(second.nextCursor).toBeUndefined();
      expect(all.items.map((run) => [run.runId, run.status])).toEqual([
        ['20300101T094000Z', 'running'],
        ['20300101T093000Z', 'skipped'],
        ['20300101T092000Z', 'skipped'],
        ['20300101T091000Z', 'skipped'],
        ['20300101T090000Z', 'skipped'],
      ]);
    });

    it('gives a full page a cursor, which leads to an empty page when nothing follows', async () => {
      // Prepare
      for (const runId of ['20300101T090000Z', '20300101T091000Z']) {
        await ledger.record(occurrence(runId), { kind: 'absent' }, { status: 'skipped', reason: 'paused', at: T0 });
      }

      // Act
      const full = await ledger.list('job-1', { limit: 2 });
      const after = await ledger.list('job-1', {
        limit: 2,
        ...(full.nextCursor !== undefined && { cursor: full.nextCursor }),
      });

      // Assess
      expect(full.items).toHaveLength(2);
      expect(full.nextCursor).toBeDefined();
      expect(after).toEqual({ items: [] });
    });

    it('refuses a cursor it did not issue', async () => {
      // Act
      const attempt = ledger.list('job-1', { limit: 10, cursor: 'bm90LWEtY3Vyc29y' });

      // Assess
      await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    });

    it('lists nothing for a job without runs', async () => {
      // Act
      const page = await ledger.list('job-none', { limit: 5 });

      // Assess
      expect(page).toEqual({ items: [] });
    });
  });
});
