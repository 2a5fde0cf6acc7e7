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

/**
 * A cron schedule in evaluable form: sorted value lists and the two day rules. `seconds` is `[0]` for every form
 * but a Quartz expression or an APScheduler `second` field that says otherwise.
 */
export interface CronSpec {
  readonly seconds: readonly number[];
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

export interface FieldRange {
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /**
   * Where a range left open (`*`, `a/n`) ends, when the values above it up to `max` are only aliases of lower ones.
   * Default: `max`.
   */
  readonly openEnd?: number;
  readonly names?: Readonly<Record<string, number>>;
}

const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
export const namesFrom = (names: readonly string[], first: number): Record<string, number> =>
  Object.fromEntries(names.map((name, index) => [name, first + index]));

export const SECONDS: FieldRange = { label: 'second', min: 0, max: 59 };
export const MINUTES: FieldRange = { label: 'minute', min: 0, max: 59 };
export const HOURS: FieldRange = { label: 'hour', min: 0, max: 23 };
export const DAYS_OF_MONTH: FieldRange = { label: 'day-of-month', min: 1, max: 31 };
export const MONTHS: FieldRange = { label: 'month', min: 1, max: 12, names: namesFrom(MONTH_NAMES, 1) };
export const YEARS: FieldRange = { label: 'year', min: MIN_YEAR, max: MAX_YEAR };
export const AWS_WEEKDAY_NAMES = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
export const AWS_DAYS_OF_WEEK: FieldRange = {
  label: 'day-of-week',
  min: 1,
  max: 7,
  names: namesFrom(
    AWS_WEEKDAY_NAMES.map((name) => name.toLowerCase()),
    1,
  ),
};

export const isFull = (values: readonly number[], field: FieldRange): boolean =>
  values.length === field.max - field.min + 1;
