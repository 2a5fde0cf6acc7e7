import { ValidationError } from '../errors';
import { AWS_DAYS_OF_WEEK, isFull } from './types';
import type { CronSpec, FieldRange } from './types';

export type Fail = (message: string) => never;

export const failAt =
  (path: string, prefix: string): Fail =>
  (message) => {
    throw ValidationError.at(path, `${prefix}${message}`);
  };

export const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

export function parseValue(token: string, field: FieldRange, fail: Fail): number {
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

/**
 * Splits a cron expression into its whitespace-separated fields. A list written with spaces around its commas
 * ('3, 26') would be cut in two there and its tail read as the next field, so it is refused, naming the list.
 */
export function splitCronFields(expression: string, fail: Fail): string[] {
  const fields = expression.trim().split(/\s+/);
  const cutAfter = (index: number): boolean =>
    index + 1 < fields.length && (fields[index]?.endsWith(',') === true || fields[index + 1]?.startsWith(',') === true);
  const first = fields.findIndex((_, index) => cutAfter(index));
  if (first >= 0) {
    let last = first + 1;
    while (cutAfter(last)) last += 1;
    const pieces = fields.slice(first, last + 1);
    fail(
      `'${pieces.join(' ')}': whitespace separates the fields of a cron expression, so a list cannot have spaces ` +
        `around its commas; write '${pieces.join('')}'`,
    );
  }
  return fields;
}

/** Why an expression not written `cron(...)` has the wrong number of fields, naming the forms it could take. */
export const fieldCountMessage = (count: number): string =>
  'a cron expression has 5 fields (Unix: minute hour day-of-month month day-of-week), 6 or 7 (Quartz: second ' +
  `minute hour day-of-month month day-of-week [year]) or is written cron(...) with 6, got ${count}`;

/** Values, ranges, steps (`*`, `a`, `a-b`, `*\/n`, `a/n`, `a-b/n`) and comma lists, as a sorted list. */
export function parseValues(text: string, field: FieldRange, fail: Fail): number[] {
  const openEnd = field.openEnd ?? field.max;
  const values = new Set<number>();
  for (const item of text.split(',')) {
    const match = /^(\*|[A-Za-z0-9]+(?:-[A-Za-z0-9]+)?)(?:\/(\d+))?$/.exec(item);
    if (match === null) {
      fail(`'${item}' is not a value, range, step or list`);
    }
    const [, base = '', stepText] = match;
    let [low, high] = [field.min, openEnd];
    if (base !== '*') {
      const [first = '', last] = base.split('-');
      low = parseValue(first, field, fail);
      if (last !== undefined) high = parseValue(last, field, fail);
      else if (stepText === undefined) high = low;
      // An open step from an alias above the open end starts where the alias points (Unix day-of-week 7 is 0).
      else if (low > openEnd) low = field.min + ((low - field.min) % (openEnd - field.min + 1));
      if (low > high) fail(`range '${base}' runs backwards`);
    }
    const step = stepText === undefined ? 1 : Number(stepText);
    if (step < 1) fail(`step in '${item}' must be at least 1`);
    for (let value = low; value <= high; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

/** Puts a schedule into canonical form: a day rule that covers every day is written `*` on day-of-month. */
export function canonical(spec: CronSpec): CronSpec {
  const { dayOfMonth, dayOfWeek } = spec;
  if (dayOfMonth.kind === 'any' && dayOfWeek.kind === 'days' && isFull(dayOfWeek.days, AWS_DAYS_OF_WEEK)) {
    return { ...spec, dayOfMonth: { kind: 'days', days: range(1, 31) }, dayOfWeek: { kind: 'any' } };
  }
  return spec;
}
