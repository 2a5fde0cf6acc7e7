import type { DateTrigger } from '../schemas/trigger';
import { daysInMonth } from './cron';
import { ValidationError } from './errors';
import type { FieldIssue } from './errors';
import { assertTimeZone, resolveWallTime, wallTimeAsUtcMs, wallTimeAt } from './timezone';
import type { WallTime } from './timezone';

/** A date trigger's instant and how it is written for EventBridge Scheduler's `at(...)`. */
export interface ResolvedRunAt {
  readonly instant: Date;
  /** `yyyy-mm-ddThh:mm:ss`, the wall time in `timezone`. */
  readonly wallTime: string;
  readonly timezone: string;
}

const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:(Z)|([+-])(\d{2}):?(\d{2}))?$/i;

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

export const formatWallTime = (wall: WallTime): string =>
  `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}`;

/** `2030-01-01 09:00:05`: an instant as a zone's clock shows it, to the second (for people: the CLI, the console). */
export const wallTimeIn = (instant: string | Date, zone: string): string =>
  formatWallTime(wallTimeAt(new Date(instant), zone)).replace('T', ' ');

/**
 * Reads `runAt`, to the second (a fraction of a second is refused: fire times are whole seconds); the date and time
 * may be separated by a space, as APScheduler's `run_date='2019-08-13 23:28:05'` is. A local time is
 * read in the trigger's time zone: one inside a spring-forward gap is rejected, one repeated at fall-back means its
 * first (earlier) occurrence, as EventBridge Scheduler does.
 *
 * A time with an offset or Z is an exact instant; it is written as UTC wall time with time zone UTC, because
 * converting it to local wall time could land on a repeated hour that EventBridge would read as the earlier one.
 * The trigger's `timezone` is still validated and is kept for display only.
 */
export function resolveRunAt(trigger: DateTrigger): ResolvedRunAt {
  const timezone = assertTimeZone(trigger.timezone ?? 'UTC', 'trigger.timezone');
  const match = ISO_DATE_TIME.exec(trigger.runAt.trim());
  if (match === null) {
    throw ValidationError.at(
      'trigger.runAt',
      `'${trigger.runAt}' is not an ISO-8601 date-time such as 2030-01-01T09:00:00 or 2030-01-01T09:00:00Z`,
    );
  }
  const [, year, month, day, hour, minute, second = '0', fraction = '0', zulu, sign, offsetHours, offsetMinutes] =
    match;
  const wall: WallTime = {
    year: Number(year),
    month: Number(month),
    day: Number(day),
    hour: Number(hour),
    minute: Number(minute),
    second: Number(second),
  };
  if (wall.month < 1 || wall.month > 12 || wall.day < 1 || wall.day > daysInMonth(wall.year, wall.month)) {
    throw ValidationError.at('trigger.runAt', `'${trigger.runAt}' is not a calendar date`);
  }
  if (wall.hour > 23 || wall.minute > 59 || wall.second > 59) {
    throw ValidationError.at('trigger.runAt', `'${trigger.runAt}' is not a time of day`);
  }
  if (Number(fraction) !== 0) {
    throw ValidationError.at(
      'trigger.runAt',
      `'${trigger.runAt}' has a fraction of a second: fire times are whole seconds, so seconds must be whole`,
    );
  }

  if (zulu !== undefined || sign !== undefined) {
    const offset = (sign === '-' ? -1 : 1) * (Number(offsetHours ?? 0) * 60 + Number(offsetMinutes ?? 0));
    if (Number(offsetHours ?? 0) > 14 || Number(offsetMinutes ?? 0) > 59) {
      throw ValidationError.at('trigger.runAt', `'${trigger.runAt}' has an impossible UTC offset`);
    }
    const instant = wallTimeAsUtcMs(wall) - offset * 60_000;
    return { instant: new Date(instant), wallTime: formatWallTime(wallTimeAt(instant, 'UTC')), timezone: 'UTC' };
  }

  const resolution = resolveWallTime(wall, timezone);
  if (resolution.kind === 'gap') {
    throw ValidationError.at(
      'trigger.runAt',
      `${formatWallTime(wall)} does not exist in ${timezone}: the clocks skip it when daylight saving time starts`,
    );
  }
  const instant = resolution.kind === 'exact' ? resolution.instant : resolution.earlier;
  return { instant, wallTime: formatWallTime(wall), timezone };
}

/**
 * Why a resolved `runAt` cannot run as an EventBridge Scheduler `at(...)`: its seconds are not 0, and one-time
 * schedules fire on the minute. Undefined when they are 0.
 */
export function runAtSecondPrecisionIssue(runAt: ResolvedRunAt): FieldIssue | undefined {
  if (runAt.instant.getTime() % 60_000 === 0) return undefined;
  return {
    path: 'trigger.runAt',
    message: 'seconds must be 0: EventBridge Scheduler runs one-time schedules at minute precision',
  };
}
