/**
 * LOCAL ONLY. When a schedule fires: its ScheduleExpression and ScheduleExpressionTimezone read back into one of
 * sked's triggers and evaluated with sked's own evaluator (lib/domain/next-fire-times.ts), which has EventBridge
 * Scheduler's daylight-saving rules, so local fire times are the ones AWS would produce.
 */
import { nextFireTimes } from '../../../lib/domain/next-fire-times';
import { resolveRunAt } from '../../../lib/domain/run-at';
import type { CronTrigger, IntervalTrigger } from '../../../lib/schemas/trigger';
import type { LocalSchedule } from './schedule';

/** How a schedule's occurrences are found. */
export type FireRule =
  | {
      readonly kind: 'recurring';
      readonly trigger: CronTrigger | IntervalTrigger;
      /** StartDate and EndDate, both inclusive. */
      readonly startAt?: Date;
      readonly endAt?: Date;
      /** A rate's first occurrence: its StartDate, else its creation time. */
      readonly anchor?: Date;
    }
  | { readonly kind: 'once'; readonly instant: Date };

/** A ScheduleExpression the local scheduler cannot evaluate. */
export class UnsupportedExpressionError extends Error {
  override readonly name = 'UnsupportedExpressionError';
}

const RATE = /^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$/;
const AT = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}):(\d{2})\)$/;
const CRON = /^cron\(.*\)$/;

/** The rule of a schedule's expression. Throws UnsupportedExpressionError, or ValidationError for a bad cron. */
export function fireRuleOf(schedule: LocalSchedule): FireRule {
  const expression = schedule.expression.trim();
  const bounds = {
    ...(schedule.startDate !== undefined && { startAt: schedule.startDate }),
    ...(schedule.endDate !== undefined && { endAt: schedule.endDate }),
  };

  const at = AT.exec(expression);
  if (at !== null) {
    const [, minute = '', seconds = '00'] = at;
    // sked's run-at reader reads the wall time, seconds included, in the schedule's zone. StartDate and EndDate do not
    // apply to one-time schedules.
    const resolved = resolveRunAt({ type: 'date', runAt: `${minute}:${seconds}`, timezone: schedule.timezone });
    return { kind: 'once', instant: resolved.instant };
  }

  const rate = RATE.exec(expression);
  if (rate !== null) {
    const [, value = '', unit = ''] = rate;
    const amount = Number(value);
    const trigger: IntervalTrigger = unit.startsWith('minute')
      ? { type: 'interval', minutes: amount }
      : unit.startsWith('hour')
        ? { type: 'interval', hours: amount }
        : { type: 'interval', days: amount };
    return {
      kind: 'recurring',
      trigger,
      ...bounds,
      anchor: schedule.startDate ?? schedule.creationDate,
    };
  }

  if (CRON.test(expression)) {
    return { kind: 'recurring', trigger: { type: 'cron', expression, timezone: schedule.timezone }, ...bounds };
  }
  throw new UnsupportedExpressionError(`'${schedule.expression}' is not cron(...), rate(...) or at(...)`);
}

/** The first occurrence at or after `from`, or undefined when there is none (any more). */
export function nextOccurrence(rule: FireRule, from: Date): Date | undefined {
  if (rule.kind === 'once') return rule.instant.getTime() >= from.getTime() ? rule.instant : undefined;
  const [first] = nextFireTimes(rule.trigger, {
    from,
    count: 1,
    ...(rule.startAt !== undefined && { startAt: rule.startAt }),
    ...(rule.endAt !== undefined && { endAt: rule.endAt }),
    ...(rule.anchor !== undefined && { anchor: rule.anchor }),
  });
  return first;
}

/**
 * When an occurrence is delivered: at its time with FlexibleTimeWindow OFF; with FLEXIBLE, at a uniformly random
 * moment in [time, time + MaximumWindowInMinutes), drawn per occurrence. `random` is in [0, 1), like Math.random.
 *
 * `invocationSpreadSeconds` (opt-in, default 0) moves an OFF delivery to a uniformly random moment in
 * [time, time + N s), drawn per occurrence: AWS invokes an OFF schedule within the minute of its time, not at it,
 * and 60 makes local deliveries as late as AWS's may be. A FLEXIBLE delivery is already spread by its window.
 */
export function deliveryTimeOf(
  schedule: LocalSchedule,
  scheduledTime: Date,
  random: () => number,
  invocationSpreadSeconds = 0,
): Date {
  const windowMinutes = schedule.flexibleWindowMinutes ?? 0;
  const windowMs = windowMinutes > 0 ? windowMinutes * 60_000 : Math.max(0, invocationSpreadSeconds) * 1000;
  return new Date(scheduledTime.getTime() + Math.floor(random() * windowMs));
}

/** Whether a schedule has nothing left to fire at `now`, so that ActionAfterCompletion DELETE applies. */
export function isCompleted(rule: FireRule, next: Date | undefined, now: Date): boolean {
  if (next !== undefined) return false;
  if (rule.kind === 'once') return true;
  return rule.endAt !== undefined && rule.endAt.getTime() < now.getTime();
}
