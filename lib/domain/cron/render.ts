import {
  AWS_DAYS_OF_WEEK,
  AWS_WEEKDAY_NAMES,
  DAYS_OF_MONTH,
  HOURS,
  isFull,
  MINUTES,
  MONTHS,
  SECONDS,
  YEARS,
} from './types';
import type { AwsCron, CronSpec, DayOfMonthRule, DayOfWeekRule, FieldRange } from './types';

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

/** The seconds field of a schedule in the same notation as the others (`0`, `0/10`, `5,35`). */
export function renderCronSeconds(spec: CronSpec): string {
  return renderValues(spec.seconds, SECONDS);
}

/** `cron(minutes hours day-of-month month day-of-week year)`. */
export function formatAwsCron(fields: AwsCron): string {
  return `cron(${fields.minutes} ${fields.hours} ${fields.dayOfMonth} ${fields.month} ${fields.dayOfWeek} ${fields.year})`;
}
