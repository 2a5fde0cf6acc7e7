import type { Job } from '../schemas/job';
import { resolveRunAt } from './run-at';
import { nextFireTimes } from './next-fire-times';

/**
 * Second precision (docs/design.md#second-precision). EventBridge Scheduler fires a job's tick schedule every
 * TICK_PERIOD_MINUTES; each tick puts the occurrences up to TICK_HORIZON_MS after its scheduled time on the jobs
 * queue, each with the SQS DelaySeconds that makes it arrive at its second. Horizons overlap (11 minutes ahead,
 * every 5 minutes), so one lost or late tick costs nothing: the one before it already covered what it would have.
 * The coverage watermark in the run ledger makes every occurrence enqueued by one tick only, and shows a gap when
 * ticks stop: the next tick enqueues the occurrences of the gap at once, and the worker's misfire policy decides
 * them (run late within the grace, else recorded missed).
 */
export const TICK_PERIOD_MINUTES = 5;
/** The tick schedule: every 5 minutes, on the clock, in UTC. */
export const TICK_EXPRESSION = `cron(0/${TICK_PERIOD_MINUTES} * * * ? *)`;
const TICK_PERIOD_MS = TICK_PERIOD_MINUTES * 60_000;
/** How far past its scheduled time a tick covers. */
export const TICK_HORIZON_MS = 11 * 60_000;
/** SQS's ceiling for DelaySeconds. */
export const MAX_DELAY_SECONDS = 900;
/** A tick's schedule starts this long before the job's first possible occurrence, so two ticks cover it. */
export const TICK_LEAD_MS = 10 * 60_000;
/**
 * How far back a tick enqueues the occurrences of a gap (ticks lost for longer than the overlap covers). Older ones
 * are counted and logged, not enqueued one by one: past the default misfire grace they could only be recorded
 * missed, and a day of a one-second job would be 86,400 messages.
 */
export const TICK_BACKFILL_MS = 60 * 60_000;

/** Where ticks stopped: the instant up to which occurrences are enqueued, for one version of the job. */
export interface TickCoverage {
  /** Occurrences before this instant are on the queue (or were recorded); exclusive. */
  readonly coveredUntil: Date;
  /** The job record the coverage was computed for: its creation time and version. */
  readonly basis: string;
  /** What decides the job's fire times in that record (see scheduleFingerprint). */
  readonly fingerprint: string;
}

/** Names one record of a job: a new version (or the job created again) starts its coverage afresh. */
export function coverageBasis(job: Pick<Job, 'createdAt' | 'version'>): string {
  return `${job.createdAt}#v${job.version}`;
}

/**
 * What decides a job's fire times: the job's creation (a job deleted and created again under the same id is another
 * job), its trigger and its bounds. A new version with the same fingerprint (a new description, other policies, a
 * resume) keeps the occurrences already enqueued.
 */
export function scheduleFingerprint(job: Pick<Job, 'createdAt' | 'trigger' | 'startAt' | 'endAt'>): string {
  return JSON.stringify([job.createdAt, job.trigger, job.startAt ?? null, job.endAt ?? null]);
}

/** The first and last instants a job's occurrences can fall on, for the tick schedule's StartDate and EndDate. */
export function occurrenceBounds(job: Pick<Job, 'trigger' | 'startAt' | 'endAt'>): { first?: Date; last?: Date } {
  if (job.trigger.type === 'date') {
    const instant = resolveRunAt(job.trigger).instant;
    return { first: instant, last: instant };
  }
  return {
    ...(job.startAt !== undefined && { first: new Date(job.startAt) }),
    ...(job.endAt !== undefined && { last: new Date(job.endAt) }),
  };
}

export interface TickPlan {
  /** Enqueue occurrences at or after this instant... */
  readonly from: Date;
  /** ...and before this one; also the coverage to record afterwards. */
  readonly until: Date;
  /** The job's record changed since the last coverage (or there was none): this tick starts it afresh. */
  readonly restarted: boolean;
  /**
   * When the gap reached back further than TICK_BACKFILL_MS: the instant the uncovered time began, for the
   * count of occurrences that are not enqueued.
   */
  readonly unrecoveredFrom?: Date;
}

