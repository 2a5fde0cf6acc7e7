import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cronSpecOf, normaliseCron } from '../../../lib/domain/cron';
import { ValidationError } from '../../../lib/domain/errors';
import { nextFireTimes } from '../../../lib/domain/next-fire-times';
import { toScheduleExpression } from '../../../lib/domain/schedule-expression';
import type { CronTrigger, Trigger } from '../../../lib/schemas/trigger';

const NOW = new Date('2026-01-01T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;
const SAMPLE = 150;
// Property runs walk many fire times; they get more time than a plain unit test.
const SLOW = { timeout: 60_000 };

/** A cron field item over [min, max]: a value, a range, a step or a stepped range. */
function fieldItem(min: number, max: number, name?: (value: number) => string): fc.Arbitrary<string> {
  const value = fc.integer({ min, max });
  const show = (v: number): string => (name === undefined ? String(v) : name(v));
  const ordered = fc.tuple(value, value).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const);
  return fc.oneof(
    value.map(show),
    // croner reads a one-day named range such as `sun-sun` as every day; a single value says the same thing.
    ordered.map(([a, b]) => (a === b ? show(a) : `${show(a)}-${show(b)}`)),
    // croner refuses steps longer than the field, so steps stay within it.
    fc.integer({ min: 1, max: max - min }).map((step) => `*/${step}`),
    fc
      .tuple(ordered, fc.integer({ min: 1, max: Math.min(10, max - min) }))
      .map(([[a, b], step]) => (a === b ? show(a) : `${show(a)}-${show(b)}/${step}`)),
  );
}

function field(min: number, max: number, name?: (value: number) => string): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 1, arbitrary: fc.constant('*') },
    {
      weight: 4,
      arbitrary: fc.array(fieldItem(min, max, name), { minLength: 1, maxLength: 3 }).map((items) => items.join(',')),
    },
  );
}

const UNIX_DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
const MONTH_NAMES = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

/** A valid 5-field Unix expression; at most one of day-of-month and day-of-week is restricted. */
const unixExpression = fc
  .record({
    minute: field(0, 59),
    hour: field(0, 23),
    day: field(1, 31),
    month: fc.oneof(
      field(1, 12),
      field(1, 12, (m) => MONTH_NAMES[m - 1] ?? ''),
    ),
    weekday: fc.oneof(
      field(0, 7),
      field(0, 6, (d) => UNIX_DAYS[d] ?? ''),
    ),
    restrictWeekday: fc.boolean(),
  })
  .map(({ minute, hour, day, month, weekday, restrictWeekday }) =>
    [minute, hour, restrictWeekday ? '*' : day, month, restrictWeekday ? weekday : '*'].join(' '),
  );

const fromDate = fc
  .date({ min: new Date('2025-01-01T00:00:00Z'), max: new Date('2030-12-31T00:00:00Z'), noInvalidDate: true })
  .map((date) => new Date(Math.floor(date.getTime() / 60_000) * 60_000));

/** croner, evaluating the original Unix expression in UTC: an independent reference. */
function cronerTimes(expression: string, from: Date, until: Date, count: number): string[] {
  const cron = new Cron(expression, { timezone: 'UTC' });
  const times: string[] = [];
  let cursor: Date | null = new Date(from.getTime() - 1000);
  while (times.length < count) {
    cursor = cron.nextRun(cursor);
    if (cursor === null || cursor > until) break;
    times.push(cursor.toISOString());
  }
  return times;
}

