/**
 * The four cron forms users bring, read into one model and written back as EventBridge Scheduler's
 * 6-field cron: `cron(minutes hours day-of-month month day-of-week year)`.
 *
 * - 5-field Unix cron: day-of-week 0 or 7 = Sunday; when day-of-month and day-of-week are both restricted Unix
 *   cron fires on either, which EventBridge cannot express, so that is rejected; a `*` in one becomes `?`.
 * - AWS cron written as `cron(...)`: day-of-week 1 = Sunday, `?`, `L`, `W`, `#` and the year field.
 * - Quartz cron: an expression of 6 or 7 fields not written `cron(...)`, seconds first, then the AWS fields with
 *   the year optional; read by the AWS form's parser, as its fields mean what EventBridge's do.
 * - APScheduler CronTrigger fields: day_of_week 0 = Monday; omitted fields more significant than the least
 *   significant given one are `*`, less significant ones take their minimum, as APScheduler does.
 *
 * Seconds are read in every form (`[0]` where a form has none). EventBridge Scheduler's cron has no seconds, so
 * `normaliseCron` refuses a schedule that fires at any other second; the fire-time evaluator lists them.
 *
 * Output is canonical (sorted values, runs as ranges, full ranges as `*`), so equal schedules written in
 * different forms normalise to the same fields.
 */

export type { AwsCron, CronSpec, DayOfMonthRule, DayOfWeekRule } from './types';
export { MAX_YEAR, MIN_YEAR } from './types';
export { parseAwsCronExpression, parseAwsCronFields } from './aws-form';
export { cronSecondPrecisionIssue, cronSpecOf, normaliseCron } from './read-trigger';
export { parseQuartzFields } from './quartz-form';
export { formatAwsCron, renderCron, renderCronSeconds } from './render';
export { awsWeekdayOf, daysInMonth, daysMatching, matchesDay, monthsToSearch } from './days';
export type { YearMonth } from './days';
