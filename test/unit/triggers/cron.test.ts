import { describe, expect, it } from 'vitest';
import {
  formatAwsCron,
  matchesDay,
  normaliseCron,
  parseAwsCronExpression,
  parseAwsCronFields,
  renderCron,
} from '../../../lib/domain/cron';
import { ValidationError } from '../../../lib/domain/errors';
import type { FieldIssue } from '../../../lib/domain/errors';
import { nextFireTimes } from '../../../lib/domain/next-fire-times';
import type { CronTrigger } from '../../../lib/schemas/trigger';

function issuesOf(trigger: CronTrigger): readonly FieldIssue[] {
  try {
    normaliseCron(trigger);
  } catch (error) {
    if (error instanceof ValidationError) return error.issues;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(trigger)} to be rejected`);
}

describe('cron', () => {
  describe('normaliseCron', () => {
    it('gives the same fields for the same schedule written three ways', () => {
      // Prepare
      const fields = { type: 'cron' as const, day_of_week: 'mon-fri', hour: 9, minute: '0,30' };
      const unix = { type: 'cron' as const, expression: '0,30 9 * * 1-5' };
      const aws = { type: 'cron' as const, expression: 'cron(0,30 9 ? * 2-6 *)' };

      // Act
      const results = [normaliseCron(fields), normaliseCron(unix), normaliseCron(aws)];

      // Assess
      const expected = { minutes: '0,30', hours: '9', dayOfMonth: '?', month: '*', dayOfWeek: 'MON-FRI', year: '*' };
      expect(results).toEqual([expected, expected, expected]);
    });

    it('writes runs as ranges, single values as values and full ranges as *', () => {
      // Prepare
      const trigger = { type: 'cron' as const, expression: '0-59 1,2,3,5,7-9 * 12,1 sat,sun,mon,wed' };

      // Act
      const result = normaliseCron(trigger);

      // Assess
      expect(result).toEqual({
        minutes: '*',
        hours: '1-3,5,7-9',
        dayOfMonth: '?',
        month: '1,12',
        dayOfWeek: 'SUN-MON,WED,SAT',
        year: '*',
      });
    });

    it('writes stepped runs that reach the end of the range as start/step', () => {
      // Prepare
      const trigger = { type: 'cron' as const, expression: 'cron(5/20 1-23/2 1/10 */3 ? 2030/5)' };

      // Act
      const result = normaliseCron(trigger);

      // Assess
      expect(result).toEqual({
        minutes: '5/20',
        hours: '1/2',
        dayOfMonth: '1/10',
        month: '1/3',
        dayOfWeek: '?',
        year: '2030/5',
      });
    });

    it('reads day-of-week steps into lists, as EventBridge documents no steps there', () => {
      // Prepare
      const trigger = { type: 'cron' as const, expression: '0 0 * * */2' };

      // Act
      const result = normaliseCron(trigger);

      // Assess: Unix 0,2,4,6
      expect(result.dayOfWeek).toBe('SUN,TUE,THU,SAT');
    });
  });

  describe('Unix day-of-week steps left open', () => {
    it.each([
      ['5/2', 'FRI'],
      ['1/2', 'MON,WED,FRI'],
      ['fri/2', 'FRI'],
      ['7/2', 'SUN,TUE,THU,SAT'],
      ['1/1', 'MON-SAT'],
      ['5-7/2', 'SUN,FRI'],
      ['*/2', 'SUN,TUE,THU,SAT'],
    ])('read %s as croniter does, ending at Saturday: %s', (dayOfWeek, expected) => {
      // Prepare: 7 is Sunday again, so only a range written up to 7 reaches it
      const trigger: CronTrigger = { type: 'cron', expression: `0 0 * * ${dayOfWeek}` };

      // Act
      const result = normaliseCron(trigger);

      // Assess
      expect(result.dayOfWeek).toBe(expected);
    });

    it('fire on Fridays only for 5/2', () => {
      // Prepare
      const trigger: CronTrigger = { type: 'cron', expression: '0 9 * * 5/2' };

      // Act
      const weekdays = nextFireTimes(trigger, { from: new Date('2026-01-01T00:00:00Z'), count: 6 }).map((date) =>
        date.getUTCDay(),
      );

      // Assess
      expect(weekdays).toEqual([5, 5, 5, 5, 5, 5]);
    });
  });

  describe('lists with spaces after their commas', () => {
    it.each<[string, CronTrigger, CronTrigger]>([
      ["hour='17, 18'", { type: 'cron', hour: '17, 18' }, { type: 'cron', hour: '17,18' }],
      ["day='3, 26'", { type: 'cron', day: '3, 26' }, { type: 'cron', day: '3,26' }],
      ["day_of_week='mon, wed'", { type: 'cron', day_of_week: 'mon, wed' }, { type: 'cron', day_of_week: 'mon,wed' }],
      ["minute='0 ,30'", { type: 'cron', minute: '0 ,30' }, { type: 'cron', minute: '0,30' }],
      ["month=' jan ,  jul '", { type: 'cron', month: ' jan ,  jul ' }, { type: 'cron', month: 'jan,jul' }],
      ["year='2030, 2032-2034'", { type: 'cron', year: '2030, 2032-2034' }, { type: 'cron', year: '2030,2032-2034' }],
      ["second='0, 0'", { type: 'cron', second: '0, 0' }, { type: 'cron', second: '0' }],
    ])('reads APScheduler %s as the list without spaces, as APScheduler does', (_name, spaced, compact) => {
      // Prepare: the two triggers (table row)

      // Act
      const result = normaliseCron(spaced);

      // Assess
      expect(result).toEqual(normaliseCron(compact));
    });

    it("reads day='3, 26' as days 3 and 26, not as a weekday position such as '2nd fri'", () => {
      // Prepare: '3, 26' was once matched as '<position> <weekday>' and 26 read as a weekday
      const trigger: CronTrigger = { type: 'cron', day: '3, 26', hour: 9 };

      // Act
      const result = normaliseCron(trigger);

      // Assess
      expect(result).toMatchObject({ dayOfMonth: '3,26', dayOfWeek: '?' });
    });

    it.each<[string, CronTrigger, string]>([
      ['a day list with a bad day', { type: 'cron', day: '3, 32' }, '32 is out of range 1-31'],
      [
        'two days without a comma',
        { type: 'cron', day: '3 26' },
        "'3 26': '3' is not one of 1st, 2nd, 3rd, 4th, 5th, last (list items are separated by commas)",
      ],
      [
        'a weekday position in a list',
        { type: 'cron', day: '1st mon, 15' },
        "'1st mon' cannot share a list with other days: EventBridge Scheduler takes it alone in its day field",
      ],
      [
        'last in a list',
        { type: 'cron', day: 'last, 15' },
        "'last' cannot share a list with other days: EventBridge Scheduler takes it alone in its day field",
      ],
    ])('rejects %s in the day field, naming it', (_name, trigger, message) => {
      // Prepare: the trigger (table row)

      // Act
      const issues = issuesOf(trigger);

      // Assess
      expect(issues).toEqual([{ path: 'trigger.day', message }]);
    });

    it.each([
      ['0 9 3, 26 * *', "'3, 26'", "'3,26'"],
      ['0 9, 10 * * *', "'9, 10'", "'9,10'"],
      ['0 9 1 , 2 , 3 * *', "'1 , 2 , 3'", "'1,2,3'"],
      ['cron(0 9 1 ,15 * ? *)', "'1 ,15'", "'1,15'"],
    ])(
      'refuses %s, saying that whitespace separates the fields of a cron expression',
      (expression, quoted, compact) => {
        // Prepare: the expression (table row)

        // Act
        const issues = issuesOf({ type: 'cron', expression });

        // Assess
        expect(issues).toEqual([
          {
            path: 'trigger.expression',
            message:
              `${quoted}: whitespace separates the fields of a cron expression, so a list cannot have spaces ` +
              `around its commas; write ${compact}`,
          },
        ]);
      },
    );
  });

  describe('range errors', () => {
    it.each<[CronTrigger, string, string]>([
      [{ type: 'cron', second: 60 }, 'trigger.second', '60 is out of range 0-59'],
      [{ type: 'cron', minute: 60 }, 'trigger.minute', '60 is out of range 0-59'],
      [{ type: 'cron', hour: '1, 24' }, 'trigger.hour', '24 is out of range 0-23'],
      [{ type: 'cron', day: '3, 32' }, 'trigger.day', '32 is out of range 1-31'],
      [{ type: 'cron', day: 'last 7' }, 'trigger.day', "'last 7': weekday 7 is out of range 0-6"],
      [{ type: 'cron', day: '2nd 9' }, 'trigger.day', "'2nd 9': weekday 9 is out of range 0-6"],
      [{ type: 'cron', month: '1, 13' }, 'trigger.month', '13 is out of range 1-12'],
      [{ type: 'cron', day_of_week: 'mon, 7' }, 'trigger.day_of_week', '7 is out of range 0-6'],
      [{ type: 'cron', year: '2030, 2200' }, 'trigger.year', '2200 is out of range 1970-2199'],
      [{ type: 'cron', expression: '60 * * * *' }, 'trigger.expression', 'minute field: 60 is out of range 0-59'],
      [{ type: 'cron', expression: '0 24 * * *' }, 'trigger.expression', 'hour field: 24 is out of range 0-23'],
      [{ type: 'cron', expression: '0 0 32 * *' }, 'trigger.expression', 'day-of-month field: 32 is out of range 1-31'],
      [{ type: 'cron', expression: '0 0 * 13 *' }, 'trigger.expression', 'month field: 13 is out of range 1-12'],
      [{ type: 'cron', expression: '0 0 * * 8' }, 'trigger.expression', 'day-of-week field: 8 is out of range 0-7'],
      [
        { type: 'cron', expression: 'cron(60 0 * * ? *)' },
        'trigger.expression',
        'minutes field: 60 is out of range 0-59',
      ],
      [
        { type: 'cron', expression: 'cron(0 24 * * ? *)' },
        'trigger.expression',
        'hours field: 24 is out of range 0-23',
      ],
      [
        { type: 'cron', expression: 'cron(0 0 32W * ? *)' },
        'trigger.expression',
        'day-of-month field: 32 is out of range 1-31',
      ],
      [
        { type: 'cron', expression: 'cron(0 0 * 13 ? *)' },
        'trigger.expression',
        'month field: 13 is out of range 1-12',
      ],
      [
        { type: 'cron', expression: 'cron(0 0 ? * 8#1 *)' },
        'trigger.expression',
        'day-of-week field: 8 is out of range 1-7',
      ],
      [
        { type: 'cron', expression: 'cron(0 0 * * ? 2200)' },
        'trigger.expression',
        'year field: 2200 is out of range 1970-2199',
      ],
    ])('names the field and its range for %j', (trigger, path, message) => {
      // Prepare: the trigger (table row)

      // Act
      const issues = issuesOf(trigger);

      // Assess
      expect(issues).toEqual([{ path, message }]);
    });
  });

  describe('formatAwsCron', () => {
    it('writes the six fields in AWS order', () => {
      // Prepare
      const fields = { minutes: '1', hours: '2', dayOfMonth: '3', month: '4', dayOfWeek: '?', year: '2030' };

      // Act
      const result = formatAwsCron(fields);

      // Assess
      expect(result).toBe('cron(1 2 3 4 ? 2030)');
    });

    it('round-trips through parsing', () => {
      // Prepare
      const expression = 'cron(0/15 9-17 ? JAN-MAR 6L 2026-2030)';

      // Act
      const result = formatAwsCron(renderCron(parseAwsCronExpression(expression, 'trigger.expression')));

      // Assess
      expect(result).toBe('cron(0/15 9-17 ? 1-3 6L 2026-2030)');
    });
  });

  describe('parseAwsCronFields', () => {
    it('reports the path it is given', () => {
      // Prepare
      const fields = ['0', '25', '*', '*', '?', '*'];

      // Act
      const act = () => parseAwsCronFields(fields, 'schedule.expression');

      // Assess
      expect(act).toThrow(ValidationError);
      expect(act).toThrow(/^schedule\.expression: hours field: 25 is out of range 0-23$/);
    });

    it.each([
      ['L in a list', ['0', '9', 'L,1', '*', '?', '*'], /day-of-month field/],
      ['# without a number', ['0', '9', '?', '*', '2#', '*'], /day-of-week field/],
      ['unknown month name', ['0', '9', '1', 'foo', '?', '*'], /'foo' is not a number or name/],
      ['year before 1970', ['0', '9', '1', '1', '?', '1969'], /out of range 1970-2199/],
    ])('rejects %s', (_name, fields, message) => {
      // Prepare: the fields (table row)

      // Act
      const act = () => parseAwsCronFields(fields, 'trigger.expression');

      // Assess
      expect(act).toThrow(message);
    });
  });

  describe('matchesDay', () => {
    it('matches the last Friday only in the last seven days of the month', () => {
      // Prepare
      const spec = parseAwsCronExpression('cron(0 0 ? * 6L *)', 'trigger.expression');

      // Act
      const fridays = [2, 9, 16, 23, 30].map((day) => matchesDay(spec, 2026, 1, day));

      // Assess
      expect(fridays).toEqual([false, false, false, false, true]);
    });

    it('matches 30W on a Saturday 30th on Friday 29th', () => {
      // Prepare: 2026-05-30 is a Saturday
      const spec = parseAwsCronExpression('cron(0 0 30W * ? *)', 'trigger.expression');

      // Act
      const days = [29, 30, 31].map((day) => matchesDay(spec, 2026, 5, day));

      // Assess
      expect(days).toEqual([true, false, false]);
    });
  });
});
