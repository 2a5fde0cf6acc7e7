import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/errors';
import { toScheduleExpression } from '../../../lib/domain/schedule-expression';
import type { Trigger } from '../../../lib/schemas/trigger';

const NOW = new Date('2026-01-15T12:00:00Z');

function rejection(trigger: Trigger, now = NOW): ValidationError {
  try {
    toScheduleExpression(trigger, now);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(trigger)} to be rejected`);
}

describe('toScheduleExpression', () => {
  describe('translates the cron triggers users bring', () => {
    it.each<[string, Trigger, string]>([
      ['APScheduler CronTrigger(hour=10, minute=30)', { type: 'cron', hour: 10, minute: 30 }, 'cron(30 10 * * ? *)'],
      [
        "APScheduler CronTrigger(month='4-8,11-12', hour='7-23')",
        { type: 'cron', hour: '7-23', month: '4-8,11-12' },
        'cron(0 7-23 * 4-8,11-12 ? *)',
      ],
      [
        "APScheduler CronTrigger(day_of_week='mon-fri', hour=9)",
        { type: 'cron', day_of_week: 'mon-fri', hour: 9 },
        'cron(0 9 ? * MON-FRI *)',
      ],
      ['APScheduler day_of_week=6 (Sunday)', { type: 'cron', day_of_week: 6, hour: 8 }, 'cron(0 8 ? * SUN *)'],
      ["APScheduler minute='*/15'", { type: 'cron', minute: '*/15' }, 'cron(0/15 * * * ? *)'],
      ["APScheduler day='last'", { type: 'cron', day: 'last', hour: 18 }, 'cron(0 18 L * ? *)'],
      ["APScheduler day='2nd fri'", { type: 'cron', day: '2nd fri', hour: 9 }, 'cron(0 9 ? * 6#2 *)'],
      ["APScheduler day='last sun'", { type: 'cron', day: 'last sun', hour: 9 }, 'cron(0 9 ? * 1L *)'],
      ['APScheduler month=6 (day and time default to their minimum)', { type: 'cron', month: 6 }, 'cron(0 0 1 6 ? *)'],
      ['APScheduler year=2030', { type: 'cron', year: 2030 }, 'cron(0 0 1 1 ? 2030)'],
      ['APScheduler second=0 alone (every minute)', { type: 'cron', second: 0 }, 'cron(* * * * ? *)'],
      ["Celery crontab(hour='*', minute='0')", { type: 'cron', expression: '0 * * * *' }, 'cron(0 * * * ? *)'],
      ['Unix 30 10 * * *', { type: 'cron', expression: '30 10 * * *' }, 'cron(30 10 * * ? *)'],
      ['Unix weekdays by name', { type: 'cron', expression: '0 9 * * mon-fri' }, 'cron(0 9 ? * MON-FRI *)'],
      ['Unix weekdays by number', { type: 'cron', expression: '0 9 * * 1-5' }, 'cron(0 9 ? * MON-FRI *)'],
      ['Unix month names and steps', { type: 'cron', expression: '*/20 */6 1 jan,jul *' }, 'cron(0/20 0/6 1 1,7 ? *)'],
      ['Unix day-of-week 0-6 is every day', { type: 'cron', expression: '0 9 * * 0-6' }, 'cron(0 9 * * ? *)'],
      ['AWS form kept', { type: 'cron', expression: 'cron(0 10 ? * 6L 2026-2030)' }, 'cron(0 10 ? * 6L 2026-2030)'],
      ['AWS form canonicalised', { type: 'cron', expression: ' cron(0  9 ? * mon-fri *) ' }, 'cron(0 9 ? * MON-FRI *)'],
      ['AWS every day by day-of-week', { type: 'cron', expression: 'cron(0 9 ? * * *)' }, 'cron(0 9 * * ? *)'],
      ['AWS nearest weekday', { type: 'cron', expression: 'cron(0 9 15W * ? *)' }, 'cron(0 9 15W * ? *)'],
      ['AWS last weekday', { type: 'cron', expression: 'cron(0 9 LW * ? *)' }, 'cron(0 9 LW * ? *)'],
      ['AWS nth weekday by name', { type: 'cron', expression: 'cron(0 9 ? * TUE#2 *)' }, 'cron(0 9 ? * 3#2 *)'],
      [
        'AWS L alone in day-of-week (Saturday)',
        { type: 'cron', expression: 'cron(0 9 ? * L *)' },
        'cron(0 9 ? * SAT *)',
      ],
      ['AWS year step', { type: 'cron', expression: 'cron(0 9 1 1 ? 2030/10)' }, 'cron(0 9 1 1 ? 2030/10)'],
    ])('%s -> %s', (_name, trigger, expected) => {
      // Prepare: the trigger (table row)

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: expected, timezone: 'UTC' });
    });

    it('keeps the cron time zone, canonically spelled', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '30 10 * * *', timezone: 'asia/shanghai' };

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: 'cron(30 10 * * ? *)', timezone: 'Asia/Shanghai' });
    });

    it('reads Unix day-of-week 0 and 7 both as Sunday', () => {
      // Prepare
      const zero: Trigger = { type: 'cron', expression: '0 9 * * 0' };
      const seven: Trigger = { type: 'cron', expression: '0 9 * * 7' };

      // Act
      const [a, b] = [toScheduleExpression(zero, NOW), toScheduleExpression(seven, NOW)];

      // Assess
      expect(a.expression).toBe('cron(0 9 ? * SUN *)');
      expect(b.expression).toBe(a.expression);
    });
  });

  describe('translates intervals to rates in the largest exact unit', () => {
    it.each<[Trigger, string]>([
      [{ type: 'interval', minutes: 90 }, 'rate(90 minutes)'],
      [{ type: 'interval', weeks: 1 }, 'rate(7 days)'],
      [{ type: 'interval', seconds: 120 }, 'rate(2 minutes)'],
      [{ type: 'interval', hours: 1 }, 'rate(1 hour)'],
      [{ type: 'interval', minutes: 1 }, 'rate(1 minute)'],
      [{ type: 'interval', days: 1 }, 'rate(1 day)'],
      [{ type: 'interval', hours: 2, minutes: 60 }, 'rate(3 hours)'],
      [{ type: 'interval', hours: 24, minutes: 0, seconds: 0 }, 'rate(1 day)'],
      [{ type: 'interval', days: 1, minutes: 1 }, 'rate(1441 minutes)'],
    ])('%j -> %s', (trigger, expected) => {
      // Prepare: the trigger (table row)

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: expected, timezone: 'UTC' });
    });
  });

  describe('translates dates to at()', () => {
    it('writes a local runAt in its time zone', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2030-01-01T09:00:00', timezone: 'Europe/Paris' };

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: 'at(2030-01-01T09:00:00)', timezone: 'Europe/Paris' });
    });

    it('accepts a runAt without seconds and defaults to UTC', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2030-01-01T09:00' };

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: 'at(2030-01-01T09:00:00)', timezone: 'UTC' });
    });

    it('writes a runAt with an offset as its UTC wall time in UTC', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2030-01-01T09:00:00.000+05:30', timezone: 'Europe/Paris' };

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: 'at(2030-01-01T03:30:00)', timezone: 'UTC' });
    });

    it('writes a runAt in Z unchanged in UTC', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2030-06-30T23:59:00Z' };

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: 'at(2030-06-30T23:59:00)', timezone: 'UTC' });
    });

    it('resolves an ambiguous fall-back runAt to the earlier instant', () => {
      // Prepare: 01:30 happens twice in New York on 2026-11-01 (EDT, then EST)
      const trigger: Trigger = { type: 'date', runAt: '2026-11-01T01:30:00', timezone: 'America/New_York' };

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: 'at(2026-11-01T01:30:00)', timezone: 'America/New_York' });
    });
  });

  describe('rejects what EventBridge Scheduler cannot represent, naming the field and the reason', () => {
    it.each<[string, Trigger, string, RegExp]>([
      ['sub-minute interval', { type: 'interval', seconds: 5 }, 'trigger.seconds', /under a minute.*once a minute/],
      ['non-whole-minute interval', { type: 'interval', seconds: 90 }, 'trigger.seconds', /whole number of minutes/],
      ['empty interval', { type: 'interval' }, 'trigger', /at least one/],
      ['all-zero interval', { type: 'interval', hours: 0, minutes: 0 }, 'trigger', /at least one/],
      ['negative interval part', { type: 'interval', minutes: -5 }, 'trigger.minutes', /non-negative whole/],
      ['fractional interval part', { type: 'interval', hours: 1.5 }, 'trigger.hours', /non-negative whole/],
      ['huge interval', { type: 'interval', weeks: Number.MAX_SAFE_INTEGER }, 'trigger', /too long/],
      ['cron second other than 0', { type: 'cron', second: 30, minute: 0 }, 'trigger.second', /once a minute/],
      ['cron second *', { type: 'cron', second: '*' }, 'trigger.second', /only second 0/],
      [
        'APScheduler day and day_of_week both',
        { type: 'cron', day: 1, day_of_week: 'mon' },
        'trigger.day_of_week',
        /both restricted/,
      ],
      [
        "APScheduler '2nd fri' with a day_of_week",
        { type: 'cron', day: '2nd fri', day_of_week: 'mon' },
        'trigger.day_of_week',
        /both restricted/,
      ],
      ['APScheduler bad ordinal', { type: 'cron', day: '9th fri' }, 'trigger.day', /1st, 2nd/],
      ['APScheduler bad weekday name', { type: 'cron', day_of_week: 'funday' }, 'trigger.day_of_week', /not a/],
      ['APScheduler hour 24', { type: 'cron', hour: 24 }, 'trigger.hour', /out of range 0-23/],
      ['APScheduler negative minute', { type: 'cron', minute: -1 }, 'trigger.minute', /not a value/],
      ['APScheduler year beyond AWS', { type: 'cron', year: 2200 }, 'trigger.year', /out of range 1970-2199/],
      ['APScheduler backwards range', { type: 'cron', month: '8-4' }, 'trigger.month', /backwards/],
      ['APScheduler zero step', { type: 'cron', minute: '*/0' }, 'trigger.minute', /at least 1/],
      [
        'expression and fields together',
        { type: 'cron', expression: '0 9 * * *', hour: 9 },
        'trigger.expression',
        /not both/,
      ],
      ['neither expression nor fields', { type: 'cron' }, 'trigger.expression', /give an expression/],
      [
        'Unix dom and dow both restricted',
        { type: 'cron', expression: '0 9 1 * 1' },
        'trigger.expression',
        /both restricted/,
      ],
      ['an expression of 4 fields', { type: 'cron', expression: '0 9 * *' }, 'trigger.expression', /5 fields.*6 or 7/],
      [
        'a 6-field expression read as Quartz, with both day fields restricted',
        { type: 'cron', expression: '0 0 9 * * *' },
        'trigger.expression',
        /read as Quartz.*needs '\?'/,
      ],
      ['Unix minute 60', { type: 'cron', expression: '60 * * * *' }, 'trigger.expression', /minute field.*60/],
      ['Unix garbage', { type: 'cron', expression: '0 9 * * mon;tue' }, 'trigger.expression', /day-of-week/],
      ['rate in a cron trigger', { type: 'cron', expression: 'rate(5 minutes)' }, 'trigger.expression', /interval/],
      ['AWS with 5 fields', { type: 'cron', expression: 'cron(0 9 * * ?)' }, 'trigger.expression', /6 fields/],
      ['AWS without ?', { type: 'cron', expression: 'cron(0 9 * * MON *)' }, 'trigger.expression', /'\?'/],
      ['AWS with two ?', { type: 'cron', expression: 'cron(0 9 ? * ? *)' }, 'trigger.expression', /both be '\?'/],
      ['AWS bad #', { type: 'cron', expression: 'cron(0 9 ? * 2#6 *)' }, 'trigger.expression', /1-5/],
      ['AWS bad W day', { type: 'cron', expression: 'cron(0 9 32W * ? *)' }, 'trigger.expression', /out of range/],
      ['AWS bad L weekday', { type: 'cron', expression: 'cron(0 9 ? * 8L *)' }, 'trigger.expression', /out of/],
      ['AWS not closed', { type: 'cron', expression: 'cron(0 9 * * ? *' }, 'trigger.expression', /cron\(fields\)/],
      ['cron unknown time zone', { type: 'cron', hour: 1, timezone: 'Mars/Olympus' }, 'trigger.timezone', /unknown/],
      ['cron offset time zone', { type: 'cron', hour: 1, timezone: '+05:30' }, 'trigger.timezone', /IANA/],
      ['date in the past', { type: 'date', runAt: '2026-01-15T11:59:00Z' }, 'trigger.runAt', /not in the future/],
      ['date exactly now', { type: 'date', runAt: '2026-01-15T12:00:00Z' }, 'trigger.runAt', /not in the future/],
      ['date with seconds', { type: 'date', runAt: '2030-01-01T09:00:30' }, 'trigger.runAt', /seconds must be 0/],
      [
        'date with fractional seconds',
        { type: 'date', runAt: '2030-01-01T09:00:00.5Z' },
        'trigger.runAt',
        /fraction of a second/,
      ],
      ['date not ISO', { type: 'date', runAt: 'next tuesday' }, 'trigger.runAt', /ISO-8601/],
      ['date Feb 30', { type: 'date', runAt: '2030-02-30T09:00:00' }, 'trigger.runAt', /calendar date/],
      ['date month 13', { type: 'date', runAt: '2030-13-01T09:00:00' }, 'trigger.runAt', /calendar date/],
      ['date hour 24', { type: 'date', runAt: '2030-01-01T24:00:00' }, 'trigger.runAt', /time of day/],
      ['date offset +15:00', { type: 'date', runAt: '2030-01-01T09:00:00+15:00' }, 'trigger.runAt', /offset/],
      [
        'date unknown time zone',
        { type: 'date', runAt: '2030-01-01T09:00:00', timezone: 'Europe/Atlantis' },
        'trigger.timezone',
        /unknown time zone/,
      ],
      [
        'date in the New York spring-forward gap',
        { type: 'date', runAt: '2026-03-08T02:30:00', timezone: 'America/New_York' },
        'trigger.runAt',
        /does not exist in America\/New_York/,
      ],
      [
        'date in the London spring-forward gap',
        { type: 'date', runAt: '2026-03-29T01:15:00', timezone: 'Europe/London' },
        'trigger.runAt',
        /does not exist in Europe\/London/,
      ],
    ])('rejects %s', (_name, trigger, path, message) => {
      // Prepare: the trigger (table row)

      // Act
      const error = rejection(trigger);

      // Assess
      expect(error.issues).toEqual([{ path, message: expect.stringMatching(message) as unknown }]);
    });

    it('reports every bad APScheduler field at once', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', minute: 61, hour: 'x', month: 0 };

      // Act
      const error = rejection(trigger);

      // Assess
      expect(error.issues.map((issue) => issue.path)).toEqual(['trigger.minute', 'trigger.hour', 'trigger.month']);
    });

    it('reports every bad interval field at once', () => {
      // Prepare
      const trigger: Trigger = { type: 'interval', hours: -1, minutes: 0.5 };

      // Act
      const error = rejection(trigger);

      // Assess
      expect(error.issues.map((issue) => issue.path)).toEqual(['trigger.hours', 'trigger.minutes']);
    });

    it('rejects a date that is past by the given clock, not the real one', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2030-01-01T09:00:00', timezone: 'Europe/Paris' };

      // Act
      const error = rejection(trigger, new Date('2031-01-01T00:00:00Z'));

      // Assess
      expect(error.issues[0]?.path).toBe('trigger.runAt');
    });
  });
});
