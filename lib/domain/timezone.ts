import { ValidationError } from './errors';

/**
 * IANA time zones and wall-clock <-> UTC conversion, using only `Intl` (no tz database of our own).
 *
 * Daylight saving follows EventBridge Scheduler: a local time inside a spring-forward gap does not exist,
 * and a local time repeated at fall-back resolves to its first (earlier) occurrence.
 */

/** A local calendar time: month 1-12, day 1-31, hour 0-23. */
export interface WallTime {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
}

/** How a wall time maps to instants in a time zone. */
export type WallTimeResolution =
  | { readonly kind: 'exact'; readonly instant: Date }
  /** Repeated at fall-back: `earlier` is the first occurrence, the one EventBridge Scheduler uses. */
  | { readonly kind: 'ambiguous'; readonly earlier: Date; readonly later: Date }
  /** Skipped at spring-forward: the clock never shows this time. */
  | { readonly kind: 'gap' };

const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

// Intl also accepts offsets such as `+05:30`; EventBridge Scheduler wants a zone name, so only names pass.
const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;

/** The canonical spelling of an IANA zone name, or undefined when it is not one. */
export function canonicalTimeZone(timeZone: string): string | undefined {
  if (!ZONE_NAME.test(timeZone)) return undefined;
  try {
    // Intl fixes letter case (utc -> UTC) and maps links to their zone (US/Eastern -> America/New_York).
    return new Intl.DateTimeFormat('en-US', { timeZone }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** Validates an IANA zone name and returns its canonical spelling; throws a ValidationError at `path`. */
export function assertTimeZone(timeZone: string, path: string): string {
  const canonical = canonicalTimeZone(timeZone);
  if (canonical === undefined) {
    throw ValidationError.at(path, `unknown time zone '${timeZone}': use an IANA name such as 'Europe/Paris' or 'UTC'`);
  }
  return canonical;
}

/** The wall-clock time an instant shows in a time zone. */
export function wallTimeAt(instant: Date | number, timeZone: string): WallTime {
  const parts = formatterFor(timeZone).formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((candidate) => candidate.type === type)?.value);
  return {
    year: part('year'),
    month: part('month'),
    day: part('day'),
    hour: part('hour'),
    minute: part('minute'),
    second: part('second'),
  };
}

/** The wall time read as if it were UTC, in epoch milliseconds (a handy number to do arithmetic on). */
export function wallTimeAsUtcMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The zone's offset from UTC at an instant, in minutes (positive east of Greenwich). */
export function offsetMinutesAt(instantMs: number, timeZone: string): number {
  if (timeZone === 'UTC') return 0;
  const flooredMs = instantMs - (((instantMs % 1000) + 1000) % 1000);
  return Math.round((wallTimeAsUtcMs(wallTimeAt(flooredMs, timeZone)) - flooredMs) / MINUTE_MS);
}

/**
 * Every instant at which the zone's clock shows `wall`. The candidates are the offsets in force a day either
 * side (zones change offset at most once in that span); each one that reproduces the wall time is a match.
 */
export function resolveWallTime(wall: WallTime, timeZone: string): WallTimeResolution {
  const asUtc = wallTimeAsUtcMs(wall);
  const offsets = new Set([
    offsetMinutesAt(asUtc - DAY_MS, timeZone),
    offsetMinutesAt(asUtc, timeZone),
    offsetMinutesAt(asUtc + DAY_MS, timeZone),
  ]);
  const instants = [...offsets]
    .map((offset) => asUtc - offset * MINUTE_MS)
    .filter((instant) => offsetMinutesAt(instant, timeZone) * MINUTE_MS === asUtc - instant)
    .sort((a, b) => a - b);
  const [first, last] = [instants[0], instants[instants.length - 1]];
  if (first === undefined || last === undefined) return { kind: 'gap' };
  if (first === last) return { kind: 'exact', instant: new Date(first) };
  return { kind: 'ambiguous', earlier: new Date(first), later: new Date(last) };
}

/** The instant EventBridge Scheduler fires for a wall time: the first occurrence, or undefined in a gap. */
export function firstInstantOf(wall: WallTime, timeZone: string): Date | undefined {
  const resolution = resolveWallTime(wall, timeZone);
  switch (resolution.kind) {
    case 'exact':
      return resolution.instant;
    case 'ambiguous':
      return resolution.earlier;
    case 'gap':
      return undefined;
  }
}
