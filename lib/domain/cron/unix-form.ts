import { ValidationError } from '../errors';
import { canonical, failAt, fieldCountMessage, parseValues, range, splitCronFields } from './fields';
import { DAYS_OF_MONTH, HOURS, MAX_YEAR, MIN_YEAR, MINUTES, MONTHS, namesFrom } from './types';
import type { CronSpec, FieldRange } from './types';

// Unix: 0 and 7 are both Sunday; 7 is folded onto 0 after parsing. 7 is Sunday written again, not a day after
// Saturday, so a step left open ends at Saturday as in croniter: `5/2` is Friday alone, `1/2` Monday, Wednesday and
// Friday, `7/2` the same as `0/2`. Only a range written up to 7 (`5-7/2`, Friday and Sunday) reaches it. Vixie cron and
// croner refuse `a/n` outright; a reading that stepped on to 7 would add a Sunday nobody counted to.
const UNIX_DAYS_OF_WEEK: FieldRange = {
  label: 'day-of-week',
  min: 0,
  max: 7,
  openEnd: 6,
  names: namesFrom(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], 0),
};

const unixToAwsWeekday = (day: number): number => (day % 7) + 1;

/** Parses a 5-field Unix cron expression; errors are reported at `path`. */
export function parseUnixCron(expression: string, path: string): CronSpec {
  const fields = splitCronFields(expression, failAt(path, ''));
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = fields;
  if (
    fields.length !== 5 ||
    minutes === undefined ||
    hours === undefined ||
    dayOfMonth === undefined ||
    month === undefined ||
    dayOfWeek === undefined
  ) {
    throw ValidationError.at(path, fieldCountMessage(fields.length));
  }
  const failIn = (label: string) => failAt(path, `${label} field: `);
  const monthDays = parseValues(dayOfMonth, DAYS_OF_MONTH, failIn('day-of-month'));
  const weekDays = [
    ...new Set(parseValues(dayOfWeek, UNIX_DAYS_OF_WEEK, failIn('day-of-week')).map(unixToAwsWeekday)),
  ].sort((a, b) => a - b);
  const domIsStar = dayOfMonth === '*';
  const dowIsStar = dayOfWeek === '*';
  if (!domIsStar && !dowIsStar) {
    // Unix cron fires when either matches; EventBridge can only restrict one of them.
    throw ValidationError.at(
      path,
      'day-of-month and day-of-week are both restricted: Unix cron fires on either, which EventBridge Scheduler ' +
        "cannot express (it needs '?' in one of them); put '*' in one field or use two jobs",
    );
  }
  return canonical({
    seconds: [0],
    minutes: parseValues(minutes, MINUTES, failIn('minute')),
    hours: parseValues(hours, HOURS, failIn('hour')),
    dayOfMonth: domIsStar && !dowIsStar ? { kind: 'any' } : { kind: 'days', days: monthDays },
    months: parseValues(month, MONTHS, failIn('month')),
    dayOfWeek: dowIsStar ? { kind: 'any' } : { kind: 'days', days: weekDays },
    years: range(MIN_YEAR, MAX_YEAR),
  });
}
