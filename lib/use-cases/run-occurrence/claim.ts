import { SlotWaitTimeoutError } from '../../domain/worker-errors';
import { classifyError, isCoalesced, isMisfired, slotOrder } from '../../domain/worker-policies';
import type { Claim, LedgerEntry, LedgerExpectation, RecordedOutcome } from '../../ports/run-ledger';
import type { Job } from '../../schemas/job';
import type { SkipReason } from '../../schemas/run';
import { announceFailedWithoutRun, announceRecorded, publish } from './record';
import { settled, type RecordContext, type RecordOutcome, type Settled } from './settings';

export type ClaimOutcome = Settled | { readonly kind: 'claimed'; readonly claim: Claim };

/**
 * Claims the occurrence in the run ledger: a hold on one of the job's slots, or how the record settled without one
 * (paused, missed, coalesced, skipped for overlap, a duplicate delivery, or waiting for a slot).
 */
export async function claimOccurrence(context: RecordContext, job: Job): Promise<ClaimOutcome> {
  const { deps, occurrence, message } = context;
  const now = deps.clock.now();
  let expect: LedgerExpectation = { kind: 'absent' };

  if (context.redriveOf !== undefined) {
    // An operator asked for this run: no paused, misfire or coalesce check, and a fresh attempt budget.
    expect = { kind: 'failed', redrives: context.redriveOf };
  } else if (occurrence.kind === 'schedule') {
    if (job.state === 'paused') {
      return settled(
        await recordWithoutRun(context, expect, { status: 'skipped', reason: 'paused', at: now }, 'paused'),
      );
    }
    // Misfire and coalesce judge a first attempt only: a run that has started is never abandoned by them.
    // A redelivery (after a passing DynamoDB error, or while waiting for a slot) is judged by when its first
    // delivery arrived, so a worker-side retry never turns an on-time occurrence into a missed one.
    // A first receive before the occurrence's time (a ticked occurrence that came early and was sent back) was no
    // attempt: the redelivery is.
    const firstAttemptAt =
      message.receiveCount > 1 && message.firstReceivedAt.getTime() >= occurrence.scheduledTime.getTime()
        ? message.firstReceivedAt
        : now;
    if (isMisfired(job, occurrence.scheduledTime, firstAttemptAt)) {
      const result = await recordFirst(context, { status: 'missed', reason: 'misfire', at: now });
      if (result.kind === 'settled') return settled('done');
      expect = result.expect;
    } else if (isCoalesced(job, occurrence.scheduledTime, now)) {
      const result = await recordFirst(context, { status: 'skipped', reason: 'coalesced', at: now }, 'coalesced');
      if (result.kind === 'settled') return settled('done');
      expect = result.expect;
    }
  }

  return claimSlot(context, job, expect);
}

type FirstRecordResult =
  { readonly kind: 'settled' } | { readonly kind: 'started'; readonly expect: LedgerExpectation };

/** Records a first-attempt outcome; when an attempt already exists, the occurrence carries on to the claim. */
async function recordFirst(
  context: RecordContext,
  outcome: RecordedOutcome,
  skipReason?: SkipReason,
): Promise<FirstRecordResult> {
  const result = await context.deps.ledger.record(context.occurrence, { kind: 'absent' }, outcome);
  if (result.kind === 'recorded') {
    await announceRecorded(context, outcome, skipReason);
    return { kind: 'settled' };
  }
  const current = result.current;
  if (current === undefined || current.status !== 'running') {
    await settleDuplicate(context, current);
    return { kind: 'settled' };
  }
  return { kind: 'started', expect: { kind: 'lapsed', attempts: current.attempts, redrives: current.redrives } };
}

/** Records an outcome over a first attempt or a lapsed run; a conflict means another delivery settled it. */
async function recordWithoutRun(
  context: RecordContext,
  expect: LedgerExpectation,
  outcome: RecordedOutcome,
  skipReason?: SkipReason,
  announce: () => Promise<void> = () => announceRecorded(context, outcome, skipReason),
): Promise<RecordOutcome> {
  let currentExpect = expect;
  for (let tries = 0; tries < context.deps.settings.recordWithoutRunAttempts; tries++) {
    const result = await context.deps.ledger.record(context.occurrence, currentExpect, outcome);
    if (result.kind === 'recorded') {
      await announce();
      return 'done';
    }
    const now = context.deps.clock.now();
    if (isHeldByThisMessage(context, result.current, now)) return waitForHolder(context, result.current, now);
    const next = expectationFrom(result.current, now);
    if (next === undefined) {
      await settleDuplicate(context, result.current);
      return 'done';
    }
    currentExpect = next;
  }
  return 'retry';
}

