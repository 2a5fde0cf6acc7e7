import type { CronTrigger } from '../schemas/trigger';
import { ValidationError } from './errors';
import type { FieldIssue } from './errors';

/**
 * The three cron forms users bring, read into one model and written back as EventBridge Scheduler's
 * 6-field cron: `cron(minutes hours day-of-month month day-of-week year)`.
 *
 * - 5-field Unix cron: day-of-week 0 or 7 = Sunday; when day-of-month and day-of-week are both restricted Unix
 *   cron fires on either, which EventBridge cannot express, so that is rejected; a `*` in one becomes `?`.
 * - AWS cron written as `cron(...)`: day-of-week 1 = Sunday, `?`, `L`, `W`, `#` and the year field.
 * - APScheduler CronTrigger fields: day_of_week 0 = Monday; omitted fields more significant than the least
 *   significant given one are `*`, less significant ones take their minimum, as APScheduler does.
 *
 * Output is canonical (sorted values, runs as ranges, full ranges as `*`), so equal schedules written in
 * different forms normalise to the same fields.
 */

/** The six fields of an EventBridge Scheduler cron expression, as written in it. */
export interface AwsCron {
  readonly minutes: string;
  readonly hours: string;
  readonly dayOfMonth: string;
  readonly month: string;
  readonly dayOfWeek: string;
  readonly year: string;
}

/** Day-of-month rule; `any` is AWS's `?`. */
export type DayOfMonthRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: readonly number[] }
  | { readonly kind: 'last' }
  | { readonly kind: 'lastWeekday' }
  | { readonly kind: 'nearestWeekday'; readonly day: number };

/** Day-of-week rule with AWS numbering (1 = Sunday ... 7 = Saturday); `any` is AWS's `?`. */
export type DayOfWeekRule =
  | { readonly kind: 'any' }
  | { readonly kind: 'days'; readonly days: readonly number[] }
  | { readonly kind: 'last'; readonly weekday: number }
  | { readonly kind: 'nth'; readonly weekday: number; readonly nth: number };

/** A cron schedule in evaluable form: sorted value lists and the two day rules. */
export interface CronSpec {
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly dayOfMonth: DayOfMonthRule;
  readonly months: readonly number[];
  readonly dayOfWeek: DayOfWeekRule;
  readonly years: readonly number[];
}

/** The years EventBridge Scheduler's cron accepts. */
export const MIN_YEAR = 1970;
export const MAX_YEAR = 2199;