describe('trigger properties', () => {
  it('translates a Unix expression to an AWS expression with the same fire times over a year', SLOW, () => {
    fc.assert(
      fc.property(unixExpression, fromDate, (expression, from) => {
        // Prepare
        const until = new Date(from.getTime() + YEAR_MS);
        const aws = toScheduleExpression({ type: 'cron', expression }, NOW).expression;

        // Act
        const ours = nextFireTimes({ type: 'cron', expression: aws }, { from, endAt: until, count: SAMPLE });

        // Assess
        expect(ours.map((date) => date.toISOString())).toEqual(cronerTimes(expression, from, until, SAMPLE));
      }),
      { numRuns: 200 },
    );
  });

  it('fires like a minute-by-minute scan of the local clock across daylight-saving changes', SLOW, () => {
    // The reference walks every UTC minute, reads the local wall clock, and fires when croner's pattern (read
    // in UTC, so on the wall fields alone) matches a wall time not seen before: gap times never show on the
    // clock, and a repeated time fires only at its first occurrence.
    const spans = fc.constantFrom(
      ['America/New_York', '2026-03-07T00:00:00Z'],
      ['America/New_York', '2026-10-31T00:00:00Z'],
      ['Europe/London', '2026-03-28T00:00:00Z'],
      ['Europe/London', '2026-10-24T00:00:00Z'],
    );
    fc.assert(
      fc.property(unixExpression, spans, (expression, [timezone = 'UTC', start = '']) => {
        // Prepare
        const from = new Date(start);
        const until = new Date(from.getTime() + 3 * 86_400_000);
        const pattern = new Cron(expression, { timezone: 'UTC' });
        const clock = new Intl.DateTimeFormat('en-US', {
          timeZone: timezone,
          hourCycle: 'h23',
          year: 'numeric',
          month: '2-digit',
          day: '2-digit',
          hour: '2-digit',
          minute: '2-digit',
        });
        const seen = new Set<string>();
        const expected: string[] = [];
        for (let t = from.getTime(); t <= until.getTime(); t += 60_000) {
          const parts = Object.fromEntries(clock.formatToParts(t).map((part) => [part.type, Number(part.value)]));
          const wall = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day, parts.hour, parts.minute);
          if (seen.has(String(wall))) continue;
          seen.add(String(wall));
          if (pattern.match(new Date(wall))) expected.push(new Date(t).toISOString());
        }
        const aws = toScheduleExpression({ type: 'cron', expression, timezone }, NOW).expression;

        // Act
        const ours = nextFireTimes({ type: 'cron', expression: aws, timezone }, { from, endAt: until, count: 10_000 });

        // Assess
        expect(ours.map((date) => date.toISOString())).toEqual(expected);
      }),
      { numRuns: 40 },
    );
  });

  describe('APScheduler fields agree with the equivalent Unix expression', () => {
    // APScheduler numbers weekdays 0 = Monday; Unix 1 = Monday, 7 = Sunday.
    const apsWeekday = fc.oneof(
      fc.constant({ aps: '*', unix: '*' }),
      fc
        .tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 4 }))
        .map(([a, b, step]) => {
          const [low, high] = [Math.min(a, b), Math.max(a, b)];
          return { aps: `${low}-${high}/${step}`, unix: `${low + 1}-${high + 1}/${step}` };
        }),
      fc.subarray([0, 1, 2, 3, 4, 5, 6], { minLength: 1 }).map((days) => ({
        aps: days.map((d) => ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'][d]).join(','),
        unix: days.map((d) => d + 1).join(','),
      })),
      fc.integer({ min: 1, max: 7 }).map((step) => ({ aps: `*/${step}`, unix: `1-7/${step}` })),
    );
    const order = ['month', 'day', 'day_of_week', 'hour', 'minute'] as const;
    const defaults = { month: '1', day: '1', day_of_week: '*', hour: '0', minute: '0' };

    it('including APScheduler defaults for omitted fields', SLOW, () => {
      fc.assert(
        fc.property(
          fc.record(
            { month: field(1, 12), day: field(1, 31), weekday: apsWeekday, hour: field(0, 23), minute: field(0, 59) },
            { requiredKeys: [] },
          ),
          fromDate,
          (given, from) => {
            // Prepare: day and day_of_week cannot both be restricted
            const weekday = given.day !== undefined && given.day !== '*' ? undefined : given.weekday;
            const aps: { [K in (typeof order)[number]]?: string | undefined } = {
              month: given.month,
              day: given.day,
              day_of_week: weekday?.aps,
              hour: given.hour,
              minute: given.minute,
            };
            const present = order.filter((name) => aps[name] !== undefined);
            fc.pre(present.length > 0);
            const last = Math.max(...present.map((name) => order.indexOf(name)));
            const unixField = (name: (typeof order)[number]): string =>
              (name === 'day_of_week' ? weekday?.unix : aps[name]) ??
              (order.indexOf(name) < last ? '*' : defaults[name]);
            const expression = ['minute', 'hour', 'day', 'month', 'day_of_week'].map((name) =>
              unixField(name as (typeof order)[number]),
            );
            const fields: CronTrigger = { type: 'cron' };
            for (const name of present) Object.assign(fields, { [name]: aps[name] });
            const unix: CronTrigger = { type: 'cron', expression: expression.join(' ') };

            // Act
            const [fromFields, fromUnix] = [normaliseCron(fields), normaliseCron(unix)];
            const window = { from, count: 20, endAt: new Date(from.getTime() + YEAR_MS) };

            // Assess
            expect(fromFields).toEqual(fromUnix);
            expect(nextFireTimes(fields, window)).toEqual(nextFireTimes(unix, window));
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe('APScheduler lists', () => {
    const spacing = fc.constantFrom('', ' ', '  ', '\t');
    /** A field's list with whitespace before and after each comma, and the same list without it. */
    const spacedField = (min: number, max: number): fc.Arbitrary<{ spaced: string; compact: string }> =>
      fc.array(fc.tuple(fieldItem(min, max), spacing, spacing), { minLength: 1, maxLength: 4 }).map((items) => ({
        spaced: items
          .map(([item, before, after], index) => (index === 0 ? item : `${before},${after}${item}`))
          .join(''),
        compact: items.map(([item]) => item).join(','),
      }));

    it('read the same with or without whitespace around their commas, in every field', () => {
      fc.assert(
        fc.property(
          fc.constantFrom(
            { name: 'minute', min: 0, max: 59 },
            { name: 'hour', min: 0, max: 23 },
            { name: 'day', min: 1, max: 31 },
            { name: 'month', min: 1, max: 12 },
            { name: 'day_of_week', min: 0, max: 6 },
            { name: 'year', min: 2026, max: 2199 },
          ),
          fc.gen(),
          ({ name, min, max }, gen) => {
            // Prepare
            const { spaced, compact } = gen(() => spacedField(min, max));

            // Act
            const [fromSpaced, fromCompact] = [spaced, compact].map((text) =>
              normaliseCron({ type: 'cron', [name]: text }),
            );

            // Assess
            expect(fromSpaced).toEqual(fromCompact);
          },
        ),
        { numRuns: 300 },
      );
    });
  });

  describe('seconds', () => {
    const AWS_DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];
    const zone = fc.constantFrom('UTC', 'America/New_York', 'Europe/London');
    /** The day fields of an AWS or Quartz expression: exactly one of them is '?'. */
    const dayFields = fc.oneof(
      fc
        .oneof(
          field(1, 31),
          fc.constantFrom('L', 'LW'),
          fc.integer({ min: 1, max: 31 }).map((day) => `${day}W`),
        )
        .map((dayOfMonth) => ({ dayOfMonth, dayOfWeek: '?' })),
      fc
        .oneof(
          field(1, 7),
          field(1, 7, (d) => AWS_DAYS[d - 1] ?? ''),
          fc.constant('L'),
          fc.integer({ min: 1, max: 7 }).map((day) => `${day}L`),
          fc.tuple(fc.integer({ min: 1, max: 7 }), fc.integer({ min: 1, max: 5 })).map(([day, n]) => `${day}#${n}`),
        )
        .map((dayOfWeek) => ({ dayOfMonth: '?', dayOfWeek })),
    );
    const awsFields = fc.record({
      minute: field(0, 59),
      hour: field(0, 23),
      days: dayFields,
      month: fc.oneof(
        field(1, 12),
        field(1, 12, (m) => MONTH_NAMES[m - 1] ?? ''),
      ),
      year: fc.option(field(2025, 2040), { nil: undefined }),
    });

    it('fires a Quartz expression with seconds field 0 as the equivalent AWS cron expression', SLOW, () => {
      fc.assert(
        fc.property(awsFields, fromDate, zone, ({ minute, hour, days, month, year }, from, timezone) => {
          // Prepare
          const dates = [minute, hour, days.dayOfMonth, month, days.dayOfWeek];
          const quartz: Trigger = {
            type: 'cron',
            expression: ['0', ...dates, ...(year === undefined ? [] : [year])].join(' '),
            timezone,
          };
          const aws: Trigger = { type: 'cron', expression: `cron(${[...dates, year ?? '*'].join(' ')})`, timezone };
          const window = { from, count: 40, endAt: new Date(from.getTime() + YEAR_MS) };

          // Act
          const [quartzTimes, awsTimes] = [nextFireTimes(quartz, window), nextFireTimes(aws, window)];

          // Assess
          expect(quartzTimes).toEqual(awsTimes);
          expect(toScheduleExpression(quartz, NOW)).toEqual(toScheduleExpression(aws, NOW));
        }),
        { numRuns: 300 },
      );
    });

    it("fires an APScheduler second='*/15' four times, 15 s apart, wherever second 0 fires once", SLOW, () => {
      fc.assert(
        fc.property(
          fc.record(
            { minute: field(0, 59), hour: field(0, 23), day: field(1, 31), month: field(1, 12) },
            { requiredKeys: [] },
          ),
          fromDate,
          zone,
          (fields, from, timezone) => {
            // Prepare
            const once: Trigger = { type: 'cron', ...fields, second: 0, timezone };
            const quarterly: Trigger = { type: 'cron', ...fields, second: '*/15', timezone };
            const minutes = nextFireTimes(once, { from, count: 25 });

            // Act
            const seconds = nextFireTimes(quarterly, { from, count: 4 * minutes.length });

            // Assess
            expect(seconds.map((date) => date.getTime())).toEqual(
              minutes.flatMap((date) => [0, 15, 30, 45].map((second) => date.getTime() + second * 1000)),
            );
          },
        ),
        { numRuns: 150 },
      );
    });

    it('fires like a second-by-second scan of the local clock across daylight-saving changes', SLOW, () => {
      // The reference walks every UTC second around a change, reads the local wall clock, and fires when croner's
      // 6-field pattern (seconds first, read in UTC, so on the wall fields alone) matches a wall time not seen
      // before: gap times never show on the clock, and a repeated time fires only at its first occurrence.
      const spans = fc.constantFrom(
        ['America/New_York', '2026-03-08T06:00:00Z'],
        ['America/New_York', '2026-11-01T05:00:00Z'],
        ['Europe/London', '2026-03-29T00:00:00Z'],
        ['Europe/London', '2026-10-25T00:00:00Z'],
      );
      fc.assert(
        fc.property(
          field(0, 59),
          field(0, 59),
          field(0, 4),
          spans,
          (second, minute, hour, [timezone = 'UTC', start = '']) => {
            // Prepare
            const from = new Date(start);
            const until = new Date(from.getTime() + 2 * 3_600_000);
            const pattern = new Cron(`${second} ${minute} ${hour} * * *`, { timezone: 'UTC' });
            const clock = new Intl.DateTimeFormat('en-US', {
              timeZone: timezone,
              hourCycle: 'h23',
              year: 'numeric',
              month: '2-digit',
              day: '2-digit',
              hour: '2-digit',
              minute: '2-digit',
              second: '2-digit',
            });
            const seen = new Set<number>();
            const expected: string[] = [];
            for (let t = from.getTime(); t <= until.getTime(); t += 1000) {
              const parts = Object.fromEntries(clock.formatToParts(t).map((part) => [part.type, Number(part.value)]));
              const wall = Date.UTC(
                parts.year ?? 0,
                (parts.month ?? 1) - 1,
                parts.day,
                parts.hour,
                parts.minute,
                parts.second,
              );
              if (seen.has(wall)) continue;
              seen.add(wall);
              if (pattern.match(new Date(wall))) expected.push(new Date(t).toISOString());
            }
            const quartz: Trigger = { type: 'cron', expression: `${second} ${minute} ${hour} * * ?`, timezone };

            // Act
            const ours = nextFireTimes(quartz, { from, endAt: until, count: 10_000 });

            // Assess
            expect(ours.map((date) => date.toISOString())).toEqual(expected);
          },
        ),
        { numRuns: 30 },
      );
    });

    it('reads an APScheduler second list the same with or without whitespace around its commas', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fieldItem(0, 59), fc.constantFrom('', ' ', '  ', '\t'), fc.constantFrom('', ' ')), {
            minLength: 1,
            maxLength: 4,
          }),
          (items) => {
            // Prepare
            const spaced = items
              .map(([item, before, after], index) => (index === 0 ? item : `${before},${after}${item}`))
              .join('');
            const compact = items.map(([item]) => item).join(',');

            // Act
            const [fromSpaced, fromCompact] = [spaced, compact].map(
              (second) => cronSpecOf({ type: 'cron', second }).seconds,
            );

            // Assess
            expect(fromSpaced).toEqual(fromCompact);
          },
        ),
        { numRuns: 200 },
      );
    });
  });

  describe('rejections', () => {
    const token = fc.oneof(
      fc.constantFrom('*', '?', 'L', 'W', '#', '/', '-', ',', 'mon', 'jan', 'last', '2nd fri', 'x', '', ' '),
      fc.integer({ min: -5, max: 2300 }).map(String),
      fc.string({ maxLength: 4 }),
    );
    const fieldText = fc.array(token, { minLength: 1, maxLength: 4 }).map((parts) => parts.join(''));
    const cronValue = fc.option(fc.oneof(fieldText, fc.integer({ min: -3, max: 2300 })), { nil: undefined });
    const expression = fc.oneof(
      fc.array(fieldText, { minLength: 4, maxLength: 7 }).map((parts) => parts.join(' ')),
      fc.array(fieldText, { minLength: 5, maxLength: 7 }).map((parts) => `cron(${parts.join(' ')})`),
      fc.string(),
    );
    const timezone = fc.option(fc.constantFrom('UTC', 'Europe/London', 'Nowhere/City', '+01:00', 'utc', ''), {
      nil: undefined,
    });
    const count = fc.option(fc.oneof(fc.integer({ min: -2, max: 200_000 }), fc.double({ min: -1, max: 100 })), {
      nil: undefined,
    });
    const anyTrigger: fc.Arbitrary<Trigger> = fc.oneof(
      fc.record(
        {
          type: fc.constant('cron' as const),
          expression: fc.option(expression, { nil: undefined }),
          second: cronValue,
          minute: cronValue,
          hour: cronValue,
          day: cronValue,
          month: cronValue,
          day_of_week: cronValue,
          year: cronValue,
          timezone,
        },
        { requiredKeys: ['type'] },
      ),
      fc.record(
        {
          type: fc.constant('interval' as const),
          weeks: count,
          days: count,
          hours: count,
          minutes: count,
          seconds: count,
        },
        { requiredKeys: ['type'] },
      ),
      fc.record({
        type: fc.constant('date' as const),
        runAt: fc.oneof(
          fc.string(),
          fc
            .date({ min: new Date('2020-01-01T00:00:00Z'), max: new Date('2035-01-01T00:00:00Z'), noInvalidDate: true })
            .map((date) => date.toISOString()),
          fc
            .tuple(
              fc.integer({ min: 2020, max: 2035 }),
              fc.integer({ min: 0, max: 13 }),
              fc.integer({ min: 0, max: 32 }),
              fc.integer({ min: 0, max: 25 }),
              fc.constantFrom('00', '30', '60'),
              fc.constantFrom('', ':00', ':30', 'Z', '+05:30', '-0800', '+15:00'),
            )
            .map(([y, mo, d, h, mi, tail]) => {
              const p = (n: number) => String(n).padStart(2, '0');
              return `${y}-${p(mo)}-${p(d)}T${p(h)}:${mi}${tail}`;
            }),
        ),
        timezone,
      }),
    );

    it('every rejected trigger yields a ValidationError whose issues all name a trigger field', SLOW, () => {
      fc.assert(
        fc.property(anyTrigger, (trigger) => {
          for (const act of [
            () => toScheduleExpression(trigger, NOW),
            () => nextFireTimes(trigger, { from: NOW, count: 3 }),
          ]) {
            // Act
            let thrown: unknown;
            try {
              act();
            } catch (error) {
              thrown = error;
            }

            // Assess
            if (thrown === undefined) continue;
            expect(thrown).toBeInstanceOf(ValidationError);
            const issues = (thrown as ValidationError).issues;
            expect(issues.length).toBeGreaterThan(0);
            for (const issue of issues) {
              expect(issue.path).toMatch(/^(trigger|startAt|endAt)(\.[A-Za-z_]+)*$/);
              expect(issue.message.length).toBeGreaterThan(0);
            }
          }
        }),
        { numRuns: 1000 },
      );
    });
  });
});
