import * as z from 'zod';

/**
 * Trigger JSON: when a job runs. Shape only; what sked can read (ranges, time zones, day-of-month vs day-of-week)
 * is checked in lib/domain, and lib/domain/precision.ts tells the triggers EventBridge Scheduler can fire on the
 * minute from those that need second precision, which previews list and jobs refuse.
 */

const timezone = z
  .string()
  .min(1)
  .optional()
  .describe("IANA time zone in which the trigger's wall-clock times are read, e.g. 'Europe/Paris'. Default: 'UTC'.");

const cronField = (meaning: string) =>
  z
    .union([z.string().min(1), z.number().int()])
    .optional()
    .describe(
      `${meaning} APScheduler CronTrigger syntax: a value, '*', 'a-b', '*/n', 'a-b/n' or a comma-separated list ` +
        '(spaces around the commas allowed). ' +
        "Default: the minimum when a more significant field is given and this one is below it, otherwise '*'.",
    );

export const cronTriggerSchema = z
  .object({
    type: z.literal('cron').describe('Calendar-based recurrence.'),
    expression: z
      .string()
      .min(1)
      .optional()
      .describe(
        "A 5-field Unix cron expression ('30 10 * * *'; day-of-week 0 or 7 = Sunday, names allowed), " +
          "an AWS cron expression 'cron(min hour day-of-month month day-of-week year)' (day-of-week 1 = Sunday; " +
          "'?', 'L', 'W', 'LW', '#' allowed), or a Quartz cron expression: any expression of 6 or 7 fields not " +
          "written cron(...), 'second min hour day-of-month month day-of-week [year]' ('0 15 10 ? * MON-FRI'; the " +
          "AWS fields with seconds first and the year optional, '?' in one day field). A Quartz expression with 0 " +
          'in its second field is a minute trigger (it becomes the equivalent cron(...)); any other second field ' +
          "runs the job at second precision (see the job's `precision`). Mutually exclusive with the field form. " +
          'No default.',
      ),
    second: cronField("Second (0-59). Anything but 0 runs the job at second precision (see the job's `precision`)."),
    minute: cronField('Minute (0-59).'),
    hour: cronField('Hour (0-23).'),
    day: cronField("Day of month (1-31); also 'last', '<n>th <weekday>' or 'last <weekday>'."),
    month: cronField('Month (1-12 or jan-dec).'),
    day_of_week: cronField('Day of week, APScheduler numbering: 0 = Monday ... 6 = Sunday, or mon-sun.'),
    year: cronField('Four-digit year (1970-2199).'),
    timezone,
  })
  .strict()
  .describe(
    'Cron trigger: give `expression` or the APScheduler fields (second, minute, hour, day, month, day_of_week, year), not both.',
  );

/**
 * The longest interval, in days: the span of the years EventBridge Scheduler's cron accepts (1970-2199). AWS
 * documents a rate's value only as "a positive number", with no upper bound; an interval longer than the calendar
 * Scheduler schedules within could never fire twice, and the bound keeps every sum and fire time exact.
 */
export const MAX_INTERVAL_DAYS = 84_006;
const SECONDS_PER_DAY = 24 * 60 * 60;

const intervalPart = (unit: string, secondsPerUnit: number) => {
  const max = Math.floor((MAX_INTERVAL_DAYS * SECONDS_PER_DAY) / secondsPerUnit);
  return z
    .number()
    .int()
    .min(0)
    .max(max, `at most ${max} ${unit}: an interval is at most ${MAX_INTERVAL_DAYS} days`)
    .optional()
    .describe(`Number of ${unit} added to the interval, 0-${max}. Default: 0.`);
};

export const intervalTriggerSchema = z
  .object({
    type: z.literal('interval').describe('Fixed-rate recurrence.'),
    weeks: intervalPart('weeks', 7 * SECONDS_PER_DAY),
    days: intervalPart('days', SECONDS_PER_DAY),
    hours: intervalPart('hours', 60 * 60),
    minutes: intervalPart('minutes', 60),
    seconds: intervalPart('seconds', 1),
  })
  .strict()
  .describe(
    'Interval trigger (APScheduler IntervalTrigger): the sum of the fields (a day is 24 hours), at least one second ' +
      `and at most ${MAX_INTERVAL_DAYS} days (1970-2199, the years EventBridge Scheduler schedules within). An ` +
      "interval that is not a whole number of minutes runs the job at second precision (see the job's `precision`); " +
      'the floor is 1 s, as SQS delays a message by whole seconds.',
  );

export const dateTriggerSchema = z
  .object({
    type: z.literal('date').describe('One run at a given time.'),
    runAt: z
      .string()
      .min(1)
      .describe(
        "ISO-8601 date-time in whole seconds: local ('2030-01-01T09:00:00', read in `timezone`) or with an offset or Z. " +
          "Seconds other than 0 run the job at second precision (see the job's `precision`). Must be in the future " +
          'when the job is written or previewed. No default.',
      ),
    timezone,
  })
  .strict()
  .describe('Date trigger: runs once at `runAt`, which must be in the future.');

export const triggerSchema = z
  .discriminatedUnion('type', [cronTriggerSchema, intervalTriggerSchema, dateTriggerSchema])
  .describe('When a job runs: a cron, interval or date trigger.');

export type Trigger = z.infer<typeof triggerSchema>;
export type CronTrigger = z.infer<typeof cronTriggerSchema>;
export type IntervalTrigger = z.infer<typeof intervalTriggerSchema>;
export type DateTrigger = z.infer<typeof dateTriggerSchema>;
