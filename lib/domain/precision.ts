import type { Job, Precision } from '../schemas/job';
import type { Trigger } from '../schemas/trigger';
import { cronSecondPrecisionIssue, cronSpecOf } from './cron';
import { ValidationError } from './errors';
import type { FieldIssue } from './errors';
import { intervalSecondPrecisionIssue, intervalSecondsOf } from './interval';
import { resolveRunAt, runAtSecondPrecisionIssue } from './run-at';

/**
 * The one place that tells minute triggers from second triggers. sked reads and evaluates triggers to the second
 * (cron seconds, interval seconds, a `runAt` with seconds), but EventBridge Scheduler fires on the minute: a
 * schedule's cron has no seconds field, a rate is whole minutes and a one-time schedule runs at minute precision.
 * A trigger needs second precision when it fires at a second other than 0 or on a period that is not a whole
 * number of minutes; the answer is the field and reason a schedule write refuses it with.
 *
 * Throws ValidationError for a trigger that is invalid at any precision.
 */
export function secondPrecisionIssue(trigger: Trigger): FieldIssue | undefined {
  switch (trigger.type) {
    case 'cron':
      return cronSecondPrecisionIssue(trigger, cronSpecOf(trigger));
    case 'interval':
      return intervalSecondPrecisionIssue(intervalSecondsOf(trigger));
    case 'date':
      return runAtSecondPrecisionIssue(resolveRunAt(trigger));
  }
}

/** Whether a trigger fires at times EventBridge Scheduler cannot express (see secondPrecisionIssue). */
export function needsSecondPrecision(trigger: Trigger): boolean {
  return secondPrecisionIssue(trigger) !== undefined;
}

/** Throws a ValidationError naming the field when a trigger needs second precision, or is invalid. */
export function assertMinutePrecision(trigger: Trigger): void {
  const issue = secondPrecisionIssue(trigger);
  if (issue !== undefined) throw new ValidationError([issue]);
}

/** The precision a job runs at: as it asks, else second when its trigger has seconds, else minute. */
export function effectivePrecision(job: Pick<Job, 'precision' | 'trigger'>): Precision {
  return job.precision ?? (needsSecondPrecision(job.trigger) ? 'second' : 'minute');
}

/**
 * What a job's precision rules out, by field: a second trigger on a job that asks for minute precision, and a
 * flexible time window (jitter) on a second-precision job, whose runs are placed at their second. Throws
 * ValidationError for a trigger that is invalid at any precision.
 */
export function precisionIssues(job: Pick<Job, 'precision' | 'trigger' | 'jitterMinutes'>): FieldIssue[] {
  const issue = secondPrecisionIssue(job.trigger);
  if (job.precision === 'minute' && issue !== undefined) {
    return [
      { path: issue.path, message: `${issue.message}; or leave out precision: 'minute' to fire it at the second` },
    ];
  }
  if (effectivePrecision(job) === 'second' && job.jitterMinutes > 0) {
    return [
      {
        path: 'jitterMinutes',
        message:
          'a second-precision job runs at its second, so it takes no flexible time window; set 0 or leave it out',
      },
    ];
  }
  return [];
}
