import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/errors';
import {
  assertTimeZone,
  canonicalTimeZone,
  firstInstantOf,
  offsetMinutesAt,
  resolveWallTime,
  wallTimeAt,
} from '../../../lib/domain/timezone';
import type { WallTime } from '../../../lib/domain/timezone';

const wall = (year: number, month: number, day: number, hour: number, minute = 0): WallTime => ({
  year,
  month,
  day,
  hour,
  minute,
  second: 0,
});

describe('timezone', () => {
  describe('validating IANA names', () => {
    it.each([
      ['UTC', 'UTC'],
      ['utc', 'UTC'],
      ['Europe/Paris', 'Europe/Paris'],
      ['america/new_york', 'America/New_York'],
      ['US/Eastern', 'America/New_York'],
    ])('accepts %s as %s', (input, expected) => {
      // Prepare: the name (table row)

      // Act
      const result = assertTimeZone(input, 'trigger.timezone');

      // Assess
      expect(result).toBe(expected);
    });

    it.each(['Mars/Olympus', '+05:30', '', 'Europe/Paris; DROP', 'GMT+99'])('rejects %j', (input) => {
      // Prepare: the name (table row)

      // Act
      const act = () => assertTimeZone(input, 'trigger.timezone');

      // Assess
      expect(act).toThrow(ValidationError);
      expect(canonicalTimeZone(input)).toBeUndefined();
    });
  });

  describe('reading wall time', () => {
    it('shows the local wall time of an instant', () => {
      // Prepare
      const instant = new Date('2026-07-01T12:34:56Z');

      // Act
      const result = wallTimeAt(instant, 'Asia/Shanghai');

      // Assess
      expect(result).toEqual({ year: 2026, month: 7, day: 1, hour: 20, minute: 34, second: 56 });
    });

    it('knows the offset before and after a change', () => {
      // Prepare
      const winter = Date.parse('2026-01-15T12:00:00Z');
      const summer = Date.parse('2026-07-15T12:00:00Z');

      // Act
      const offsets = [offsetMinutesAt(winter, 'America/New_York'), offsetMinutesAt(summer, 'America/New_York')];

      // Assess
      expect(offsets).toEqual([-300, -240]);
    });

    it('handles zones with half-hour offsets and instants before 1970', () => {
      // Prepare
      const instant = Date.parse('1969-12-31T23:59:59.500Z');

      // Act
      const offsets = [offsetMinutesAt(instant, 'Asia/Kolkata'), offsetMinutesAt(instant, 'UTC')];

      // Assess
      expect(offsets).toEqual([330, 0]);
    });
  });

  describe('resolving wall time to instants', () => {
    it('maps an ordinary time to one instant', () => {
      // Prepare
      const time = wall(2026, 1, 15, 9, 30);

      // Act
      const result = resolveWallTime(time, 'Europe/Paris');

      // Assess
      expect(result).toEqual({ kind: 'exact', instant: new Date('2026-01-15T08:30:00Z') });
    });

    it('finds no instant for a time in the spring-forward gap', () => {
      // Prepare
      const time = wall(2026, 3, 8, 2, 30);

      // Act
      const result = resolveWallTime(time, 'America/New_York');

      // Assess
      expect(result).toEqual({ kind: 'gap' });
      expect(firstInstantOf(time, 'America/New_York')).toBeUndefined();
    });

    it('finds both instants of a repeated fall-back time, and EventBridge uses the first', () => {
      // Prepare
      const time = wall(2026, 10, 25, 1, 30);

      // Act
      const result = resolveWallTime(time, 'Europe/London');

      // Assess
      expect(result).toEqual({
        kind: 'ambiguous',
        earlier: new Date('2026-10-25T00:30:00Z'),
        later: new Date('2026-10-25T01:30:00Z'),
      });
      expect(firstInstantOf(time, 'Europe/London')).toEqual(new Date('2026-10-25T00:30:00Z'));
    });

    it('handles a zone whose change skips midnight', () => {
      // Prepare: Santiago springs forward from 24:00 to 01:00 (2026-09-06)
      const midnight = wall(2026, 9, 6, 0, 0);
      const one = wall(2026, 9, 6, 1, 0);

      // Act
      const [gap, after] = [resolveWallTime(midnight, 'America/Santiago'), firstInstantOf(one, 'America/Santiago')];

      // Assess
      expect(gap).toEqual({ kind: 'gap' });
      expect(after).toEqual(new Date('2026-09-06T04:00:00Z'));
    });
  });
});
