import type { Trigger } from '../schemas/trigger';
import { formatAwsCron, normaliseCron } from './cron';
import { ValidationError } from './errors';
import { ratePeriodOf } from './interval';
import { resolveRunAt } from './run-at';
import { assertTimeZone } from './timezone';

/** What EventBridge Scheduler stores: `ScheduleExpression` and `ScheduleExpressionTimezone`. */
export interface ScheduleExpression {
  readonly expression: string;
  readonly timezone: string;
}

/**
 * Translates a trigger into EventBridge Scheduler's `cron(...)`, `rate(...)` or `at(...)`, or throws a
 * ValidationError naming the field that EventBridge cannot represent. `now` decides whether a date is past.
 */
export function toScheduleExpression(trigger: Trigger, now: Date): ScheduleExpression {
  switch (trigger.type) {
    case 'cron': {
      // Time zone first, so that its error is reported even when the fields are also wrong.
      const timezone = assertTimeZone(trigger.timezone ?? 'UTC', 'trigger.timezone');
      return { expression: formatAwsCron(normaliseCron(trigger)), timezone };
    }
    case 'interval':
      // A rate runs a fixed period after its start, whatever the zone; UTC is written for definiteness.
      return { expression: ratePeriodOf(trigger).expression, timezone: 'UTC' };
    case 'date': {
      const runAt = resolveRunAt(trigger);
      if (runAt.instant.getTime() <= now.getTime()) {
        throw ValidationError.at(
          'trigger.runAt',
          `${trigger.runAt} (${runAt.instant.toISOString()}) is not in the future (now is ${now.toISOString()})`,
        );
      }
      return { expression: `at(${runAt.wallTime})`, timezone: runAt.timezone };
    }
  }
}
