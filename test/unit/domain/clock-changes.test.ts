import { describe, expect, it } from 'vitest';
import { CLOCK_CHANGE_SEARCH_LIMIT_MS, clockChangesBetween, formatOffset } from '../../../lib/domain/clock-changes';

describe('clockChangesBetween', () => {
  it('finds spring-forward and fall-back in Europe/Paris to the minute, with the wall times either side', () => {
    // Act
    const changes = clockChangesBetween(
      new Date('2027-01-01T00:00:00Z'),
      new Date('2027-12-31T00:00:00Z'),
      'Europe/Paris',
    );

    // Assess: 28 March 02:00 -> 03:00, 31 October 03:00 -> 02:00
    expect(changes.map((change) => change.at.toISOString())).toEqual([
      '2027-03-28T01:00:00.000Z',
      '2027-10-31T01:00:00.000Z',
    ]);
    const [spring, autumn] = changes;
    expect(spring).toMatchObject({ offsetBeforeMinutes: 60, offsetAfterMinutes: 120 });
    expect(spring?.wallBefore).toMatchObject({ month: 3, day: 28, hour: 2, minute: 0 });
    expect(spring?.wallAfter).toMatchObject({ month: 3, day: 28, hour: 3, minute: 0 });
    expect(autumn).toMatchObject({ offsetBeforeMinutes: 120, offsetAfterMinutes: 60 });
    expect(autumn?.wallBefore).toMatchObject({ month: 10, day: 31, hour: 3, minute: 0 });
    expect(autumn?.wallAfter).toMatchObject({ month: 10, day: 31, hour: 2, minute: 0 });
  });

  it('finds the half-hour change of Australia/Lord_Howe', () => {
    // Act
    const changes = clockChangesBetween(
      new Date('2027-01-01T00:00:00Z'),
      new Date('2027-12-31T00:00:00Z'),
      'Australia/Lord_Howe',
    );

    // Assess
    expect(changes.map((change) => change.offsetAfterMinutes - change.offsetBeforeMinutes)).toEqual([-30, 30]);
  });

  it('finds none in UTC or in a zone without daylight saving, and none outside the window', () => {
    // Prepare
    const from = new Date('2027-01-01T00:00:00Z');
    const to = new Date('2028-01-01T00:00:00Z');

    // Act / Assess
    expect(clockChangesBetween(from, to, 'UTC')).toEqual([]);
    expect(clockChangesBetween(from, to, 'Asia/Tokyo')).toEqual([]);
    expect(
      clockChangesBetween(new Date('2027-04-01T00:00:00Z'), new Date('2027-10-01T00:00:00Z'), 'Europe/Paris'),
    ).toEqual([]);
  });

  it('looks no further than its search limit', () => {
    // Prepare
    const from = new Date('2027-01-01T00:00:00Z');

    // Act
    const changes = clockChangesBetween(from, new Date('2040-01-01T00:00:00Z'), 'Europe/Paris');

    // Assess: three years of two changes each, and nothing past the limit
    expect(changes).toHaveLength(6);
    expect(changes.every((change) => change.at.getTime() <= from.getTime() + CLOCK_CHANGE_SEARCH_LIMIT_MS)).toBe(true);
  });
});

describe('clockChangesBetween at the ends of its window', () => {
  it('finds a change in the last minute of a window whose ends are not whole minutes', () => {
    // Act: the window ends at the change (New York, 14 March 2027, 02:00 EST -> 03:00 EDT at 07:00Z)
    const changes = clockChangesBetween(
      new Date('2027-03-14T05:59:59.999Z'),
      new Date('2027-03-14T07:00:00Z'),
      'America/New_York',
    );

    // Assess
    expect(changes.map((change) => change.at.toISOString())).toEqual(['2027-03-14T07:00:00.000Z']);
  });

  it('finds a change a millisecond after the start and none a millisecond before the end', () => {
    // Act
    const justAfter = clockChangesBetween(
      new Date('2027-03-14T06:59:59.999Z'),
      new Date('2027-03-14T08:00:00.001Z'),
      'America/New_York',
    );
    const justBefore = clockChangesBetween(
      new Date('2027-03-14T05:00:00.001Z'),
      new Date('2027-03-14T06:59:59.999Z'),
      'America/New_York',
    );

    // Assess
    expect(justAfter).toHaveLength(1);
    expect(justBefore).toEqual([]);
  });

  it("notes the change when the last of a daily job's fire times is the change instant", () => {
    // Prepare: 03:00 daily in New York; on 14 March 03:00 EDT is the first instant after the change
    const times = Array.from({ length: 10 }, (_, day) =>
      day < 9 ? new Date(Date.UTC(2027, 2, 5 + day, 8)) : new Date('2027-03-14T07:00:00Z'),
    );

    // Act
    const changes = clockChangesBetween(new Date(times[0]!.getTime() - 1), times[9]!, 'America/New_York');

    // Assess
    expect(changes).toHaveLength(1);
  });
});

describe('formatOffset', () => {
  it('writes offsets as ±hh:mm', () => {
    expect([60, -300, 0, 330, -570].map(formatOffset)).toEqual(['+01:00', '-05:00', '+00:00', '+05:30', '-09:30']);
  });
});
