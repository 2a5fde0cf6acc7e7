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

export type { AwsCron, CronSpec, DayOfMonthRule, DayOfWeekRule } from './types';
export { MAX_YEAR, MIN_YEAR } from './types';
export { parseAwsCronExpression, parseAwsCronFields } from './aws-form';
export { cronSpecOf, normaliseCron } from './read-trigger';
export { formatAwsCron, renderCron } from './render';
export { awsWeekdayOf, daysInMonth, daysMatching, matchesDay, monthsToSearch } from './days';
export type { YearMonth } from './days';
