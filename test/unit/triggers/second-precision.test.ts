import { describe, expect, it } from 'vitest';
import { cronSpecOf, normaliseCron, parseQuartzFields } from '../../../lib/domain/cron';
import { ValidationError } from '../../../lib/domain/errors';
import type { FieldIssue } from '../../../lib/domain/errors';
import { intervalSecondsOf, ratePeriodOf } from '../../../lib/domain/interval';
import { nextFireTimes } from '../../../lib/domain/next-fire-times';
import type { FireWindow } from '../../../lib/domain/next-fire-times';
import { assertMinutePrecision, needsSecondPrecision, secondPrecisionIssue } from '../../../lib/domain/precision';
import { resolveRunAt } from '../../../lib/domain/run-at';
import { planSchedule, toScheduleExpression } from '../../../lib/domain/schedule-expression';
import type { Trigger } from '../../../lib/schemas/trigger';

const NOW = new Date('2026-01-15T12:00:00Z');
const at = (text: string): Date => new Date(text);

function fires(trigger: Trigger, window: Partial<FireWindow> & { from: Date }): string[] {
  return nextFireTimes(trigger, { count: 5, ...window }).map((date) => date.toISOString());
}

function issuesOf(act: () => unknown): readonly FieldIssue[] {
  try {
    act();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('triggers with seconds', () => {
  describe('Quartz cron expressions (6 or 7 fields, seconds first, not written cron(...))', () => {
    it.each<[string, string]>([
      ['0 */5 * * * ?', 'cron(0/5 * * * ? *)'],
      ['0 15 10 ? * MON-FRI', 'cron(15 10 ? * MON-FRI *)'],
      ['0 0 12 ? * 2#1 2027', 'cron(0 12 ? * 2#1 2027)'],
      ['0 0 12 ? * 1', 'cron(0 12 ? * SUN *)'],
      ['0 0 12 ? * 7', 'cron(0 12 ? * SAT *)'],
      ['0 0 12 ? * sun,sat', 'cron(0 12 ? * SUN,SAT *)'],
      ['0 0 18 L * ?', 'cron(0 18 L * ? *)'],
      ['0 0 9 LW * ?', 'cron(0 9 LW * ? *)'],
      ['0 0 9 15W * ?', 'cron(0 9 15W * ? *)'],
      ['0 0 9 ? * 6L', 'cron(0 9 ? * 6L *)'],
      ['0 0 9 ? * L', 'cron(0 9 ? * SAT *)'],
      ['0 0 9 ? * *', 'cron(0 9 * * ? *)'],
      ['00 30 10 * JAN-MAR ? 2027-2030', 'cron(30 10 * 1-3 ? 2027-2030)'],
      ['0,0 0 0 1 1 ? *', 'cron(0 0 1 1 ? *)'],
      ['  0   0  12  ?  *  MON  ', 'cron(0 12 ? * MON *)'],
    ])('%s with second 0 is the job expression %s', (expression, expected) => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression };

      // Act
      const result = toScheduleExpression(trigger, NOW);

      // Assess
      expect(result).toEqual({ expression: expected, timezone: 'UTC' });
    });

    it('reads the seconds field with every spec the other fields take', () => {
      // Prepare
      const expressions = ['*/10 * * * * ?', '0-30/5 * * * * ?', '5,10,59 * * * * ?', '7 * * * * ?', '* * * * * ?'];

      // Act
      const seconds = expressions.map((expression) => cronSpecOf({ type: 'cron', expression }).seconds);

      // Assess
      expect(seconds).toEqual([
        [0, 10, 20, 30, 40, 50],
        [0, 5, 10, 15, 20, 25, 30],
        [5, 10, 59],
        [7],
        Array.from({ length: 60 }, (_, i) => i),
      ]);
    });

    it.each<[string, RegExp]>([
      ['0 0 9 * * *', /read as Quartz cron .*: Quartz needs '\?' in day-of-month or day-of-week/],
      ['0 0 9 ? * ?', /read as Quartz cron .*cannot both be '\?'/],
      ['60 * * * * ?', /read as Quartz cron .*second field: 60 is out of range 0-59/],
      ['*/0 * * * * ?', /second field: step in '\*\/0' must be at least 1/],
      ['0 60 * * * ?', /minutes field: 60 is out of range 0-59/],
      ['0 0 24 * * ?', /hours field: 24 is out of range 0-23/],
      ['0 0 9 32 * ?', /day-of-month field: 32 is out of range 1-31/],
      ['0 0 9 ? 13 MON', /month field: 13 is out of range 1-12/],
      ['0 0 9 ? * 8', /day-of-week field: 8 is out of range 1-7/],
      ['0 0 9 ? * 2#6', /'2#6': the occurrence after '#' must be 1-5/],
      ['0 0 9 ? * FRI-MON', /range 'FRI-MON' runs backwards/],
      ['0 0 9 ? * MON 2200', /year field: 2200 is out of range 1970-2199/],
      ['0 0 9 ? * MON 2027 x', /5 fields .*6 or 7 .*got 8/],
      ['0 0 9, 10 ? * MON', /cannot have spaces around its commas; write '9,10'/],
    ])('refuses %s at trigger.expression, saying why', (expression, message) => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression };

      // Act
      const issues = issuesOf(() => planSchedule(trigger, NOW));

      // Assess
      expect(issues).toEqual([{ path: 'trigger.expression', message: expect.stringMatching(message) as unknown }]);
    });

    it('refuses a field list that is not 6 or 7 fields when parsed directly', () => {
      // Act
      const issues = issuesOf(() => parseQuartzFields(['0', '0', '9', '?', '*'], 'trigger.expression'));

      // Assess
      expect(issues).toEqual([
        { path: 'trigger.expression', message: expect.stringMatching(/6 or 7 fields/) as unknown },
      ]);
    });
  });

  describe('which triggers need second precision', () => {
    it.each<[string, Trigger, boolean]>([
      ['APScheduler second 0', { type: 'cron', second: 0, minute: 5 }, false],
      ['APScheduler default second', { type: 'cron', minute: 5 }, false],
      ["APScheduler second '0, 0'", { type: 'cron', second: '0, 0' }, false],
      ['APScheduler second 5', { type: 'cron', second: 5, minute: 0 }, true],
      ["APScheduler second '*/10'", { type: 'cron', second: '*/10' }, true],
      ["APScheduler second '0,30'", { type: 'cron', second: '0,30', hour: 9 }, true],
      ['Quartz seconds 0', { type: 'cron', expression: '0 15 10 ? * MON-FRI' }, false],
      ['Quartz seconds 30', { type: 'cron', expression: '30 15 10 ? * MON-FRI' }, true],
      ['Quartz seconds */10', { type: 'cron', expression: '*/10 * * * * ?' }, true],
      ['Unix cron', { type: 'cron', expression: '30 10 * * *' }, false],
      ['AWS cron', { type: 'cron', expression: 'cron(0 12 ? * MON-FRI *)' }, false],
      ['interval of 30 s', { type: 'interval', seconds: 30 }, true],
      ['interval of 90 s', { type: 'interval', seconds: 90 }, true],
      ['interval of 1 min 30 s', { type: 'interval', minutes: 1, seconds: 30 }, true],
      ['interval of 120 s', { type: 'interval', seconds: 120 }, false],
      ['interval of 1 h', { type: 'interval', hours: 1 }, false],
      ['runAt at 09:00:30', { type: 'date', runAt: '2030-01-01T09:00:30' }, true],
      ['runAt at 09:00:30+05:30', { type: 'date', runAt: '2030-01-01T09:00:30+05:30' }, true],
      ['runAt at 09:00:00', { type: 'date', runAt: '2030-01-01T09:00:00' }, false],
      ['runAt at 09:00', { type: 'date', runAt: '2030-01-01T09:00' }, false],
      ['runAt at 09:00:00.000Z', { type: 'date', runAt: '2030-01-01T09:00:00.000Z' }, false],
    ])('%s: %s', (_name, trigger, expected) => {
      // Act
      const result = needsSecondPrecision(trigger);

      // Assess
      expect(result).toBe(expected);
    });

    it('lets a minute trigger through the minute-precision check', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '0 0 12 ? * MON' };

      // Act
      const check = () => assertMinutePrecision(trigger);

      // Assess
      expect(check).not.toThrow();
    });

    it('throws for a trigger that is invalid at any precision, rather than answering', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', second: '*/10', minute: 61 };

      // Act
      const issues = issuesOf(() => needsSecondPrecision(trigger));

      // Assess
      expect(issues).toEqual([{ path: 'trigger.minute', message: '61 is out of range 0-59' }]);
    });

    it('plans a second trigger with its time zone and the reason, and a minute trigger with its expression', () => {
      // Prepare
      const second: Trigger = { type: 'cron', expression: '*/10 * * * * ?', timezone: 'europe/london' };
      const minute: Trigger = { type: 'cron', expression: '0 * * * * ?', timezone: 'europe/london' };

      // Act
      const plans = [planSchedule(second, NOW), planSchedule(minute, NOW)];

      // Assess
      expect(plans).toEqual([
        {
          precision: 'second',
          timezone: 'Europe/London',
          issue: { path: 'trigger.expression', message: expect.stringMatching(/once a minute/) as unknown },
        },
        { precision: 'minute', expression: 'cron(* * * * ? *)', timezone: 'Europe/London' },
      ]);
    });
  });

  describe('job writes refuse what needs second precision, naming the field and the reason', () => {
    it.each<[string, Trigger, FieldIssue]>([
      [
        'an APScheduler second other than 0',
        { type: 'cron', second: 15, minute: 0 },
        {
          path: 'trigger.second',
          message: 'EventBridge Scheduler fires at most once a minute, so only second 0 is supported',
        },
      ],
      [
        'an APScheduler second that is not constant',
        { type: 'cron', second: '*/15' },
        {
          path: 'trigger.second',
          message: 'EventBridge Scheduler fires at most once a minute, so only second 0 is supported',
        },
      ],
      [
        'a Quartz second field other than 0',
        { type: 'cron', expression: '*/10 * * * * ?' },
        {
          path: 'trigger.expression',
          message:
            "the Quartz second field is '*/10': EventBridge Scheduler fires at most once a minute, so only second 0 " +
            'is supported (write 0 there)',
        },
      ],
      [
        'an interval under a minute',
        { type: 'interval', seconds: 30 },
        {
          path: 'trigger.seconds',
          message: 'an interval of 30 seconds is under a minute: EventBridge Scheduler fires at most once a minute',
        },
      ],
      [
        'an interval that is not whole minutes',
        { type: 'interval', minutes: 1, seconds: 30 },
        {
          path: 'trigger.seconds',
          message:
            'an interval of 90 seconds is not a whole number of minutes: EventBridge Scheduler fires on whole ' +
            'minutes and sked does not round',
        },
      ],
      [
        'a runAt with seconds',
        { type: 'date', runAt: '2030-01-01T09:00:30', timezone: 'Europe/Paris' },
        {
          path: 'trigger.runAt',
          message: 'seconds must be 0: EventBridge Scheduler runs one-time schedules at minute precision',
        },
      ],
    ])('refuses %s', (_name, trigger, issue) => {
      // Act
      const [fromExpression, fromAssert] = [
        issuesOf(() => toScheduleExpression(trigger, NOW)),
        issuesOf(() => assertMinutePrecision(trigger)),
      ];

      // Assess
      expect(fromExpression).toEqual([issue]);
      expect(fromAssert).toEqual([issue]);
      expect(secondPrecisionIssue(trigger)).toEqual(issue);
    });

    it('refuses a cron that fires at a second other than 0 also when asked for its AWS fields directly', () => {
      // Act
      const issues = issuesOf(() => normaliseCron({ type: 'cron', expression: '15 * * * * ?' }));

      // Assess
      expect(issues.map((issue) => issue.path)).toEqual(['trigger.expression']);
    });

    it('refuses a rate period that is not whole minutes also when asked for it directly', () => {
      // Act
      const issues = issuesOf(() => ratePeriodOf({ type: 'interval', seconds: 45 }));

      // Assess
      expect(issues.map((issue) => issue.path)).toEqual(['trigger.seconds']);
    });

    it('refuses a date in the past before looking at its seconds', () => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt: '2020-01-01T09:00:30Z' };

      // Act
      const issues = issuesOf(() => planSchedule(trigger, NOW));

      // Assess
      expect(issues).toEqual([
        { path: 'trigger.runAt', message: expect.stringMatching(/not in the future/) as unknown },
      ]);
    });
  });

  describe('interval seconds', () => {
    it.each<[Trigger, number]>([
      [{ type: 'interval', seconds: 1 }, 1],
      [{ type: 'interval', seconds: 45 }, 45],
      [{ type: 'interval', minutes: 1, seconds: 30 }, 90],
      [{ type: 'interval', hours: 1, seconds: 1 }, 3601],
      [{ type: 'interval', weeks: 1, days: 1, hours: 1, minutes: 1, seconds: 1 }, 694_861],
    ])('%j is a period of %i s', (trigger, seconds) => {
      // Act
      const result = trigger.type === 'interval' ? intervalSecondsOf(trigger) : undefined;

      // Assess
      expect(result).toBe(seconds);
    });

    it('fires at the anchor and every period after it, as a rate does', () => {
      // Prepare
      const trigger: Trigger = { type: 'interval', seconds: 45 };
      const anchor = at('2026-01-01T00:00:10Z');

      // Act
      const result = fires(trigger, { from: anchor, anchor, count: 4 });

      // Assess
      expect(result).toEqual([
        '2026-01-01T00:00:10.000Z',
        '2026-01-01T00:00:55.000Z',
        '2026-01-01T00:01:40.000Z',
        '2026-01-01T00:02:25.000Z',
      ]);
    });

    it('stays on the anchor grid when listing from a later time, and anchors on startAt otherwise', () => {
      // Prepare
      const trigger: Trigger = { type: 'interval', minutes: 1, seconds: 30 };

      // Act
      const anchored = fires(trigger, { from: at('2026-01-01T01:00:00Z'), anchor: at('2026-01-01T00:00:07Z') });
      const started = fires(trigger, {
        from: at('2026-01-01T00:00:00Z'),
        startAt: at('2026-01-01T00:00:03Z'),
        endAt: at('2026-01-01T00:03:03Z'),
      });

      // Assess: 00:00:07 + 40 x 90 s is 01:00:07
      expect(anchored).toEqual([
        '2026-01-01T01:00:07.000Z',
        '2026-01-01T01:01:37.000Z',
        '2026-01-01T01:03:07.000Z',
        '2026-01-01T01:04:37.000Z',
        '2026-01-01T01:06:07.000Z',
      ]);
      expect(started).toEqual(['2026-01-01T00:00:03.000Z', '2026-01-01T00:01:33.000Z', '2026-01-01T00:03:03.000Z']);
    });
  });

  describe('runAt with seconds', () => {
    it.each<[string, string | undefined, string]>([
      ['2030-01-01T09:00:30', 'Europe/Paris', '2030-01-01T08:00:30.000Z'],
      ['2030-01-01T09:00:30+05:30', undefined, '2030-01-01T03:30:30.000Z'],
      ['2030-01-01T09:00:59Z', undefined, '2030-01-01T09:00:59.000Z'],
      ['2030-01-01T09:00:30.000Z', undefined, '2030-01-01T09:00:30.000Z'],
      ['2026-11-01T01:30:15', 'America/New_York', '2026-11-01T05:30:15.000Z'],
    ])('fires %s (%s) at %s', (runAt, timezone, expected) => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt, ...(timezone !== undefined && { timezone }) };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z') });

      // Assess
      expect(result).toEqual([expected]);
    });

    it('writes the resolved wall time to the second', () => {
      // Act
      const resolved = resolveRunAt({ type: 'date', runAt: '2030-01-01T09:00:30+05:30' });

      // Assess
      expect(resolved).toEqual({
        instant: at('2030-01-01T03:30:30Z'),
        wallTime: '2030-01-01T03:30:30',
        timezone: 'UTC',
      });
    });

    it.each<[string, string | undefined, RegExp]>([
      ['2030-01-01T09:00:60', undefined, /not a time of day/],
      ['2030-01-01T09:00:30.5Z', undefined, /fraction of a second: fire times are whole seconds/],
      ['2026-03-08T02:30:15', 'America/New_York', /does not exist in America\/New_York/],
    ])('refuses %s at trigger.runAt', (runAt, timezone, message) => {
      // Prepare
      const trigger: Trigger = { type: 'date', runAt, ...(timezone !== undefined && { timezone }) };

      // Act
      const issues = issuesOf(() => nextFireTimes(trigger, { from: at('2026-01-01T00:00:00Z'), count: 1 }));

      // Assess
      expect(issues).toEqual([{ path: 'trigger.runAt', message: expect.stringMatching(message) as unknown }]);
    });
  });

  describe('cron fire times to the second', () => {
    it("fires an APScheduler second='*/15' four times in each matching minute", () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', hour: 9, minute: 0, second: '*/15' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z') });

      // Assess
      expect(result).toEqual([
        '2026-01-01T09:00:00.000Z',
        '2026-01-01T09:00:15.000Z',
        '2026-01-01T09:00:30.000Z',
        '2026-01-01T09:00:45.000Z',
        '2026-01-02T09:00:00.000Z',
      ]);
    });

    it('reads an APScheduler second list with spaces around its commas', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', second: '5 , 50', minute: 0, hour: 0 };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z'), count: 3 });

      // Assess
      expect(result).toEqual(['2026-01-01T00:00:05.000Z', '2026-01-01T00:00:50.000Z', '2026-01-02T00:00:05.000Z']);
    });

    it('fires a Quartz every-20-seconds schedule from a mid-second instant on', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '*/20 * * * * ?' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:20.001Z'), count: 3 });

      // Assess
      expect(result).toEqual(['2026-01-01T00:00:40.000Z', '2026-01-01T00:01:00.000Z', '2026-01-01T00:01:20.000Z']);
    });

    it('fires a Quartz first-Monday schedule with a year at its second', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '30 0 12 ? * 2#1 2027' };

      // Act
      const result = fires(trigger, { from: at('2026-01-01T00:00:00Z'), count: 3 });

      // Assess
      expect(result).toEqual(['2027-01-04T12:00:30.000Z', '2027-02-01T12:00:30.000Z', '2027-03-01T12:00:30.000Z']);
    });

    it('fires every second, as many as asked', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '* * * * * ?', timezone: 'America/New_York' };

      // Act
      const result = nextFireTimes(trigger, { from: at('2026-03-08T06:59:58Z'), count: 100 });

      // Assess: 01:59:58 EST, 01:59:59 EST, then 03:00:00 EDT onwards
      expect(result).toHaveLength(100);
      expect(result.slice(0, 3).map((date) => date.toISOString())).toEqual([
        '2026-03-08T06:59:58.000Z',
        '2026-03-08T06:59:59.000Z',
        '2026-03-08T07:00:00.000Z',
      ]);
      expect(result.every((date, i) => i === 0 || date.getTime() - (result[i - 1]?.getTime() ?? 0) === 1000)).toBe(
        true,
      );
    });
  });

  describe('daylight saving at the second, as EventBridge Scheduler runs it', () => {
    it('skips the seconds of the wall times New York skips when it springs forward (2026-03-08)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '*/30 * 1-3 * * ?', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-03-08T06:59:00Z'), count: 4 });

      // Assess: 01:59:00 and 01:59:30 EST, then 03:00:00 EDT; no 02:xx:xx
      expect(result).toEqual([
        '2026-03-08T06:59:00.000Z',
        '2026-03-08T06:59:30.000Z',
        '2026-03-08T07:00:00.000Z',
        '2026-03-08T07:00:30.000Z',
      ]);
    });

    it('does not fire a second-precise 02:30 on the New York spring-forward day', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', hour: 2, minute: 30, second: '*/20', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-03-07T07:30:30Z'), count: 3 });

      // Assess
      expect(result).toEqual(['2026-03-07T07:30:40.000Z', '2026-03-09T06:30:00.000Z', '2026-03-09T06:30:20.000Z']);
    });

    it('fires the seconds of the repeated hour once, at the first occurrence, when New York falls back (2026-11-01)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '*/30 * 1 * * ?', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-11-01T05:59:00Z'), count: 4 });

      // Assess: 01:59:00 and 01:59:30 EDT; 01:00:00-01:59:30 EST (06:00Z-06:59Z) do not fire
      expect(result).toEqual([
        '2026-11-01T05:59:00.000Z',
        '2026-11-01T05:59:30.000Z',
        '2026-11-02T06:00:00.000Z',
        '2026-11-02T06:00:30.000Z',
      ]);
    });

    it('fires a second-precise 01:30 once on the New York fall-back day', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', hour: 1, minute: 30, second: '*/15', timezone: 'America/New_York' };

      // Act
      const result = fires(trigger, { from: at('2026-11-01T00:00:00Z') });

      // Assess
      expect(result).toEqual([
        '2026-11-01T05:30:00.000Z',
        '2026-11-01T05:30:15.000Z',
        '2026-11-01T05:30:30.000Z',
        '2026-11-01T05:30:45.000Z',
        '2026-11-02T06:30:00.000Z',
      ]);
    });

    it('skips the seconds of the wall times London skips when it springs forward (2026-03-29)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', expression: '*/30 0,59 0-2 * * ?', timezone: 'Europe/London' };

      // Act
      const result = fires(trigger, { from: at('2026-03-29T00:58:00Z'), count: 4 });

      // Assess: 00:59:00 and 00:59:30 GMT, then 02:00:00 BST; no 01:00 or 01:59
      expect(result).toEqual([
        '2026-03-29T00:59:00.000Z',
        '2026-03-29T00:59:30.000Z',
        '2026-03-29T01:00:00.000Z',
        '2026-03-29T01:00:30.000Z',
      ]);
    });

    it('fires the seconds of the repeated hour once, at the first occurrence, when London falls back (2026-10-25)', () => {
      // Prepare
      const trigger: Trigger = { type: 'cron', hour: 1, minute: 59, second: '0, 30', timezone: 'Europe/London' };

      // Act
      const result = fires(trigger, { from: at('2026-10-25T00:00:00Z'), count: 3 });

      // Assess: 01:59:00 and 01:59:30 BST; 01:59 GMT (01:59Z) does not fire
      expect(result).toEqual(['2026-10-25T00:59:00.000Z', '2026-10-25T00:59:30.000Z', '2026-10-26T01:59:00.000Z']);
    });

    it('keeps an interval in seconds a fixed period across a daylight-saving change', () => {
      // Prepare
      const trigger: Trigger = { type: 'interval', minutes: 59, seconds: 30 };
      const anchor = at('2026-03-29T00:00:00Z');

      // Act
      const result = fires(trigger, { from: anchor, anchor, count: 3 });

      // Assess
      expect(result).toEqual(['2026-03-29T00:00:00.000Z', '2026-03-29T00:59:30.000Z', '2026-03-29T01:59:00.000Z']);
    });
  });
});
