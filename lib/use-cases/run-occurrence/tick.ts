import { effectivePrecision } from '../../domain/precision';
import {
  coverageBasis,
  delaySecondsFor,
  isFireTimeOf,
  occurrencesBetween,
  planTick,
  type TickPlan,
} from '../../domain/tick';
import { resolveScheduledTime } from '../../domain/worker-policies';
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
    const job = await deps.jobs.get(envelope.jobId);
    if (job === undefined) {
      log.info('job no longer exists; tick dropped');
      return 'done';
    }
    if (job.state !== 'enabled' || effectivePrecision(job) !== 'second') {
      log.info('job is not an enabled second-precision job; tick dropped', { state: job.state });
      return 'done';
    }
    await coverTick(deps, log, job, tickTime);
    return 'done';
  } catch (error) {
    log.error('tick failed; it comes back shortly and sends again what it may have sent', {
      error: describe(error),
    });
    try {
      await deps.messages.retryLater(message, deps.settings.tickRetrySeconds);
    } catch (retryError) {
      log.warn('could not bring the tick back early', { error: describe(retryError) });
    }
    throw error;
  }
}

async function coverTick(deps: WorkerDeps, log: WorkerLog, job: Job, tickTime: Date): Promise<void> {
  const coverage = await deps.ticks.coverage(job.id);
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
  const late = await enqueue(deps, job, times, tickTime);

  const advanced = await deps.ticks.advanceCoverage(job.id, coverage, {
    coveredUntil: until,
    basis: coverageBasis(job),
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

/** Sends the occurrences in batches, each delay computed just before its batch goes; returns how many were due. */
async function enqueue(deps: WorkerDeps, job: Job, times: readonly Date[], tickTime: Date): Promise<number> {
  let late = 0;
  for (let index = 0; index < times.length; index += deps.occurrences.batchLimit) {
    const now = deps.clock.now();
    const batch: DelayedOccurrence[] = times.slice(index, index + deps.occurrences.batchLimit).map((time) => {
      if (time.getTime() < now.getTime()) late += 1;
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
  return late;
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
 * Before the claim, for an occurrence a tick enqueued: one that is not a fire time of the job any more (its trigger
 * changed after the tick) is dropped, and one that arrived before its second waits for it. Returns the outcome
 * when the record is finished here, undefined when it goes on to the claim.
 */
export async function awaitTickedOccurrence(context: RecordContext, job: Job): Promise<RecordOutcome | undefined> {
  const { deps, occurrence, envelope, log } = context;
  if (envelope.kind !== 'schedule' || envelope.tick === undefined || context.redriveOf !== undefined) return undefined;
  if (!isFireTimeOf(job, occurrence.scheduledTime)) {
    log.info('not a fire time of the job any more (its trigger changed after the tick); dropped');
    return 'done';
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
