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
