import { effectivePrecision } from '../../domain/precision';
import {
  coverageBasis,
  delaySecondsFor,
  isFireTimeOf,
  occurrencesBetween,
  planTick,
  scheduleFingerprint,
  type TickCoverage,
  type TickPlan,
} from '../../domain/tick';
import { classifyError, doublingDelaySeconds, resolveScheduledTime } from '../../domain/worker-policies';
import type { DelayedOccurrence } from '../../ports/queue';
import type { InboundMessage } from '../../ports/worker-message-actions';
import type { WorkerLog } from '../../ports/worker-log';
import type { ScheduledEnvelope, TickEnvelope } from '../../schemas/envelope';
import type { Job } from '../../schemas/job';
import { describe } from './record';
import type { RecordContext, RecordOutcome, WorkerDeps } from './settings';

/**
 * The most occurrences one tick enqueues: an interval of 1 s over the backfill (1 h) and the horizon (11 min) is
 * 4,260. A tick that finds more covers up to the last one it enqueued, and the next tick goes on from there.
 */
export const MAX_OCCURRENCES_PER_TICK = 5_000;
/** Counting what a long gap lost stops here; the log and the metric say "at least". */
const MAX_COUNTED = 100_000;
/**
 * A tick that starts a job record afresh (a create, an edit, a resume: the API's first tick) finds the occurrences
 * since the write already due by the time it runs; only those due longer ago than this count as enqueued late.
 */
const RESTART_LATENESS_TOLERANCE_MS = 30_000;

/**
 * A second-precision job's tick (docs/design.md#second-precision): puts the job's occurrences from where its last
 * tick stopped to this tick's horizon on the jobs queue, each delayed to arrive at its second, then moves the
 * coverage on. The order makes every failure safe: a tick that fails or crashes part way comes back and sends
 * again what it may have sent (the occurrence's run id makes a second copy a duplicate the ledger settles), and a
 * tick delivered twice finds the coverage moved and sends nothing.
 */
export async function processTick(
  deps: WorkerDeps,
  message: InboundMessage,
  envelope: TickEnvelope,
): Promise<RecordOutcome> {
  const resolved = resolveScheduledTime(envelope.scheduledTime, message.sentAt.getTime());
  const tickTime = resolved?.scheduledTime ?? message.sentAt;
  const log = deps.log.child({ jobId: envelope.jobId, tick: tickTime.toISOString(), messageId: message.messageId });
  if (resolved === undefined) {
    log.warn('tick time is not an ISO-8601 instant; using the message SentTimestamp', {
      scheduledTime: envelope.scheduledTime,
    });
  }
  try {
    // The coverage first, then the job: a job read after the coverage is at least as new as the record the
    // coverage was computed for, so a tick can never start an older record over a newer one's coverage.
    const coverage = await deps.ticks.coverage(envelope.jobId);
    const job = await deps.jobs.get(envelope.jobId);
    if (job === undefined) {
      log.info('job no longer exists; tick dropped');
      return 'done';
    }
    if (job.state !== 'enabled' || effectivePrecision(job) !== 'second') {
      log.info('job is not an enabled second-precision job; tick dropped', { state: job.state });
      return 'done';
    }
    await coverTick(deps, log, job, coverage, tickTime);
    return 'done';
  } catch (error) {
    return retryTick(deps, log, message, error);
  }
}

/**
 * A failed tick comes back after a growing delay, a few times: what it may have sent it sends again, and the
 * ledger settles the copies. After `tickMaxDeliveries` it is given up rather than left to the jobs DLQ: the next
 * scheduled tick covers from where this one stopped (what became due meanwhile is enqueued late, and TicksLate says so).
 */
async function retryTick(
  deps: WorkerDeps,
  log: WorkerLog,
  message: InboundMessage,
  error: unknown,
): Promise<RecordOutcome> {
  const { tickRetrySeconds, tickMaxDeliveries } = deps.settings;
  if (message.receiveCount >= tickMaxDeliveries) {
    log.error('tick failed on every delivery; given up: the next scheduled tick covers from where this one stopped', {
      deliveries: message.receiveCount,
      error: describe(error),
    });
    deps.metrics.workerError(classifyError(error).category);
    return 'done';
  }
  const delaySeconds = doublingDelaySeconds(tickRetrySeconds, 120, message.receiveCount);
  log.error('tick failed; it comes back and sends again what it may have sent', {
    error: describe(error),
    delaySeconds,
  });
  try {
    await deps.messages.retryLater(message, delaySeconds);
  } catch (retryError) {
    log.warn('could not bring the tick back early', { error: describe(retryError) });
  }
  throw error;
}