/** The expectation to retry a write with, or undefined when the current state is final or held by a live lease. */
function expectationFrom(current: LedgerEntry | undefined, now: Date): LedgerExpectation | undefined {
  if (current === undefined || current.status === 'queued') return { kind: 'absent' };
  if (current.status !== 'running') return undefined;
  if (current.leaseUntil !== undefined && current.leaseUntil.getTime() >= now.getTime()) return undefined;
  return { kind: 'lapsed', attempts: current.attempts, redrives: current.redrives };
}

/**
 * True when the run is held under a live lease by a receive of this very message (SQS delivered it again while the
 * first receive still runs). Acknowledging it would delete the message the holder relies on to come back after a
 * retry or a crash. An item that does not say which message holds it counts as held by this one.
 */
function isHeldByThisMessage(
  context: RecordContext,
  current: LedgerEntry | undefined,
  now: Date,
): current is LedgerEntry & { readonly leaseUntil: Date } {
  if (current?.status !== 'running' || current.leaseUntil === undefined) return false;
  if (current.leaseUntil.getTime() < now.getTime()) return false;
  return current.holderMessageId === undefined || current.holderMessageId === context.message.messageId;
}

/**
 * Brings the message back just after the holder's lease ends, when it finds the outcome (and is acknowledged) or
 * a lapsed lease (and claims the next attempt). Each wait lasts until a lease ends, and a lease ends no later than
 * its invocation's deadline, so the waits of one message are bounded by the attempts of its run.
 */
async function waitForHolder(
  context: RecordContext,
  current: LedgerEntry & { readonly leaseUntil: Date },
  now: Date,
): Promise<RecordOutcome> {
  const delaySeconds = Math.max(1, Math.ceil((current.leaseUntil.getTime() - now.getTime()) / 1000) + 1);
  context.log.info('another receive of this message holds the run; back when its lease ends', {
    leaseUntil: current.leaseUntil.toISOString(),
    delaySeconds,
  });
  await context.deps.messages.retryLater(context.message, delaySeconds);
  return 'retry';
}

/**
 * Acknowledges a delivery of an occurrence that is settled or held elsewhere. The one exception to doing nothing:
 * the very message whose attempts failed the run comes back, which happens only when its DLQ copy could not be
 * sent (or its acknowledgement was lost), so the copy is sent (again). A duplicate DLQ copy is harmless: a redrive
 * claims the failed run only at the redrive count it carries, so only one copy runs.
 */
async function settleDuplicate(context: RecordContext, current: LedgerEntry | undefined): Promise<void> {
  const { log, message, occurrence } = context;
  if (current?.status === 'failed' && current.failedMessageId === message.messageId) {
    const error = current.error ?? { class: 'Unknown', message: 'no error recorded', category: 'unknown' };
    log.warn('failed run came back before its DLQ copy was confirmed; dead-lettering it');
    await context.deps.messages.deadLetter(message, {
      reason: 'exhausted',
      detail: `failed after ${current.attempts} attempts`,
      error,
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime,
      attempts: current.attempts,
      redrives: current.redrives,
    });
    await publish(context, {
      type: 'RunDeadLettered',
      jobId: occurrence.jobId,
      detail: { runId: occurrence.runId, scheduledTime: occurrence.scheduledTime.toISOString(), error },
    });
    return;
  }
  if (context.redriveOf !== undefined && current?.status === 'failed') {
    log.info('redrive of a failed run that was already redriven; acknowledged without running', {
      redrivesCarried: context.redriveOf,
      redrives: current.redrives,
    });
    return;
  }
  log.info('duplicate delivery; acknowledged without running', {
    status: current?.status,
    leaseUntil: current?.leaseUntil?.toISOString(),
  });
}

/**
 * Whether runs may still hold slots at or above the job's limit, left from a higher one: only then does the claim
 * have the ledger look at them (a read more per claim). A job whose record does not say its highest limit (written
 * before sked recorded it) is looked at too.
 */
function maySlotsAboveLimitBeHeld(job: Job): boolean {
  return job.slotsHighWater === undefined || job.slotsHighWater > job.maxConcurrent;
}

