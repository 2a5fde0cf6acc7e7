import { ValidationError } from '../errors';
import { canonical, failAt, parseValue, parseValues, splitCronFields } from './fields';
import type { Fail } from './fields';
import { AWS_DAYS_OF_WEEK, DAYS_OF_MONTH, HOURS, MINUTES, MONTHS, YEARS } from './types';
import type { CronSpec, DayOfMonthRule, DayOfWeekRule } from './types';

function parseAwsDayOfMonth(text: string, fail: Fail): DayOfMonthRule {
  if (text === '?') return { kind: 'any' };
  const upper = text.toUpperCase();
  if (upper === 'L') return { kind: 'last' };
  if (upper === 'LW') return { kind: 'lastWeekday' };
  const nearest = /^(\d+)W$/.exec(upper);
  if (nearest !== null) {
    const [, day = ''] = nearest;
    return { kind: 'nearestWeekday', day: parseValue(day, DAYS_OF_MONTH, fail) };
  }
  return { kind: 'days', days: parseValues(text, DAYS_OF_MONTH, fail) };
}

function parseAwsDayOfWeek(text: string, fail: Fail): DayOfWeekRule {
  if (text === '?') return { kind: 'any' };
  // `L` alone is the last day of the week, Saturday.
  if (text.toUpperCase() === 'L') return { kind: 'days', days: [7] };
  const last = /^([A-Za-z0-9]+)L$/i.exec(text);
  if (last !== null) {
    const [, weekday = ''] = last;
    return { kind: 'last', weekday: parseValue(weekday, AWS_DAYS_OF_WEEK, fail) };
  }
  const nth = /^([A-Za-z0-9]+)#(\d+)$/.exec(text);
  if (nth !== null) {
    const [, day = '', occurrence] = nth;
    const weekday = parseValue(day, AWS_DAYS_OF_WEEK, fail);
    const n = Number(occurrence);
    if (n < 1 || n > 5) fail(`'${text}': the occurrence after '#' must be 1-5`);
    return { kind: 'nth', weekday, nth: n };
  }
  return { kind: 'days', days: parseValues(text, AWS_DAYS_OF_WEEK, fail) };
}

function checkDayRules(dayOfMonth: DayOfMonthRule, dayOfWeek: DayOfWeekRule, owner: string, fail: Fail): void {
  if (dayOfMonth.kind === 'any' && dayOfWeek.kind === 'any') {
    fail("day-of-month and day-of-week cannot both be '?'; put '*' in one of them");
  }
  if (dayOfMonth.kind !== 'any' && dayOfWeek.kind !== 'any') {
    fail(
      `${owner} needs '?' in day-of-month or day-of-week: a schedule cannot restrict both ` +
        "(write '?' in the one that should not apply)",
    );
  }
}

/**
 * The dialect the minutes-to-year fields are read in. Quartz reads them as EventBridge Scheduler does (AWS cron is
 * Quartz without its seconds field, 1 = Sunday in both), so only the wording of the errors differs.
 */
export interface CronDialect {
  /** Put before every error, saying how the expression was read. */
  readonly prefix: string;
  /** Who needs `?` in one of the day fields. */
  readonly owner: string;
}

const AWS_DIALECT: CronDialect = { prefix: '', owner: 'EventBridge Scheduler' };

/** Parses the six AWS fields (as in `cron(...)`); errors are reported at `path`. Seconds are `[0]`. */
export function parseAwsCronFields(fields: readonly string[], path: string, dialect = AWS_DIALECT): CronSpec {
  const [minutes, hours, dayOfMonth, month, dayOfWeek, year] = fields;
  if (
    fields.length !== 6 ||
    minutes === undefined ||
    hours === undefined ||
    dayOfMonth === undefined ||
    month === undefined ||
    dayOfWeek === undefined ||
    year === undefined
  ) {
    throw ValidationError.at(
      path,
      `an AWS cron expression has 6 fields (minutes hours day-of-month month day-of-week year), got ${fields.length}`,
    );
  }
  const failIn = (label: string) => failAt(path, `${dialect.prefix}${label} field: `);
  const spec: CronSpec = {
    seconds: [0],
    minutes: parseValues(minutes, MINUTES, failIn('minutes')),
    hours: parseValues(hours, HOURS, failIn('hours')),
    dayOfMonth: parseAwsDayOfMonth(dayOfMonth, failIn('day-of-month')),
    months: parseValues(month, MONTHS, failIn('month')),
    dayOfWeek: parseAwsDayOfWeek(dayOfWeek, failIn('day-of-week')),
    years: parseValues(year, YEARS, failIn('year')),
  };
  checkDayRules(spec.dayOfMonth, spec.dayOfWeek, dialect.owner, failAt(path, dialect.prefix));
  return canonical(spec);
}

/** Parses `cron(min hour dom month dow year)`. */
export function parseAwsCronExpression(expression: string, path: string): CronSpec {
  const match = /^\s*cron\((.*)\)\s*$/i.exec(expression);
  if (match === null) throw ValidationError.at(path, `'${expression}' is not of the form cron(fields)`);
  const [, fields = ''] = match;
  return parseAwsCronFields(splitCronFields(fields, failAt(path, '')), path);
}