interface FieldRange {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const namesFrom = (names: readonly string[], first: number): Record<string, number> =>
  Object.fromEntries(names.map((name, index) => [name, first + index]));

const MINUTES: FieldRange = { label: 'minute', min: 0, max: 59 };
const HOURS: FieldRange = { label: 'hour', min: 0, max: 23 };
const DAYS_OF_MONTH: FieldRange = { label: 'day-of-month', min: 1, max: 31 };
const MONTHS: FieldRange = { label: 'month', min: 1, max: 12, names: namesFrom(MONTH_NAMES, 1) };
const YEARS: FieldRange = { label: 'year', min: MIN_YEAR, max: MAX_YEAR };
const AWS_WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
const AWS_DAYS_OF_WEEK: FieldRange = {
  label: 'day-of-week',
  min: 1,
  max: 7,
  names: namesFrom(
    AWS_WEEKDAY_NAMES.map((name) => name.toLowerCase()),
    1,
  ),
};
// Unix: 0 and 7 are both Sunday; 7 is folded onto 0 after parsing.
const UNIX_DAYS_OF_WEEK: FieldRange = {
  label: 'day-of-week',
  min: 0,
  max: 7,
  names: namesFrom(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'], 0),
};
const APS_WEEKDAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const APS_DAYS_OF_WEEK: FieldRange = { label: 'day_of_week', min: 0, max: 6, names: namesFrom(APS_WEEKDAY_NAMES, 0) };

const unixToAwsWeekday = (day: number): number => (day % 7) + 1;
const apsToAwsWeekday = (day: number): number => ((day + 1) % 7) + 1;

type Fail = (message: string) => never;

const failAt =
  (path: string, prefix: string): Fail =>
  (message) => {
    throw ValidationError.at(path, `${prefix}${message}`);
  };

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

function parseValue(token: string, field: FieldRange, fail: Fail): number {
  let value: number | undefined;
  if (/^\d+$/.test(token)) value = Number(token);
  else value = field.names?.[token.toLowerCase()];
  if (value === undefined) {
    fail(`'${token}' is not a ${field.names ? 'number or name' : 'number'}`);
  }
  if (value < field.min || value > field.max) {
    fail(`${value} is out of range ${field.min}-${field.max}`);
  }
  return value;
}

/** Values, ranges, steps (`*`, `a`, `a-b`, `*\/n`, `a/n`, `a-b/n`) and comma lists, as a sorted list. */
function parseValues(text: string, field: FieldRange, fail: Fail): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (match === null) {
      fail(`'${item}' is not a value, range, step or list`);
    }
    const [, base = '', stepText] = match;
    let [low, high] = [field.min, field.max];
    if (base !== '*') {
      const [first = '', last] = base.split('-');
      low = parseValue(first, field, fail);
      high = last !== undefined ? parseValue(last, field, fail) : stepText !== undefined ? field.max : low;
      if (low > high) fail(`range '${base}' runs backwards`);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) fail(`step in '${item}' must be at least 1`);
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

const isFull = (values: readonly number[], field: FieldRange): boolean => values.length === field.max - field.min + 1;

// ---------------------------------------------------------------------------------------------------------------
// AWS form

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

/** Puts a schedule into canonical form: a day rule that covers every day is written `*` on day-of-month. */
function canonical(spec: CronSpec): CronSpec {
  const { dayOfMonth, dayOfWeek } = spec;
  if (dayOfMonth.kind === 'any' && dayOfWeek.kind === 'days' && isFull(dayOfWeek.days, AWS_DAYS_OF_WEEK)) {
    return { ...spec, dayOfMonth: { kind: 'days', days: range(1, 31) }, dayOfWeek: { kind: 'any' } };
  }
  return spec;
}

function checkDayRules(dayOfMonth: DayOfMonthRule, dayOfWeek: DayOfWeekRule, fail: Fail): void {
  if (dayOfMonth.kind === 'any' && dayOfWeek.kind === 'any') {
    fail("day-of-month and day-of-week cannot both be '?'; put '*' in one of them");
  }
  if (dayOfMonth.kind !== 'any' && dayOfWeek.kind !== 'any') {
    fail(
      "EventBridge Scheduler needs '?' in day-of-month or day-of-week: a schedule cannot restrict both " +
        "(write '?' in the one that should not apply)",
    );
  }
}

/** Parses the six AWS fields (as in `cron(...)`); errors are reported at `path`. */
export function parseAwsCronFields(fields: readonly string[], path: string): CronSpec {
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
  const failIn = (label: string) => failAt(path, `${label} field: `);
  const spec: CronSpec = {
    minutes: parseValues(minutes, MINUTES, failIn('minutes')),
    hours: parseValues(hours, HOURS, failIn('hours')),
    dayOfMonth: parseAwsDayOfMonth(dayOfMonth, failIn('day-of-month')),
    months: parseValues(month, MONTHS, failIn('month')),
    dayOfWeek: parseAwsDayOfWeek(dayOfWeek, failIn('day-of-week')),
    years: parseValues(year, YEARS, failIn('year')),
  };
  checkDayRules(spec.dayOfMonth, spec.dayOfWeek, failAt(path, ''));
  return canonical(spec);
}

/** Parses `cron(min hour dom month dow year)`. */
export function parseAwsCronExpression(expression: string, path: string): CronSpec {
  const match = /^\s*cron\((.*)\)\s*$/i.exec(expression);
  if (match === null) throw ValidationError.at(path, `'${expression}' is not of the form cron(fields)`);
  const [, fields = ''] = match;
  return parseAwsCronFields(fields.trim().split(/\s+/), path);
}

// ---------------------------------------------------------------------------------------------------------------
// Unix form

function parseUnixCron(expression: string, path: string): CronSpec {
  const fields = expression.trim().split(/\s+/);
  const [minutes, hours, dayOfMonth, month, dayOfWeek] = fields;
  if (
    fields.length !== 5 ||
    minutes === undefined ||
    hours === undefined ||
    dayOfMonth === undefined ||
    month === undefined ||
    dayOfWeek === undefined
  ) {
    throw ValidationError.at(
      path,
      `a cron expression has 5 fields (minute hour day-of-month month day-of-week) or is written cron(...) with 6, got ${fields.length}`,
    );
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
    minutes: parseValues(minutes, MINUTES, failIn('minute')),
    hours: parseValues(hours, HOURS, failIn('hour')),
    dayOfMonth: domIsStar && !dowIsStar ? { kind: 'any' } : { kind: 'days', days: monthDays },
    months: parseValues(month, MONTHS, failIn('month')),
    dayOfWeek: dowIsStar ? { kind: 'any' } : { kind: 'days', days: weekDays },
    years: range(MIN_YEAR, MAX_YEAR),
  });
}

// ---------------------------------------------------------------------------------------------------------------
// APScheduler fields

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

function parseApsDay(text: string, fail: Fail): { dayOfMonth: DayOfMonthRule; dayOfWeek?: DayOfWeekRule } {
  const lower = text.trim().toLowerCase();
  if (lower === 'last') return { dayOfMonth: { kind: 'last' } };
  const special = /^(\S+)\s+(\S+)$/.exec(lower);
  if (special !== null) {
    const [, which = '', dayName = ''] = special;
    const weekday = apsToAwsWeekday(parseValue(dayName, APS_DAYS_OF_WEEK, fail));
    if (which === 'last') return { dayOfMonth: { kind: 'any' }, dayOfWeek: { kind: 'last', weekday } };
    const nth = ORDINALS[which];
    if (nth === undefined) fail(`'${which}' is not one of 1st, 2nd, 3rd, 4th, 5th, last`);
    return { dayOfMonth: { kind: 'any' }, dayOfWeek: { kind: 'nth', weekday, nth } };
  }
  return { dayOfMonth: { kind: 'days', days: parseValues(text, DAYS_OF_MONTH, fail) } };
}

function parseApsFields(trigger: CronTrigger): CronSpec {
  const given = APS_FIELDS.filter((name) => trigger[name] !== undefined);
  const leastSignificant = Math.max(...given.map((name) => APS_FIELDS.indexOf(name)));
  const text = (name: ApsField): string => {
    const value = trigger[name];
    if (value !== undefined) return String(value).trim();
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

  attempt('second', (fail) => {
    const seconds = parseValues(text('second'), { label: 'second', min: 0, max: 59 }, fail);
    if (seconds.length !== 1 || seconds[0] !== 0) {
      fail('EventBridge Scheduler fires at most once a minute, so only second 0 is supported');
    }
  });
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
  return { minutes, hours, dayOfMonth, months, dayOfWeek, years };
}

// ---------------------------------------------------------------------------------------------------------------
// Entry points

const hasApsFields = (trigger: CronTrigger): boolean => APS_FIELDS.some((name) => trigger[name] !== undefined);

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

// ---------------------------------------------------------------------------------------------------------------
// Rendering

function renderValues(values: readonly number[], field: FieldRange, name?: (value: number) => string): string {
  if (isFull(values, field)) return '*';
  const label = name ?? String;
  const [first, second] = values;
  // An arithmetic run from `first` to the end of the range is written `first/step`; day-of-week steps are not
  // documented for EventBridge, so names and ranges are used there instead.
  if (name === undefined && first !== undefined && second !== undefined && values.length >= 3) {
    const step = second - first;
    const last = first + (values.length - 1) * step;
    if (step >= 2 && values.every((value, index) => value === first + index * step) && last + step > field.max) {
      return `${first}/${step}`;
    }
  }
  const runs: [number, number][] = [];
  for (const value of values) {
    const run = runs[runs.length - 1];
    if (run !== undefined && run[1] === value - 1) run[1] = value;
    else runs.push([value, value]);
  }
  return runs.map(([low, high]) => (low === high ? label(low) : `${label(low)}-${label(high)}`)).join(',');
}

const weekdayName = (day: number): string => AWS_WEEKDAY_NAMES[day - 1] ?? String(day);

function renderDayOfMonth(rule: DayOfMonthRule): string {
  switch (rule.kind) {
    case 'any':
      return '?';
    case 'days':
      return renderValues(rule.days, DAYS_OF_MONTH);
    case 'last':
      return 'L';
    case 'lastWeekday':
      return 'LW';
    case 'nearestWeekday':
      return `${rule.day}W`;
  }
}

function renderDayOfWeek(rule: DayOfWeekRule): string {
  switch (rule.kind) {
    case 'any':
      return '?';
    case 'days':
      return renderValues(rule.days, AWS_DAYS_OF_WEEK, weekdayName);
    case 'last':
      return `${rule.weekday}L`;
    case 'nth':
      return `${rule.weekday}#${rule.nth}`;
  }
}

/** Writes a schedule as the six AWS fields. */
export function renderCron(spec: CronSpec): AwsCron {
  return {
    minutes: renderValues(spec.minutes, MINUTES),
    hours: renderValues(spec.hours, HOURS),
    dayOfMonth: renderDayOfMonth(spec.dayOfMonth),
    month: renderValues(spec.months, MONTHS),
    dayOfWeek: renderDayOfWeek(spec.dayOfWeek),
    year: renderValues(spec.years, YEARS),
  };
}

/** A cron trigger in any form as canonical AWS fields. Throws ValidationError. */
export function normaliseCron(trigger: CronTrigger): AwsCron {
  return renderCron(cronSpecOf(trigger));
}

/** `cron(minutes hours day-of-month month day-of-week year)`. */
export function formatAwsCron(fields: AwsCron): string {
  return `cron(${fields.minutes} ${fields.hours} ${fields.dayOfMonth} ${fields.month} ${fields.dayOfWeek} ${fields.year})`;
}

// ---------------------------------------------------------------------------------------------------------------
// Day matching (used by the fire-time evaluator)

/** Days in a month (month 1-12). */
export const daysInMonth = (year: number, month: number): number => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** AWS weekday (1 = Sunday ... 7 = Saturday) of a calendar date. */
export const awsWeekdayOf = (year: number, month: number, day: number): number =>
  new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 1;

function nearestWeekday(year: number, month: number, day: number, lastDay: number): number | undefined {
  if (day > lastDay) return undefined;
  const weekday = awsWeekdayOf(year, month, day);
  // Saturday moves to Friday, Sunday to Monday, never across the month's edge (Quartz's `W`).
  if (weekday === 7) return day === 1 ? 3 : day - 1;
  if (weekday === 1) return day === lastDay ? day - 2 : day + 1;
  return day;
}

/** Whether the day rules of a schedule allow a calendar date (month and year are checked by the caller). */
export function matchesDay(spec: CronSpec, year: number, month: number, day: number): boolean {
  const lastDay = daysInMonth(year, month);
  const weekday = awsWeekdayOf(year, month, day);
  const dom = spec.dayOfMonth;
  const domMatches =
    dom.kind === 'any' ||
    (dom.kind === 'days' && dom.days.includes(day)) ||
    (dom.kind === 'last' && day === lastDay) ||
    (dom.kind === 'lastWeekday' && day === nearestWeekday(year, month, lastDay, lastDay)) ||
    (dom.kind === 'nearestWeekday' && day === nearestWeekday(year, month, dom.day, lastDay));
  const dow = spec.dayOfWeek;
  const dowMatches =
    dow.kind === 'any' ||
    (dow.kind === 'days' && dow.days.includes(weekday)) ||
    (dow.kind === 'last' && weekday === dow.weekday && day + 7 > lastDay) ||
    (dow.kind === 'nth' && weekday === dow.weekday && Math.ceil(day / 7) === dow.nth);
  return domMatches && dowMatches;
}
