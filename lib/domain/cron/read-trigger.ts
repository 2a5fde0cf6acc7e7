import type { CronTrigger } from '../../schemas/trigger';
import { ValidationError } from '../errors';
import type { FieldIssue } from '../errors';
import { hasApsFields, parseApsFields } from './apscheduler-form';
import { parseAwsCronExpression } from './aws-form';
import { failAt, fieldCountMessage, splitCronFields } from './fields';
import { parseQuartzFields } from './quartz-form';
import { renderCron } from './render';
import type { AwsCron, CronSpec } from './types';
import { parseUnixCron } from './unix-form';

/**
 * Reads a cron trigger in any of its four forms into evaluable form. An expression written `cron(...)` is AWS
 * cron; any other is told apart by its whitespace-separated fields: 5 are Unix cron, 6 or 7 Quartz (seconds first,
 * the year optional). Throws ValidationError.
 */
export function cronSpecOf(trigger: CronTrigger): CronSpec {
  const { expression } = trigger;
  if (expression !== undefined && hasApsFields(trigger)) {
    throw ValidationError.at(
      'trigger.expression',
      'give either expression or the fields (second, minute, hour, day, month, day_of_week, year), not both',
    );
  }
  if (expression === undefined) {
    if (!hasApsFields(trigger)) {
      throw ValidationError.at(
        'trigger.expression',
        'give an expression or at least one of the fields second, minute, hour, day, month, day_of_week, year',
      );
    }
    return parseApsFields(trigger);
  }
  if (/^\s*cron\(/i.test(expression)) return parseAwsCronExpression(expression, 'trigger.expression');
  if (/^\s*(rate|at)\(/i.test(expression)) {
    throw ValidationError.at('trigger.expression', 'rate(...) and at(...) belong to interval and date triggers');
  }
  const fields = splitCronFields(expression, failAt('trigger.expression', ''));
  if (fields.length === 5) return parseUnixCron(expression, 'trigger.expression');
  if (fields.length === 6 || fields.length === 7) return parseQuartzFields(fields, 'trigger.expression');
  throw ValidationError.at('trigger.expression', fieldCountMessage(fields.length));
}

const MINUTE_PRECISION = 'EventBridge Scheduler fires at most once a minute, so only second 0 is supported';

/**
 * Why a cron trigger cannot run as an EventBridge Scheduler cron expression, whose finest field is the minute:
 * it fires at some second other than 0 (`spec` is the trigger read by cronSpecOf). Undefined when it fires only at
 * second 0.
 */
export function cronSecondPrecisionIssue(trigger: CronTrigger, spec: CronSpec): FieldIssue | undefined {
  if (spec.seconds.length === 1 && spec.seconds[0] === 0) return undefined;
  if (trigger.expression === undefined) return { path: 'trigger.second', message: MINUTE_PRECISION };
  const second = trigger.expression.trim().split(/\s+/, 1).join('');
  return {
    path: 'trigger.expression',
    message: `the Quartz second field is '${second}': ${MINUTE_PRECISION} (write 0 there)`,
  };
}

/**
 * A cron trigger in any form as canonical AWS fields. Throws ValidationError, also for a trigger that fires at
 * a second other than 0, which the AWS fields cannot say.
 */
export function normaliseCron(trigger: CronTrigger): AwsCron {
  const spec = cronSpecOf(trigger);
  const issue = cronSecondPrecisionIssue(trigger, spec);
  if (issue !== undefined) throw new ValidationError([issue]);
  return renderCron(spec);
}