/**
 * What one tick covers: from where the last tick stopped to the tick's horizon, never more than SQS can delay (900 s
 * from now) and never more than TICK_BACKFILL_MS back. The last tick's coverage holds for this record of the job
 * when it was computed for it, or for an older record with the same fire times (an edit of other fields, a resume);
 * the coverage of another trigger does not, and then the tick starts at the record's last change (`updatedAt`), as it
 * does when the record changed after the coverage stopped: the time a job was paused makes no occurrences. A tick
 * delivered more than a period late looks as far ahead of now as the next one would. Undefined when there is nothing left to cover (a tick
 * delivered twice, or one overtaken by the next).
 */
export function planTick(
  job: Pick<Job, 'createdAt' | 'version' | 'updatedAt' | 'trigger' | 'startAt' | 'endAt'>,
  coverage: TickCoverage | undefined,
  tickTime: Date,
  now: Date,
): TickPlan | undefined {
  const changedAt = Date.parse(job.updatedAt);
  let start: number;
  let restarted: boolean;
  if (coverage !== undefined && coverage.basis === coverageBasis(job)) {
    start = coverage.coveredUntil.getTime();
    restarted = false;
  } else if (coverage !== undefined && coverage.fingerprint === scheduleFingerprint(job)) {
    start = Math.max(changedAt, coverage.coveredUntil.getTime());
    restarted = start === changedAt;
  } else {
    start = changedAt;
    restarted = true;
  }
  // A tick later than one period still looks as far ahead as the next one would have (6 minutes from now).
  const ahead = Math.max(tickTime.getTime() + TICK_HORIZON_MS, now.getTime() + TICK_HORIZON_MS - TICK_PERIOD_MS);
  const until = new Date(Math.min(ahead, now.getTime() + (MAX_DELAY_SECONDS - 1) * 1000));
  const backfillFloor = now.getTime() - TICK_BACKFILL_MS;
  const from = new Date(Math.max(start, backfillFloor));
  if (from.getTime() >= until.getTime()) return undefined;
  return {
    from,
    until,
    restarted,
    ...(start < backfillFloor && { unrecoveredFrom: new Date(start) }),
  };
}

/**
 * Where an interval job's grid starts: its `startAt`, else its creation, rounded up to the whole second so that
 * every fire time is a whole second (records are written with milliseconds).
 */
export function intervalAnchor(job: Pick<Job, 'startAt' | 'createdAt'>): Date {
  return new Date(Math.ceil(Date.parse(job.startAt ?? job.createdAt) / 1000) * 1000);
}

/** The fire times of a job in [from, until), to the second, as nextRuns lists them. */
export function occurrencesBetween(
  job: Pick<Job, 'trigger' | 'startAt' | 'endAt' | 'createdAt'>,
  from: Date,
  until: Date,
  limit: number,
): Date[] {
  const last = Math.min(job.endAt !== undefined ? Date.parse(job.endAt) : Infinity, until.getTime() - 1);
  return nextFireTimes(job.trigger, {
    from,
    count: limit,
    endAt: new Date(last),
    ...(job.startAt !== undefined && { startAt: new Date(job.startAt) }),
    anchor: intervalAnchor(job),
  });
}

/** Whether `instant` is one of the job's fire times (an occurrence a tick enqueued before the trigger changed is not). */
export function isFireTimeOf(job: Pick<Job, 'trigger' | 'startAt' | 'endAt' | 'createdAt'>, instant: Date): boolean {
  try {
    const [first] = occurrencesBetween(job, instant, new Date(instant.getTime() + 1), 1);
    return first?.getTime() === instant.getTime();
  } catch {
    return false;
  }
}

/**
 * How many whole seconds early an occurrence is made visible on the queue, beyond the rounding. DelaySeconds counts
 * whole seconds and is rounded down, so an occurrence becomes visible up to a second before its time and the worker
 * holds it until its second (settings.maxEarlyWaitMs): about half a second of Lambda time per occurrence on average,
 * less the time the event source mapping takes to pick it up. A larger lead would absorb a slower poller at the
 * price of that wait; 0 keeps the wait, and its cost, at its least.
 */
export const ARRIVAL_LEAD_SECONDS = 0;

/** The DelaySeconds that brings an occurrence to the queue just before its second; 0 for one due now or past. */
export function delaySecondsFor(scheduledTime: Date, now: Date): number {
  const seconds = Math.floor((scheduledTime.getTime() - now.getTime()) / 1000) - ARRIVAL_LEAD_SECONDS;
  return Math.min(MAX_DELAY_SECONDS, Math.max(0, seconds));
}
