import { Cron } from 'croner';
import { describe, expect, it } from 'vitest';
import { cronSpecOf, daysMatching, monthsToSearch } from '../../../lib/domain/cron';
import { LAST_FIRE_TIME, nextFireTimes } from '../../../lib/domain/next-fire-times';
import type { FireWindow } from '../../../lib/domain/next-fire-times';
import type { CronTrigger, Trigger } from '../../../lib/schemas/trigger';

const iso = (dates: readonly Date[]): string[] => dates.map((date) => date.toISOString());
const at = (text: string): Date => new Date(text);

function fires(trigger: Trigger, window: Partial<FireWindow> & { from: Date }): string[] {
  return iso(nextFireTimes(trigger, { count: 5, ...window }));
}

describe('nextFireTimes', () => {
  describe('cron across daylight-saving changes, as EventBridge Scheduler runs them', () => {
    it('skips 02:30 on the New York spring-forward day (2026-03-08)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '30 2 * * *', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-03-06T00:00:00Z'), count: 3 });

      // Assess
      expect(result).toEqual(['2026-03-06T07:30:00.000Z', '2026-03-07T07:30:00.000Z', '2026-03-09T06:30:00.000Z']);
    });

    it('fires 01:30 once, at the first occurrence, on the New York fall-back day (2026-11-01)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '30 1 * * *', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-10-31T00:00:00Z'), count: 3 });

      // Assess
      expect(result).toEqual(['2026-10-31T05:30:00.000Z', '2026-11-01T05:30:00.000Z', '2026-11-02T06:30:00.000Z']);
    });

    it('does not repeat the 01:00 hour of an hourly schedule when New York falls back', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '0 * * * *', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-11-01T03:30:00Z'), count: 4 });

      // Assess: 00:00 EDT, 01:00 EDT, then 02:00 EST; 01:00 EST (06:00Z) does not fire
      expect(result).toEqual([
        '2026-11-01T04:00:00.000Z',
        '2026-11-01T05:00:00.000Z',
        '2026-11-01T07:00:00.000Z',
        '2026-11-01T08:00:00.000Z',
      ]);
    });

    it('skips the missing 02:xx hour of an every-15-minutes schedule when New York springs forward', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '*/15 1-3 * * *', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-03-08T05:00:00Z'), count: 6 });

      // Assess: 01:00-01:45 EST, then 03:00 EDT onwards
      expect(result).toEqual([
        '2026-03-08T06:00:00.000Z',
        '2026-03-08T06:15:00.000Z',
        '2026-03-08T06:30:00.000Z',
        '2026-03-08T06:45:00.000Z',
        '2026-03-08T07:00:00.000Z',
        '2026-03-08T07:15:00.000Z',
      ]);
    });

    it('skips 01:30 on the London spring-forward day (2026-03-29)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '30 1 * * *', timezone: 'Europe/London' };

      // Act
      const result = fires(trigger, { from: at('2026-03-27T00:00:00Z'), count: 3 });

      // Assess
      expect(result).toEqual(['2026-03-27T01:30:00.000Z', '2026-03-28T01:30:00.000Z', '2026-03-30T00:30:00.000Z']);
    });

    it('fires 01:30 once, at the first occurrence, on the London fall-back day (2026-10-25)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', hour: 1, minute: 30, timezone: 'Europe/London' };

      // Act
      const result = fires(trigger, { from: at('2026-10-24T00:00:00Z'), count: 3 });

      // Assess
      expect(result).toEqual(['2026-10-24T00:30:00.000Z', '2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    });

    it('does not repeat the 01:00 hour of an hourly schedule when London falls back', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: 'cron(0 * * * ? *)', timezone: 'Europe/London' };

      // Act
      const result = fires(trigger, { from: at('2026-10-24T23:30:00Z'), count: 3 });

      // Assess: 01:00 BST, then 02:00 GMT; 01:00 GMT (01:00Z) does not fire
      expect(result).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
    });

    it('keeps wall-clock time across a change (09:00 stays 09:00 local)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '0 9 * * *', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-03-07T00:00:00Z'), count: 2 });

      // Assess
      expect(result).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T13:00:00.000Z']);
    });
  });

  describe('why the evaluator is our own rather than croner', () => {
    it('differs from croner exactly where EventBridge Scheduler skips a gap and fires a repeated hour once', () => {
      // Prepare
      const gap = '30 2 * * *';
      const hourly = '0 * * * *';
      const timezone = 'America/New_York';

      // Act
      const cronerGap = iso(new Cron(gap, { timezone }).nextRuns(1, at('2026-03-08T05:00:00Z')));
      const oursGap = fires(
        { type: 'cron', expression: gap, timezone },
        { from: at('2026-03-08T05:00:00Z'), count: 1 },
      );
      const cronerHourly = iso(new Cron(hourly, { timezone }).nextRuns(3, at('2026-11-01T04:30:00Z')));
      const oursHourly = fires(
        { type: 'cron', expression: hourly, timezone },
        { from: at('2026-11-01T04:30:00Z'), count: 3 },
      );

      // Assess: croner runs 02:30 at 03:00 and 01:00 twice
      expect(cronerGap).toEqual(['2026-03-08T07:00:00.000Z']);
      expect(oursGap).toEqual(['2026-03-09T06:30:00.000Z']);
      expect(cronerHourly).toEqual([
        '2026-11-01T05:00:00.000Z',
        '2026-11-01T06:00:00.000Z',
        '2026-11-01T07:00:00.000Z',
      ]);
      expect(oursHourly).toEqual(['2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z']);
    });
  });

  describe('date triggers', () => {
    it('resolves an ambiguous New York fall-back time to the earlier instant', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2026-11-01T01:30:00', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z') });

      // Assess: 01:30 EDT, not 01:30 EST (06:30Z)
      expect(result).toEqual(['2026-11-01T05:30:00.000Z']);
    });

    it('resolves an ambiguous London fall-back time to the earlier instant', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2026-10-25T01:30:00', timezone: 'Europe/London' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z') });

      // Assess: 01:30 BST, not 01:30 GMT
      expect(result).toEqual(['2026-10-25T00:30:00.000Z']);
    });

    it('reads a runAt with an offset as that instant, whatever the time zone', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2030-01-01T09:00:00-05:00', timezone: 'Asia/Tokyo' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z') });

      // Assess
      expect(result).toEqual(['2030-01-01T14:00:00.000Z']);
    });

    it('gives nothing when the date is outside the window', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2030-01-01T09:00:00Z' };

      // Act
      const before = fires(trigger, { from: at('2030-01-01T09:01:00Z') });
      const after = fires(trigger, { from: at('2026-01-01T00:00:00Z'), endAt: at('2030-01-01T08:59:00Z') });

      // Assess
      expect([before, after]).toEqual([[], []]);
    });

    it('includes a date exactly at the start and end of the window', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2030-01-01T09:00:00Z' };
      const instant = at('2030-01-01T09:00:00Z');

      // Act
      const result = fires(trigger, { from: instant, startAt: instant, endAt: instant });

      // Assess
      expect(result).toEqual(['2030-01-01T09:00:00.000Z']);
    });
  });

  describe('interval triggers', () => {
    it('fires at the anchor and every period after it', () => {
      // Prepare
      const trigger: Trigger = { type: 'interval', minutes: 90 };
      const anchor = at('2026-01-01T00:00:00Z');

      // Act
      const result = fires(trigger, { from: anchor, anchor, count: 3 });

      // Assess
      expect(result).toEqual(['2026-01-01T00:00:00.000Z', '2026-01-01T01:30:00.000Z', '2026-01-01T03:00:00.000Z']);
    });

    it('stays on the anchor grid when listing from a later time', () => {
      // Prepare
      const trigger: Trigger = { type: 'interval', hours: 1 };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T05:10:00Z'), anchor: at('2026-01-01T00:20:00Z'), count: 2 });

      // Assess
      expect(result).toEqual(['2026-01-01T05:20:00.000Z', '2026-01-01T06:20:00.000Z']);
    });

    it('anchors on startAt when no anchor is given, and stops at endAt inclusive', () => {
      // Prepare
      const trigger: Trigger = { type: 'interval', days: 1 };

      // Act
      const result = fires(trigger, {
        from: at('2026-01-01T00:00:00Z'),
        startAt: at('2026-01-02T09:00:00Z'),
        endAt: at('2026-01-04T09:00:00Z'),
      });

      // Assess
      expect(result).toEqual(['2026-01-02T09:00:00.000Z', '2026-01-03T09:00:00.000Z', '2026-01-04T09:00:00.000Z']);
    });

    it('anchors on from when there is neither anchor nor startAt', () => {
      // Prepare
      const trigger: Trigger = { type: 'interval', weeks: 1 };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T12:00:00Z'), count: 2 });

      // Assess
      expect(result).toEqual(['2026-01-01T12:00:00.000Z', '2026-01-08T12:00:00.000Z']);
    });

    it('keeps a days rate at 24 hours across a daylight-saving change', () => {
      // Prepare: EventBridge evaluates rate(1 day) as 24 hours after the last run
      const trigger: Trigger = { type: 'interval', days: 1 };
      const anchor = at('2026-03-07T14:00:00Z');

      // Act
      const result = fires(trigger, { from: anchor, anchor, count: 3 });

      // Assess
      expect(result).toEqual(['2026-03-07T14:00:00.000Z', '2026-03-08T14:00:00.000Z', '2026-03-09T14:00:00.000Z']);
    });
  });

  describe('AWS cron special characters', () => {
    it.each<[string, string, string[]]>([
      [
        'L: last day of the month, leap years too',
        'cron(0 10 L 1-3 ? 2028)',
        ['2028-01-31', '2028-02-29', '2028-03-31'],
      ],
      ['15W: a Saturday 15th moves to Friday 14th', 'cron(0 10 15W 8 ? 2026)', ['2026-08-14']],
      ['15W: a Sunday 15th moves to Monday 16th', 'cron(0 10 15W 2 ? 2026)', ['2026-02-16']],
      ['1W: a Saturday 1st moves forward to Monday 3rd', 'cron(0 10 1W 8 ? 2026)', ['2026-08-03']],
      ['31W: a Sunday 31st moves back to Friday 29th', 'cron(0 10 31W 5 ? 2026)', ['2026-05-29']],
      ['31W: never fires in a 30-day month', 'cron(0 10 31W 4,5 ? 2026)', ['2026-05-29']],
      ['LW: last weekday of the month', 'cron(0 10 LW 5,6 ? 2026)', ['2026-05-29', '2026-06-30']],
      ['5L: last Thursday', 'cron(0 10 ? 1,4 5L 2026)', ['2026-01-29', '2026-04-30']],
      ['2#1: first Monday', 'cron(0 10 ? 6 2#1 2026)', ['2026-06-01']],
      ['6#5: fifth Friday, only in months that have one', 'cron(0 10 ? 1-4 6#5 2026)', ['2026-01-30']],
      ['year list', 'cron(0 10 1 1 ? 2027,2029)', ['2027-01-01', '2029-01-01']],
    ])('%s', (_name, expression, expectedDays) => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z'), count: 10 });

      // Assess
      expect(result).toEqual(expectedDays.map((day) => `${day}T10:00:00.000Z`));
    });
  });

  describe('windows', () => {
    it('includes a fire time equal to from', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '0 9 * * *' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T09:00:00Z'), count: 1 });

      // Assess
      expect(result).toEqual(['2026-01-01T09:00:00.000Z']);
    });

    it('honours startAt and endAt, both inclusive', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '0 9 * * *' };

      // Act
      const result = fires(trigger, {
        from: at('2026-01-01T00:00:00Z'),
        startAt: at('2026-01-03T09:00:00Z'),
        endAt: at('2026-01-05T09:00:00Z'),
        count: 10,
      });

      // Assess
      expect(result).toEqual(['2026-01-03T09:00:00.000Z', '2026-01-04T09:00:00.000Z', '2026-01-05T09:00:00.000Z']);
    });

    it('gives nothing for a zero count or an empty window', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '0 9 * * *' };

      // Act
      const none = fires(trigger, { from: at('2026-01-01T00:00:00Z'), count: 0 });
      const empty = fires(trigger, { from: at('2026-01-05T00:00:00Z'), endAt: at('2026-01-01T00:00:00Z') });

      // Assess
      expect([none, empty]).toEqual([[], []]);
    });

    it('lists as many yearly fire times as asked, not only those of the next few years', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: 'cron(0 9 1 1 ? *)' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z'), count: 10 });

      // Assess
      expect(result).toEqual(Array.from({ length: 10 }, (_, i) => `${2026 + i}-01-01T09:00:00.000Z`));
    });

    it('finds a schedule decades away and stops at the end of 2199', () => {
      // Prepare
      const farAway: Trigger = { type: 'cron', expression: 'cron(0 0 1 1 ? 2150)' };
      const lastYears: Trigger = { type: 'cron', expression: 'cron(59 23 31 12 ? 2197-2199)' };

      // Act
      const far = fires(farAway, { from: at('2026-01-01T00:00:00Z') });
      const last = fires(lastYears, { from: at('2026-01-01T00:00:00Z'), count: 10 });

      // Assess
      expect(far).toEqual(['2150-01-01T00:00:00.000Z']);
      expect(last).toEqual(['2197-12-31T23:59:00.000Z', '2198-12-31T23:59:00.000Z', '2199-12-31T23:59:00.000Z']);
      expect(last.at(-1)! <= LAST_FIRE_TIME.toISOString()).toBe(true);
    });

    it('lists 29 February only in leap years, across centuries (2100 is not one)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: 'cron(0 0 29 2 ? 2092-2104)' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z'), count: 10 });

      // Assess
      expect(result).toEqual(['2092-02-29T00:00:00.000Z', '2096-02-29T00:00:00.000Z', '2104-02-29T00:00:00.000Z']);
    });

    it.each<[string, CronTrigger, number]>([
      ['30 February (0 0 30 2 *)', { type: 'cron', expression: '0 0 30 2 *' }, 0],
      ['31 April, June, September and November', { type: 'cron', day: 31, month: '4,6,9,11' }, 0],
      ['29 February 2100, not a leap year', { type: 'cron', expression: 'cron(0 0 29 2 ? 2100)' }, 1],
    ])('lists nothing for %s, searching no more months than the schedule names', (_name, trigger, months) => {
      // Prepare: the search runs over monthsToSearch, and reads at most a month's days in each of those months
      const spec = cronSpecOf(trigger);
      const searched = [...monthsToSearch(spec, { year: 2026, month: 1 }, { year: 2199, month: 12 })];

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z'), count: 10 });

      // Assess
      expect(result).toEqual([]);
      expect(searched).toHaveLength(months);
      expect(searched.flatMap(({ year, month }) => daysMatching(spec, year, month))).toEqual([]);
    });

    it('searches from the month the window opens in, not from the first year of the schedule', () => {
      // Prepare
      const spec = cronSpecOf({ type: 'cron', expression: 'cron(0 0 29 2 ? *)' });

      // Act
      const searched = [...monthsToSearch(spec, { year: 2026, month: 3 }, { year: 2199, month: 12 })];

      // Assess: one February a year, 2027 to 2199
      expect(searched).toHaveLength(2199 - 2027 + 1);
      expect(searched[0]).toEqual({ year: 2027, month: 2 });
    });

    it('computes five yearly fire times in a zone with daylight saving', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: 'cron(0 9 ? 3 1L *)', timezone: 'Europe/London' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z') });

      // Assess: last Sunday of March, the UK spring-forward day itself, 09:00 BST
      expect(result).toEqual([
        '2026-03-29T08:00:00.000Z',
        '2027-03-28T08:00:00.000Z',
        '2028-03-26T08:00:00.000Z',
        '2029-03-25T08:00:00.000Z',
        '2030-03-31T08:00:00.000Z',
      ]);
    });
  });
});
