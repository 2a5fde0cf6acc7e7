import { LeaseLostError, TaskTimeoutError } from '../../domain/worker-errors';
import { classifyError, decideAfterFailure, truncateResult, type FailureDecision } from '../../domain/worker-policies';
import type { LifecycleEvent } from '../../ports/events';
import type { Claim, RecordedOutcome } from '../../ports/run-ledger';
import type { WorkerLog } from '../../ports/worker-log';
import type { Job } from '../../schemas/job';
import type { RunError, SkipReason } from '../../schemas/run';
import type { Execution } from './execute';
import { settled, type RecordContext, type RecordOutcome, type Settled } from './settings';

/** What the ledger now says about an executed attempt, for the announcement. */
export type Recorded =
  | { readonly kind: 'succeeded' }
  | {
      readonly kind: 'retrying';
      readonly error: RunError;
      readonly delaySeconds: number;
      /** False when the hold could not be released: the message then comes back after its visibility timeout. */
      readonly released: boolean;
    }
  | {
      readonly kind: 'failed';
      readonly error: RunError;
      readonly why: Extract<FailureDecision, { kind: 'give-up' }>['why'];
    };

/**
 * Records the attempt's outcome in the run ledger: succeeded, released for a retry, or failed. Settled when the
 * write lost its lease (another delivery owns the run now) or could not be made (SQS delivers the record again).
 */
export async function recordOutcome(
  context: RecordContext,
  job: Job,
  execution: Execution,
): Promise<Recorded | Settled> {
  const { deps } = context;
  const { claim, log, result, finishedAt, durationMs } = execution;

  if (result.ok) {
    const written = await writeCompletion(context, log, () =>
      deps.ledger.finish(claim, { status: 'succeeded', finishedAt, durationMs, result: truncateResult(result.value) }),
    );
    if (written !== 'written') return settled(written === 'lease-lost' ? 'done' : 'retry');
    return { kind: 'succeeded' };
  }

  const error = classifyError(result.failure);
  const holdUntil = stillRunningUntil(result.failure, claim, finishedAt);
  if (holdUntil !== undefined) {
    log.warn('the timed-out target did not stop when aborted; its run and slot stay held until the deadline', {
      holdUntil: holdUntil.toISOString(),
    });
  }
  const decision = decideAfterFailure(job.retry, claim.attempt, error.category, {
    ageSeconds: (finishedAt.getTime() - context.message.sentAt.getTime()) / 1000,
    retentionSeconds: deps.settings.queueRetentionSeconds,
  });
  if (decision.kind === 'retry') {
    const written = await writeCompletion(context, log, () => deps.ledger.release(claim, error, finishedAt, holdUntil));
    if (written === 'lease-lost') return settled('done');
    // The retry comes back once the hold has lapsed, not while the abandoned attempt may still run.
    const delaySeconds =
      holdUntil === undefined
        ? decision.delaySeconds
        : Math.max(decision.delaySeconds, Math.ceil((holdUntil.getTime() - finishedAt.getTime()) / 1000) + 1);
    return { kind: 'retrying', error, delaySeconds, released: written === 'written' };
  }

  const written = await writeCompletion(context, log, () =>
    deps.ledger.finish(claim, {
      status: 'failed',
      finishedAt,
      durationMs,
      error,
      messageId: context.message.messageId,
      ...(holdUntil !== undefined && { holdSlotUntil: holdUntil }),
    }),
  );
  if (written === 'lease-lost') return settled('done');
  if (written === 'not-written') return settled('retry');
  return { kind: 'failed', error, why: decision.why };
}

/**
 * When a timed-out target that did not stop must have stopped: the invocation's deadline, which is when Lambda ends
 * it. Undefined when the attempt is over.
 */
function stillRunningUntil(failure: unknown, claim: Claim, finishedAt: Date): Date | undefined {
  if (!(failure instanceof TaskTimeoutError) || !failure.stillRunning) return undefined;
  if (claim.leaseUntil === undefined || claim.leaseUntil.getTime() <= finishedAt.getTime()) return undefined;
  return claim.leaseUntil;
}

/** Announces a recorded attempt: metrics, the one info line per outcome, lifecycle events, the retry or DLQ copy. */
export async function announceOutcome(
  context: RecordContext,
  job: Job,
  execution: Execution,
  recorded: Recorded,
): Promise<RecordOutcome> {
  const { deps, occurrence } = context;
  const { claim, log, finishedAt, durationMs } = execution;
  switch (recorded.kind) {
    case 'succeeded':
      deps.metrics.succeeded(durationMs);
      log.info('run succeeded', { durationMs });
      await publish(context, {
        type: 'RunSucceeded',
        jobId: occurrence.jobId,
        detail: runDetail(claim, { durationMs }),
      });
      if (job.trigger.type === 'date' && occurrence.kind === 'schedule')
        await completeDateJob(context, job, finishedAt);
      return 'done';
    case 'retrying': {
      const { error, delaySeconds } = recorded;
      deps.metrics.retried(error.category);
      log.warn('attempt failed; retrying after backoff', { error, delaySeconds, maxAttempts: job.retry.maxAttempts });
      // Only a released hold may come back early: otherwise the message would find its own live lease.
      if (recorded.released) await deps.messages.retryLater(context.message, delaySeconds);
      await publish(context, {
        type: 'RunRetrying',
        jobId: occurrence.jobId,
        detail: runDetail(claim, { error, delaySeconds }),
      });
      return 'retry';
    }
    case 'failed': {
      const { error, why } = recorded;
      deps.metrics.failed(error.category);
      log.error('run failed', { error, attempts: claim.attempt, redrives: claim.redrives, why });
      await publish(context, { type: 'RunFailed', jobId: occurrence.jobId, detail: runDetail(claim, { error }) });
      // Should this send fail, the record goes back to SQS and its redelivery sends the copy (settleDuplicate).
      await deps.messages.deadLetter(context.message, {
        reason: 'exhausted',
        detail: FAILURE_DETAIL[why](claim.attempt),
        error,
        jobId: occurrence.jobId,
        runId: occurrence.runId,
        scheduledTime: occurrence.scheduledTime,
        attempts: claim.attempt,
        redrives: claim.redrives,
      });
      await publish(context, { type: 'RunDeadLettered', jobId: occurrence.jobId, detail: runDetail(claim, { error }) });
      return 'done';
    }
  }
}

