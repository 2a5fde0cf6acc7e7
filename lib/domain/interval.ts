import { MAX_INTERVAL_DAYS, type IntervalTrigger } from '../schemas/trigger';
import { ValidationError } from './errors';
import type { FieldIssue } from './errors';

/** An interval as EventBridge Scheduler runs it: a whole number of minutes and its `rate(...)` expression. */
export interface RatePeriod {
  readonly minutes: number;
  readonly expression: string;
}

const PARTS = [
  ['weeks', 7 * 24 * 60 * 60],
  ['days', 24 * 60 * 60],
  ['hours', 60 * 60],
  ['minutes', 60],
  ['seconds', 1],
] as const;

const MINUTES_PER_DAY = 24 * 60;

/**
 * Sums APScheduler IntervalTrigger fields into a period in whole seconds, at least 1 s. Totals over
 * MAX_INTERVAL_DAYS are rejected, which keeps every period and fire time computed from it exact.
 */
export function intervalSecondsOf(trigger: IntervalTrigger): number {
  const issues: FieldIssue[] = [];
  let totalSeconds = 0;
  for (const [name, seconds] of PARTS) {
    const value = trigger[name];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 0) {
      issues.push({ path: `trigger.${name}`, message: `must be a non-negative whole number, got ${value}` });
      continue;
    }
    totalSeconds += value * seconds;
  }
  if (issues.length > 0) throw new ValidationError(issues);
  if (totalSeconds > MAX_INTERVAL_DAYS * MINUTES_PER_DAY * 60) {
    throw ValidationError.at(
      'trigger',
      `the interval is too long: ${totalSeconds} seconds is more than ${MAX_INTERVAL_DAYS} days, ` +
        `rate(${MAX_INTERVAL_DAYS} days): ` +
        'AWS documents a rate value only as a positive number, and EventBridge Scheduler schedules within the years ' +
        '1970-2199, so a longer interval could never fire twice',
    );
  }
  if (totalSeconds === 0) {
    throw ValidationError.at(
      'trigger',
      'an interval needs at least one of weeks, days, hours, minutes, seconds above 0',
    );
  }
  return totalSeconds;
}

/**
 * Why a period of `totalSeconds` cannot run as an EventBridge Scheduler rate: it is under a minute or not a whole
 * number of minutes (Scheduler fires at most once a minute, on whole minutes, and sked never rounds). Undefined
 * when it can.
 */
export function intervalSecondPrecisionIssue(totalSeconds: number): FieldIssue | undefined {
  if (totalSeconds < 60) {
    return {
      path: 'trigger.seconds',
      message: `an interval of ${totalSeconds} seconds is under a minute: EventBridge Scheduler fires at most once a minute`,
    };
  }
  if (totalSeconds % 60 !== 0) {
    return {
      path: 'trigger.seconds',
      message:
        `an interval of ${totalSeconds} seconds is not a whole number of minutes: EventBridge Scheduler fires on ` +
        'whole minutes and sked does not round',
    };
  }
  return undefined;
}

/**
 * An interval as EventBridge Scheduler's `rate(...)`, in the largest exact unit among minutes, hours and days
 * (`weeks: 1` -> `rate(7 days)`). Throws ValidationError, also for a period that is not a whole number of minutes.
 */
export function ratePeriodOf(trigger: IntervalTrigger): RatePeriod {
  const totalSeconds = intervalSecondsOf(trigger);
  const issue = intervalSecondPrecisionIssue(totalSeconds);
  if (issue !== undefined) throw new ValidationError([issue]);
  const minutes = totalSeconds / 60;
  return { minutes, expression: rateExpression(minutes) };
}

function rateExpression(minutes: number): string {
  const [value, unit] =
    minutes % MINUTES_PER_DAY === 0
      ? [minutes / MINUTES_PER_DAY, 'day']
      : minutes % 60 === 0
        ? [minutes / 60, 'hour']
        : [minutes, 'minute'];
  return `rate(${value} ${unit}${value === 1 ? '' : 's'})`;
}
