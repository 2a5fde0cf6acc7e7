import type { CronTrigger } from '../../schemas/trigger';
import { ValidationError } from '../errors';
import type { FieldIssue } from '../errors';
import { failAt, parseValue, parseValues } from './fields';
import type { Fail } from './fields';
import { AWS_DAYS_OF_WEEK, DAYS_OF_MONTH, HOURS, isFull, MINUTES, MONTHS, namesFrom, SECONDS, YEARS } from './types';
import type { CronSpec, DayOfMonthRule, DayOfWeekRule, FieldRange } from './types';

const APS_WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const APS_DAYS_OF_WEEK: FieldRange = { label: 'day_of_week', min: 0, max: 6, names: namesFrom(APS_WEEKDAY_NAMES, 0) };

const apsToAwsWeekday = (day: number): number => ((day + 1) % 7) + 1;

const APS_FIELDS = ['year', 'month', 'day', 'day_of_week', 'hour', 'minute', 'second'] as const;
type ApsField = (typeof APS_FIELDS)[number];
// APScheduler's DEFAULT_VALUES for fields below the least significant given one.
const APS_DEFAULTS: Readonly<Record<ApsField, string>> = {
  year: '*',
  month: '1',
  day: '1',
  day_of_week: '*',
  hour: '0',
  minute: '0',
  second: '0',
};
const ORDINALS: Readonly<Record<string, number>> = { '1st': 1, '2nd': 2, '3rd': 3, '4th': 4, '5th': 5 };

// APScheduler splits a field into its list on commas with spaces around them (its SEPARATOR, ' *, *'). A field is
// a JSON value of its own, so whitespace there separates nothing else, and any amount of it is accepted.
const compactList = (text: string): string =>
  text
    .trim()
    .split(/\s*,\s*/)
    .join(',');

/** `last`, `<1st-5th> <weekday>` or `last <weekday>`: a day written alone in the field. */
function parseApsDayPosition(item: string, fail: Fail): { dayOfMonth: DayOfMonthRule; dayOfWeek?: DayOfWeekRule } {
  const lower = item.toLowerCase();
  if (lower === 'last') return { dayOfMonth: { kind: 'last' } };
  const [which = '', dayName = ''] = lower.split(/\s+/);
  const nth = ORDINALS[which];
  if (nth === undefined && which !== 'last') {
    const hint = /^\d+$/.test(which) ? ' (list items are separated by commas)' : '';
    fail(`'${item}': '${which}' is not one of 1st, 2nd, 3rd, 4th, 5th, last${hint}`);
  }
  const weekday = apsToAwsWeekday(
    parseValue(dayName, APS_DAYS_OF_WEEK, (message) => fail(`'${item}': weekday ${message}`)),
  );
  if (nth === undefined) return { dayOfMonth: { kind: 'any' }, dayOfWeek: { kind: 'last', weekday } };
  return { dayOfMonth: { kind: 'any' }, dayOfWeek: { kind: 'nth', weekday, nth } };
}

/** The day field, its list already compact (no whitespace around commas). */
function parseApsDay(text: string, fail: Fail): { dayOfMonth: DayOfMonthRule; dayOfWeek?: DayOfWeekRule } {
  const items = text.split(',');
  const position = items.find((item) => /^(?:last|\S+\s+\S+)$/i.test(item));
  if (position === undefined) return { dayOfMonth: { kind: 'days', days: parseValues(text, DAYS_OF_MONTH, fail) } };
  if (items.length > 1) {
    fail(`'${position}' cannot share a list with other days: EventBridge Scheduler takes it alone in its day field`);
  }
  return parseApsDayPosition(position, fail);
}

export const hasApsFields = (trigger: CronTrigger): boolean => APS_FIELDS.some((name) => trigger[name] !== undefined);

/** Parses the APScheduler CronTrigger fields of a trigger; each field's errors are reported at `trigger.<field>`. */
export function parseApsFields(trigger: CronTrigger): CronSpec {
  const given = APS_FIELDS.filter((name) => trigger[name] !== undefined);
  const leastSignificant = Math.max(...given.map((name) => APS_FIELDS.indexOf(name)));
  const text = (name: ApsField): string => {
    const value = trigger[name];
    if (value !== undefined) return compactList(String(value));
    return APS_FIELDS.indexOf(name) < leastSignificant ? '*' : APS_DEFAULTS[name];
  };

  const issues: FieldIssue[] = [];
  const attempt = <T>(name: ApsField, parse: (fail: Fail) => T): T | undefined => {
    try {
      return parse(failAt(`trigger.${name}`, ''));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
      return undefined;
    }
  };

  const seconds = attempt('second', (fail) => parseValues(text('second'), SECONDS, fail));
  const minutes = attempt('minute', (fail) => parseValues(text('minute'), MINUTES, fail));
  const hours = attempt('hour', (fail) => parseValues(text('hour'), HOURS, fail));
  const day = attempt('day', (fail) => parseApsDay(text('day'), fail));
  const months = attempt('month', (fail) => parseValues(text('month'), MONTHS, fail));
  const weekDays = attempt('day_of_week', (fail) =>
    [...new Set(parseValues(text('day_of_week'), APS_DAYS_OF_WEEK, fail).map(apsToAwsWeekday))].sort((a, b) => a - b),
  );
  const years = attempt('year', (fail) => parseValues(text('year'), YEARS, fail));
  if (
    issues.length > 0 ||
    seconds === undefined ||
    minutes === undefined ||
    hours === undefined ||
    day === undefined ||
    months === undefined ||
    weekDays === undefined ||
    years === undefined
  ) {
    throw new ValidationError(issues);
  }

  // APScheduler requires day and day_of_week both to match; a rule covering every day restricts nothing.
  const dayRestricted = !(day.dayOfMonth.kind === 'days' && isFull(day.dayOfMonth.days, DAYS_OF_MONTH));
  const weekdayRestricted = !isFull(weekDays, AWS_DAYS_OF_WEEK);
  if (dayRestricted && weekdayRestricted) {
    throw ValidationError.at(
      'trigger.day_of_week',
      "day and day_of_week are both restricted: EventBridge Scheduler needs '?' in one of them, " +
        'so a schedule can restrict only one',
    );
  }
  const dayOfWeek: DayOfWeekRule =
    day.dayOfWeek ?? (weekdayRestricted ? { kind: 'days', days: weekDays } : { kind: 'any' });
  const dayOfMonth: DayOfMonthRule = weekdayRestricted ? { kind: 'any' } : day.dayOfMonth;
  return { seconds, minutes, hours, dayOfMonth, months, dayOfWeek, years };
}
