import { ValidationError } from '../errors';
import { parseAwsCronFields } from './aws-form';
import type { CronDialect } from './aws-form';
import { failAt, parseValues } from './fields';
import { SECONDS } from './types';
import type { CronSpec } from './types';

const QUARTZ_DIALECT: CronDialect = {
  prefix: 'read as Quartz cron (second minute hour day-of-month month day-of-week [year]): ',
  owner: 'Quartz',
};

/**
 * Parses a Quartz cron expression, already split into its 6 or 7 fields: seconds first, then the fields of an AWS
 * cron expression with the year optional (`*` when left out). Quartz and EventBridge Scheduler read those fields
 * alike: `?` in exactly one day field, `L`, `W`, `LW`, `#`, day-of-week 1 = Sunday ... 7 = Saturday or SUN-SAT, so
 * they are read by the AWS form's parser. Errors are reported at `path` and say the expression was read as Quartz.
 */
export function parseQuartzFields(fields: readonly string[], path: string): CronSpec {
  const [seconds = '', ...rest] = fields;
  if (fields.length !== 6 && fields.length !== 7) {
    throw ValidationError.at(
      path,
      `a Quartz cron expression has 6 or 7 fields (second minute hour day-of-month month day-of-week [year]), got ${fields.length}`,
    );
  }
  const secondValues = parseValues(seconds, SECONDS, failAt(path, `${QUARTZ_DIALECT.prefix}second field: `));
  const spec = parseAwsCronFields(rest.length === 5 ? [...rest, '*'] : rest, path, QUARTZ_DIALECT);
  return { ...spec, seconds: secondValues };
}