/** Tries the job's slots in the run's own order until one holds the occurrence, or the record settles. */
async function claimSlot(context: RecordContext, job: Job, initial: LedgerExpectation): Promise<ClaimOutcome> {
  const { deps, occurrence, log, invocation } = context;
  const slots = slotOrder(occurrence.runId, job.maxConcurrent);
  let expect = initial;
  let conflicts = 0;
  const token = deps.newToken();

  for (const slot of slots) {
    let taken = false;
    while (!taken) {
      const now = deps.clock.now();
      // The hold never outlives this invocation, so a crashed run's message (visible again after the queue's
      // visibility timeout, which is at least the function timeout) always finds the lease lapsed.
      const leaseUntil = new Date(now.getTime() + invocation.remainingMs());
      const result = await deps.ledger.claim({
        occurrence,
        expect,
        token,
        now,
        leaseUntil,
        slot,
        ...(maySlotsAboveLimitBeHeld(job) && { maxConcurrent: job.maxConcurrent }),
        messageId: context.message.messageId,
      });
      switch (result.kind) {
        case 'claimed':
          return {
            kind: 'claimed',
            claim: {
              occurrence,
              token,
              attempt: result.attempt,
              redrives: result.redrives,
              startedAt: now,
              slot,
              leaseUntil,
            },
          };
        case 'slot-taken':
          taken = true;
          break;
        case 'contention':
          conflicts += 1;
          if (conflicts > deps.settings.claimMaxConflicts) return settled('retry');
          await deps.sleep(deps.settings.contentionPauseMs * conflicts);
          break;
        case 'conflict': {
          conflicts += 1;
          if (isHeldByThisMessage(context, result.current, now)) {
            return settled(await waitForHolder(context, result.current, now));
          }
          const next = expectationFrom(result.current, now);
          if (next === undefined || conflicts > deps.settings.claimMaxConflicts) {
            // Finished, or running under another message's delivery, which stays in flight until it is done.
            await settleDuplicate(context, result.current);
            return settled('done');
          }
          expect = next;
          break;
        }
      }
    }
  }

  // Every slot is held by another run of this job. A run that started, or a redrive, is never skipped halfway.
  const startedBefore = expect.kind !== 'absent';
  const waitedLongEnough = context.message.receiveCount >= deps.settings.overlapMaxDeliveries;
  if ((job.overlap === 'skip' || waitedLongEnough) && !startedBefore) {
    if (job.overlap === 'queue') {
      log.warn('no slot freed while the occurrence waited; recorded skipped', {
        deliveries: context.message.receiveCount,
      });
    }
    return settled(
      await recordWithoutRun(
        context,
        expect,
        { status: 'skipped', reason: 'overlap', at: deps.clock.now() },
        'overlap',
      ),
    );
  }
  // A run that started waits for a slot, but not for ever: each delivery counts towards the queue's redrive limit.
  const startedWaitLimit = job.retry.maxAttempts + deps.settings.overlapMaxDeliveries;
  if (startedBefore && context.message.receiveCount >= startedWaitLimit) {
    return settled(await failWaitingRun(context, job, expect));
  }
  // overlap: queue, or a run that already started: wait for a slot.
  log.info('all slots of the job are taken; retrying later', {
    maxConcurrent: job.maxConcurrent,
    delaySeconds: deps.settings.overlapRetrySeconds,
  });
  await deps.messages.retryLater(context.message, deps.settings.overlapRetrySeconds);
  return settled('retry');
}

/** Records a started run that found no slot for too long as failed, and dead-letters it (redrivable). */
async function failWaitingRun(context: RecordContext, job: Job, expect: LedgerExpectation): Promise<RecordOutcome> {
  const { deps, message, log } = context;
  const error = classifyError(new SlotWaitTimeoutError(job.maxConcurrent, message.receiveCount));
  log.warn('no slot freed while the started run waited; recorded failed', { deliveries: message.receiveCount });
  // The redrive count the ledger keeps, which a redrive of the DLQ copy must name to claim the run again.
  const redrives = expect.kind === 'absent' ? 0 : (expect.redrives ?? 0);
  return recordWithoutRun(
    context,
    expect,
    { status: 'failed', reason: 'overlap', error, at: deps.clock.now(), messageId: message.messageId },
    undefined,
    () => announceFailedWithoutRun(context, error, redrives),
  );
}
