import type { CronTrigger } from '../../schemas/trigger';
import { ValidationError } from '../errors';
import { hasApsFields, parseApsFields } from './apscheduler-form';
import { parseAwsCronExpression } from './aws-form';
import { renderCron } from './render';
import type { AwsCron, CronSpec } from './types';
import { parseUnixCron } from './unix-form';

/** Reads a cron trigger in any of its three forms into evaluable form. Throws ValidationError. */
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
  return parseUnixCron(expression, 'trigger.expression');
}

/** A cron trigger in any form as canonical AWS fields. Throws ValidationError. */
export function normaliseCron(trigger: CronTrigger): AwsCron {
  return renderCron(cronSpecOf(trigger));
}
