import type { Trigger } from '../schemas/trigger';
import { formatAwsCron, normaliseCron } from './cron';
import { ValidationError } from './errors';
import type { FieldIssue } from './errors';
import { ratePeriodOf } from './interval';
import { secondPrecisionIssue } from './precision';
import { resolveRunAt } from './run-at';
import { assertTimeZone } from './timezone';

/** What EventBridge Scheduler stores: `ScheduleExpression` and `ScheduleExpressionTimezone`. */
export interface ScheduleExpression {
  readonly expression: string;
  readonly timezone: string;
}

/**
 * A valid trigger as sked would schedule it. A minute trigger has its Scheduler expression; a second trigger
 * (see precision.ts) has none, as EventBridge Scheduler fires on the minute, and carries the field and reason a
 * schedule write refuses it with.
 */
export type SchedulePlan =
  | ({ readonly precision: 'minute' } & ScheduleExpression)
  | { readonly precision: 'second'; readonly timezone: string; readonly issue: FieldIssue };

/**
 * Plans a trigger, or throws a ValidationError naming the field that is invalid at any precision: an unknown time
 * zone, a field out of range, a day rule EventBridge cannot express, a date that is not in the future (`now`
 * decides).
 */
export function planSchedule(trigger: Trigger, now: Date): SchedulePlan {
  const plan = (timezone: string, expression: () => string): SchedulePlan => {
    const issue = secondPrecisionIssue(trigger);
    return issue === undefined
      ? { precision: 'minute', expression: expression(), timezone }
      : { precision: 'second', timezone, issue };
  };
  switch (trigger.type) {
    case 'cron':
      // Time zone first, so that its error is reported even when the fields are also wrong.
      return plan(assertTimeZone(trigger.timezone ?? 'UTC', 'trigger.timezone'), () =>
        formatAwsCron(normaliseCron(trigger)),
      );
    case 'interval':
      // A rate runs a fixed period after its start, whatever the zone; UTC is written for definiteness.
      return plan('UTC', () => ratePeriodOf(trigger).expression);
    case 'date': {
      const runAt = resolveRunAt(trigger);
      if (runAt.instant.getTime() <= now.getTime()) {
        throw ValidationError.at(
          'trigger.runAt',
          `${trigger.runAt} (${runAt.instant.toISOString()}) is not in the future (now is ${now.toISOString()})`,
        );
      }
      return plan(runAt.timezone, () => `at(${runAt.wallTime})`);
    }
  }
}

/**
 * Translates a trigger into EventBridge Scheduler's `cron(...)`, `rate(...)` or `at(...)`, or throws a
 * ValidationError naming the field that EventBridge cannot represent, a trigger that needs second precision
 * included. `now` decides whether a date is past.
 */
export function toScheduleExpression(trigger: Trigger, now: Date): ScheduleExpression {
  const plan = planSchedule(trigger, now);
  if (plan.precision === 'second') throw new ValidationError([plan.issue]);
  return { expression: plan.expression, timezone: plan.timezone };
}