/** The DLQ copy's `sked-detail`: why the run failed for good. */
const FAILURE_DETAIL: Record<Extract<FailureDecision, { kind: 'give-up' }>['why'], (attempts: number) => string> = {
  exhausted: (attempts) => `failed after ${attempts} attempts`,
  'not-retryable': () => 'failure is not retryable',
  expiring: (attempts) =>
    `failed after ${attempts} attempts: the next would come after the message expires from the jobs queue`,
};

type CompletionWrite = 'written' | 'lease-lost' | 'not-written';

/**
 * Writes an outcome, trying again a few times in-process so that a passing DynamoDB error does not turn into a
 * second execution. Still failing: the record goes back to SQS and the ledger still says `running`.
 */
async function writeCompletion(
  context: RecordContext,
  log: WorkerLog,
  write: () => Promise<void>,
): Promise<CompletionWrite> {
  const { deps } = context;
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return 'written';
    } catch (error) {
      if (error instanceof LeaseLostError) {
        log.warn('another delivery re-claimed this run after its lease lapsed; result not recorded');
        return 'lease-lost';
      }
      deps.metrics.workerError(classifyError(error).category);
      if (attempt >= deps.settings.completionWriteAttempts) {
        log.error('could not record the outcome; SQS will deliver the message again', { error: describe(error) });
        return 'not-written';
      }
      log.warn('recording the outcome failed; trying again', { error: describe(error), attempt });
      await deps.sleep(deps.settings.contentionPauseMs * attempt);
    }
  }
}

async function completeDateJob(context: RecordContext, job: Job, at: Date): Promise<void> {
  try {
    // A job changed since the run read it keeps its new definition, and is not announced completed.
    if (!(await context.deps.completion.markCompleted(job.id, job.version, at))) return;
    await publish(context, { type: 'JobCompleted', jobId: context.occurrence.jobId, detail: {} });
  } catch (error) {
    // The run is recorded; a job left `enabled` has no further fire time and is harmless.
    context.log.error('could not mark the date job completed', { error: describe(error) });
    context.deps.metrics.workerError(classifyError(error).category);
  }
}

/** Announces an occurrence recorded without a run: missed, or skipped for a reason. */
export async function announceRecorded(
  context: RecordContext,
  outcome: RecordedOutcome,
  skipReason?: SkipReason,
): Promise<void> {
  const { deps, occurrence, log } = context;
  const detail = {
    runId: occurrence.runId,
    scheduledTime: occurrence.scheduledTime.toISOString(),
    status: outcome.status,
    reason: outcome.reason,
  };
  if (outcome.status === 'missed') {
    deps.metrics.missed();
    log.warn('run missed: started later than the misfire grace allows', { reason: outcome.reason });
    await publish(context, { type: 'RunMissed', jobId: occurrence.jobId, detail });
  } else if (outcome.status === 'skipped' && skipReason !== undefined) {
    deps.metrics.skipped(skipReason);
    log.info('run skipped', { reason: skipReason });
    await publish(context, { type: 'RunSkipped', jobId: occurrence.jobId, detail });
  }
}

/**
 * Announces a run recorded failed without running its target this time (it waited too long for a slot) as a
 * failed attempt is announced: metrics, the log line, RunFailed, the DLQ copy carrying the occurrence's redrive
 * count, RunDeadLettered.
 */
export async function announceFailedWithoutRun(
  context: RecordContext,
  error: RunError,
  redrives: number,
): Promise<void> {
  const { deps, occurrence, log } = context;
  deps.metrics.failed(error.category);
  log.error('run failed', { error, redrives });
  const detail = {
    runId: occurrence.runId,
    scheduledTime: occurrence.scheduledTime.toISOString(),
    kind: occurrence.kind,
    error,
  };
  await publish(context, { type: 'RunFailed', jobId: occurrence.jobId, detail });
  // Should this send fail, the record goes back to SQS and its redelivery sends the copy (settleDuplicate).
  await deps.messages.deadLetter(context.message, {
    reason: 'exhausted',
    detail: error.message,
    error,
    jobId: occurrence.jobId,
    runId: occurrence.runId,
    scheduledTime: occurrence.scheduledTime,
    redrives,
  });
  await publish(context, { type: 'RunDeadLettered', jobId: occurrence.jobId, detail });
}

function runDetail(claim: Claim, extra: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    runId: claim.occurrence.runId,
    scheduledTime: claim.occurrence.scheduledTime.toISOString(),
    kind: claim.occurrence.kind,
    attempt: claim.attempt,
    ...(claim.redrives > 0 && { redrives: claim.redrives }),
    ...extra,
  };
}

/** Events are notifications: a bus outage is logged and counted, and never re-runs or fails a recorded run. */
export async function publish(context: RecordContext, event: LifecycleEvent): Promise<void> {
  try {
    await context.deps.events.publish(event);
  } catch (error) {
    context.log.error('could not publish lifecycle event', { eventType: event.type, error: describe(error) });
    context.deps.metrics.workerError(classifyError(error).category);
  }
}

export function describe(error: unknown): RunError {
  return classifyError(error);
}