async function coverTick(
  deps: WorkerDeps,
  log: WorkerLog,
  job: Job,
  coverage: TickCoverage | undefined,
  tickTime: Date,
): Promise<void> {
  const now = deps.clock.now();
  const plan = planTick(job, coverage, tickTime, now);
  if (plan === undefined) {
    log.debug('occurrences up to this tick are already enqueued', {
      coveredUntil: coverage?.coveredUntil.toISOString(),
    });
    return;
  }
  reportUnrecovered(deps, log, job, plan);

  const times = occurrencesBetween(job, plan.from, plan.until, MAX_OCCURRENCES_PER_TICK);
  const last = times.at(-1);
  const until =
    times.length === MAX_OCCURRENCES_PER_TICK && last !== undefined ? new Date(last.getTime() + 1) : plan.until;
  const lateBefore = plan.restarted ? now.getTime() - RESTART_LATENESS_TOLERANCE_MS : now.getTime();
  const late = times.filter((time) => time.getTime() < lateBefore).length;
  await enqueue(deps, job, times, tickTime);

  const advanced = await deps.ticks.advanceCoverage(job.id, coverage, {
    coveredUntil: until,
    basis: coverageBasis(job),
    fingerprint: scheduleFingerprint(job),
  });
  deps.metrics.ticked(times.length, late);
  const details = {
    enqueued: times.length,
    from: plan.from.toISOString(),
    until: until.toISOString(),
    restarted: plan.restarted,
  };
  if (!advanced) {
    // Another delivery of a tick moved the coverage meanwhile: what this one sent again are duplicates.
    log.info('another tick moved the coverage first; occurrences sent twice settle as duplicates', details);
  } else if (late > 0) {
    log.warn('occurrences were already due when their tick ran; the misfire policy decides them', {
      ...details,
      late,
    });
  } else {
    log.debug('tick enqueued the coming occurrences', details);
  }
}

/** Sends the occurrences in batches, each delay computed just before its batch goes. */
async function enqueue(deps: WorkerDeps, job: Job, times: readonly Date[], tickTime: Date): Promise<void> {
  for (let index = 0; index < times.length; index += deps.occurrences.batchLimit) {
    const now = deps.clock.now();
    const batch: DelayedOccurrence[] = times.slice(index, index + deps.occurrences.batchLimit).map((time) => {
      const envelope: ScheduledEnvelope = {
        v: 1,
        jobId: job.id,
        kind: 'schedule',
        scheduledTime: time.toISOString(),
        tick: tickTime.toISOString(),
      };
      return { envelope, delaySeconds: delaySecondsFor(time, now) };
    });
    await deps.occurrences.sendDelayed(batch);
  }
}

/** A gap older than the backfill: its occurrences are counted, logged and metered, never silently dropped. */
function reportUnrecovered(deps: WorkerDeps, log: WorkerLog, job: Job, plan: TickPlan): void {
  if (plan.unrecoveredFrom === undefined) return;
  const lost = occurrencesBetween(job, plan.unrecoveredFrom, plan.from, MAX_COUNTED).length;
  if (lost === 0) return;
  deps.metrics.notEnqueued(lost);
  log.error('ticks stopped for longer than the backfill; these occurrences were never enqueued', {
    notEnqueued: lost,
    countCapped: lost >= MAX_COUNTED,
    from: plan.unrecoveredFrom.toISOString(),
    until: plan.from.toISOString(),
  });
}

/**
 * Before the claim, for an occurrence a tick enqueued. One the job no longer has (its trigger changed after the tick,
 * or it was paused or completed meanwhile) is dropped when it never started: a schedule changed or disabled in
 * time would not have fired it either. One that has a run in the ledger (a retry, a wait for a slot) carries on,
 * so that the run ends. One that arrived before its second waits for it. Returns the outcome when the record is
 * finished here, undefined when it goes on to the claim.
 */
export async function awaitTickedOccurrence(context: RecordContext, job: Job): Promise<RecordOutcome | undefined> {
  const { deps, occurrence, envelope, log } = context;
  if (envelope.kind !== 'schedule' || envelope.tick === undefined || context.redriveOf !== undefined) return undefined;
  const withdrawn =
    job.state !== 'enabled'
      ? `the job is ${job.state}`
      : !isFireTimeOf(job, occurrence.scheduledTime)
        ? "it is not a fire time of the job's trigger any more"
        : undefined;
  if (withdrawn !== undefined) {
    const run = await deps.ledger.get(occurrence.jobId, occurrence.runId);
    if (run === undefined || run.status === 'queued') {
      log.debug(`occurrence dropped before it started: ${withdrawn}`);
      return 'done';
    }
  }
  const earlyMs = occurrence.scheduledTime.getTime() - deps.clock.now().getTime();
  if (earlyMs <= 0) return undefined;
  if (earlyMs <= deps.settings.maxEarlyWaitMs) {
    await deps.sleep(earlyMs);
    return undefined;
  }
  const delaySeconds = Math.ceil(earlyMs / 1000);
  log.info('occurrence arrived before its time; back when it is due', { delaySeconds });
  await deps.messages.retryLater(context.message, delaySeconds);
  return 'retry';
}
