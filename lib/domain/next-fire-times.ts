import type { CronTrigger, Trigger } from '../schemas/trigger';
import { cronSpecOf, daysMatching, MAX_YEAR, monthsToSearch } from './cron';
import type { CronSpec } from './cron';
import { intervalSecondsOf } from './interval';
import { resolveRunAt } from './run-at';
import { assertTimeZone, firstInstantOf, offsetMinutesAt, wallTimeAt } from './timezone';

/**
 * The window to list fire times in. Times are >= `from` (inclusive, so a schedule due exactly at `from` is
 * listed) and within [`startAt`, `endAt`], both inclusive like EventBridge Scheduler's StartDate and EndDate.
 */
export interface FireWindow {
  readonly from: Date;
  readonly count: number;
  readonly startAt?: Date;
  readonly endAt?: Date;
  /** Interval triggers only: the first occurrence (the schedule's StartDate, or the job's creation time). */
  readonly anchor?: Date;
}

/**
 * No fire time is listed after the end of 2199 (UTC), the last year EventBridge Scheduler's cron accepts: the list
 * stops there for every trigger, so that each time stays a four-digit-year ISO-8601 date-time.
 */
export const LAST_FIRE_TIME = new Date(Date.UTC(MAX_YEAR + 1, 0, 1) - 1);

const SECOND_MS = 1000;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The next fire times of a trigger, as EventBridge Scheduler would produce them, at most `count`, ascending, none
 * after LAST_FIRE_TIME. Times are to the second: a trigger that needs second precision (precision.ts) is listed
 * at its seconds, with EventBridge's rules carried to the second, and a minute trigger lists whole minutes.
 * Throws ValidationError for a trigger sked cannot read (it does not check that a date is future: the window
 * decides what is listed).
 */
export function nextFireTimes(trigger: Trigger, window: FireWindow): Date[] {
  const lower = Math.max(window.from.getTime(), window.startAt?.getTime() ?? -Infinity);
  const upper = Math.min(window.endAt?.getTime() ?? Infinity, LAST_FIRE_TIME.getTime());
  if (window.count <= 0 || lower > upper) return [];
  switch (trigger.type) {
    case 'date': {
      const instant = resolveRunAt(trigger).instant.getTime();
      return instant >= lower && instant <= upper ? [new Date(instant)] : [];
    }
    case 'interval':
      return rateTimes(intervalSecondsOf(trigger) * SECOND_MS, window, lower, upper);
    case 'cron':
      return cronTimes(trigger, window.count, lower, upper);
  }
}

/**
 * A rate fires at anchor + k * period. The first invocation is at the anchor itself: AWS documents that
 * "you use the StartDate property to set the first occurrence of the schedule. If you do not provide a StartDate
 * for a rate-based schedule, your schedule starts invoking the target immediately"
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html#rate-based).
 * A day is always 24 hours, across daylight-saving changes too
 * (https://repost.aws/knowledge-center/eventbridge-scheduler-adjust-dst), so the period is fixed in milliseconds.
 * A period in seconds is anchored the same way.
 */
function rateTimes(periodMs: number, window: FireWindow, lower: number, upper: number): Date[] {
  const anchor = (window.anchor ?? window.startAt ?? window.from).getTime();
  const firstK = Math.max(0, Math.ceil((lower - anchor) / periodMs));
  const times: Date[] = [];
  for (let k = firstK; times.length < window.count; k += 1) {
    const time = anchor + k * periodMs;
    if (time > upper) break;
    times.push(new Date(time));
  }
  return times;
}

/**
 * A cron evaluator over the normalised AWS fields. croner 11 (which does read Quartz weekday numbers, L, W and #)
 * does not fit EventBridge Scheduler's daylight-saving rules: in America/New_York it fires
 * `30 2 * * *` at 03:00 on the spring-forward day, where EventBridge skips it, and fires `0 * * * *` at both 01:00s
 * on the fall-back day, where EventBridge fires once. The tests use croner as an independent reference in UTC,
 * where those rules do not come into play.
 *
 * The search has no horizon of its own: it runs to LAST_FIRE_TIME (or `endAt`) and stops at `count`. Its cost is
 * bounded by the calendar instead: it visits only the months the schedule's year and month lists name (none for
 * 30 February), computes each month's matching days directly, and works out wall times only on those days,
 * converting each to UTC: a time in a gap is skipped, a repeated time fires at its first instant.
 */
function cronTimes(trigger: CronTrigger, count: number, lower: number, upper: number): Date[] {
  const spec = cronSpecOf(trigger);
  const timeZone = assertTimeZone(trigger.timezone ?? 'UTC', 'trigger.timezone');
  const start = wallTimeAt(lower, timeZone);
  const end = wallTimeAt(upper, timeZone);
  const times: Date[] = [];

  for (const { year, month } of monthsToSearch(spec, start, end)) {
    for (const day of daysMatching(spec, year, month)) {
      if (year === start.year && month === start.month && day < start.day) continue;
      // Instants ascend across days, so the first one past the window ends the search.
      for (const instant of instantsOn(spec, year, month, day, timeZone)) {
        if (instant > upper) return times;
        if (instant < lower) continue;
        times.push(new Date(instant));
        if (times.length >= count) return times;
      }
    }
  }
  return times;
}

/**
 * The instants of a matching local day, ascending, produced as they are read, so that a schedule firing every
 * second costs only the seconds up to `count`.
 */
function* instantsOn(spec: CronSpec, year: number, month: number, day: number, timeZone: string): Generator<number> {
  const midnightAsUtc = Date.UTC(year, month - 1, day);
  // Zone offsets lie within +-14 h, so these two instants fall outside the local day, one either side; if the offset
  // is the same at both, nothing changes during the day and every wall time converts with that offset.
  const before = offsetMinutesAt(midnightAsUtc - 15 * HOUR_MS, timeZone);
  const after = offsetMinutesAt(midnightAsUtc + DAY_MS + 15 * HOUR_MS, timeZone);
  for (const hour of spec.hours) {
    for (const minute of spec.minutes) {
      let minuteStart: number;
      if (before === after) {
        minuteStart = midnightAsUtc + (hour * 60 + minute - before) * MINUTE_MS;
      } else {
        // Zones change their offset on whole minutes, so a wall minute is skipped or repeated whole: its seconds
        // follow its first instant, and a minute in a gap has none.
        const instant = firstInstantOf({ year, month, day, hour, minute, second: 0 }, timeZone);
        if (instant === undefined) continue;
        minuteStart = instant.getTime();
      }
      for (const second of spec.seconds) yield minuteStart + second * SECOND_MS;
    }
  }
}
