import { offsetMinutesAt, wallTimeAt, type WallTime } from './timezone';

/** A moment a zone's clocks change: daylight saving starting or ending, or a zone changing its standard offset. */
export interface ClockChange {
  /** The first instant of the new offset. */
  readonly at: Date;
  readonly offsetBeforeMinutes: number;
  readonly offsetAfterMinutes: number;
  /** The wall time the clocks showed just before the change (e.g. 02:00 when spring-forward skips to 03:00). */
  readonly wallBefore: WallTime;
  /** The wall time shown from the change on (03:00 after a spring-forward at 02:00, 02:00 after a fall-back at 03:00). */
  readonly wallAfter: WallTime;
}

/** Zones change offset months apart: sampling every 6 hours finds each change, then bisection finds its minute. */
const SAMPLE_MS = 6 * 3_600_000;
/** A change is looked for this far at most, so that a list of yearly fire times costs a bounded number of reads. */
export const CLOCK_CHANGE_SEARCH_LIMIT_MS = 3 * 366 * 86_400_000;

/**
 * The clock changes of a zone between two instants (from exclusive, to inclusive), oldest first, searched at most
 * CLOCK_CHANGE_SEARCH_LIMIT_MS past `from`. Each is found to the millisecond (zones change on the minute).
 */
export function clockChangesBetween(from: Date, to: Date, timeZone: string): ClockChange[] {
  const changes: ClockChange[] = [];
  const end = Math.min(to.getTime(), from.getTime() + CLOCK_CHANGE_SEARCH_LIMIT_MS);
  let low = from.getTime();
  let lowOffset = offsetMinutesAt(low, timeZone);
  while (low < end) {
    const high = Math.min(low + SAMPLE_MS, end);
    const highOffset = offsetMinutesAt(high, timeZone);
    if (highOffset !== lowOffset) changes.push(bisect(low, high, lowOffset, highOffset, timeZone));
    low = high;
    lowOffset = highOffset;
  }
  return changes;
}

function bisect(low: number, high: number, before: number, after: number, timeZone: string): ClockChange {
  // Invariant: the offset at `a` is the old one, at `b` the new one; halve to the millisecond, whatever the ends.
  let [a, b] = [low, high];
  while (b - a > 1) {
    const middle = a + Math.floor((b - a) / 2);
    if (offsetMinutesAt(middle, timeZone) === before) a = middle;
    else b = middle;
  }
  const at = b;
  return {
    at: new Date(at),
    offsetBeforeMinutes: before,
    offsetAfterMinutes: after,
    wallBefore: shiftWall(wallTimeAt(at, timeZone), before - after),
    wallAfter: wallTimeAt(at, timeZone),
  };
}

/** A wall time moved by whole minutes, as a clock reading (no zone involved). */
function shiftWall(wall: WallTime, minutes: number): WallTime {
  const moved = new Date(Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute + minutes, wall.second));
  return {
    year: moved.getUTCFullYear(),
    month: moved.getUTCMonth() + 1,
    day: moved.getUTCDate(),
    hour: moved.getUTCHours(),
    minute: moved.getUTCMinutes(),
    second: moved.getUTCSeconds(),
  };
}

/** `+01:00`, `-05:30`, `±00:00` as `+00:00`. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const magnitude = Math.abs(minutes);
  return `${sign}${String(Math.floor(magnitude / 60)).padStart(2, '0')}:${String(magnitude % 60).padStart(2, '0')}`;
}
