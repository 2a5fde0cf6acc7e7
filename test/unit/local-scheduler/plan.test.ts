import { describe, expect, it } from 'vitest';
import {
  deliveryTimeOf,
  fireRuleOf,
  isCompleted,
  nextOccurrence,
  UnsupportedExpressionError,
} from '../../../scripts/local/scheduler/plan';
import { localSchedule } from './fakes';

const next = (schedule: Parameters<typeof fireRuleOf>[0], from: string) =>
  nextOccurrence(fireRuleOf(schedule), new Date(from))?.toISOString();

describe('local scheduler fire times', () => {
  it('fires a cron in its ScheduleExpressionTimezone: 10:30 in Asia/Shanghai is 02:30Z', () => {
    // Prepare
    const schedule = localSchedule({ expression: 'cron(30 10 * * ? *)', timezone: 'Asia/Shanghai' });

    // Act
    const first = next(schedule, '2026-12-02T00:00:00Z');

    // Assess
    expect(first).toBe('2026-12-02T02:30:00.000Z');
  });

  it("skips a wall time the clocks jump over, as EventBridge does (02:30 on New York's spring-forward day)", () => {
    // Prepare
    const schedule = localSchedule({ expression: 'cron(30 2 * * ? *)', timezone: 'America/New_York' });

    // Act
    const first = next(schedule, '2027-03-14T00:00:00Z');

    // Assess: 14 March 2027 has no 02:30 in New York; the next one is on the 15th, EDT.
    expect(first).toBe('2027-03-15T06:30:00.000Z');
  });

  it('anchors a rate without StartDate at its creation time, the first occurrence included', () => {
    // Prepare
    const schedule = localSchedule({ expression: 'rate(5 minutes)', created: '2026-12-02T10:00:40.250Z' });

    // Act
    const atCreation = next(schedule, '2026-12-02T10:00:40.250Z');
    const later = next(schedule, '2026-12-02T10:07:00Z');

    // Assess
    expect(atCreation).toBe('2026-12-02T10:00:40.250Z');
    expect(later).toBe('2026-12-02T10:10:40.250Z');
  });

  it('anchors a rate at its StartDate when it has one, and fires nothing before it', () => {
    // Prepare
    const schedule = localSchedule({
      expression: 'rate(2 hours)',
      created: '2026-12-02T10:00:40Z',
      startDate: new Date('2026-12-02T12:15:00Z'),
    });

    // Act
    const first = next(schedule, '2026-12-02T10:00:40Z');
    const third = next(schedule, '2026-12-02T15:00:00Z');

    // Assess
    expect(first).toBe('2026-12-02T12:15:00.000Z');
    expect(third).toBe('2026-12-02T16:15:00.000Z');
  });

  it('treats StartDate and EndDate as inclusive bounds', () => {
    // Prepare
    const schedule = localSchedule({
      expression: 'cron(0 * * * ? *)',
      startDate: new Date('2026-12-02T11:00:00Z'),
      endDate: new Date('2026-12-02T13:00:00Z'),
    });

    // Act
    const first = next(schedule, '2026-12-02T10:00:00Z');
    const last = next(schedule, '2026-12-02T12:00:00.001Z');
    const afterEnd = next(schedule, '2026-12-02T13:00:00.001Z');

    // Assess
    expect(first).toBe('2026-12-02T11:00:00.000Z');
    expect(last).toBe('2026-12-02T13:00:00.000Z');
    expect(afterEnd).toBeUndefined();
  });

  it('reads at() as wall time in its zone, seconds included, and ignores StartDate and EndDate', () => {
    // Prepare
    const schedule = localSchedule({
      expression: 'at(2026-12-24T18:00:30)',
      timezone: 'Europe/Paris',
      endDate: new Date('2026-12-01T00:00:00Z'),
    });

    // Act
    const once = next(schedule, '2026-12-02T00:00:00Z');
    const afterIt = next(schedule, '2026-12-24T17:00:31Z');

    // Assess
    expect(once).toBe('2026-12-24T17:00:30.000Z');
    expect(afterIt).toBeUndefined();
  });

  it('refuses an expression that is not cron, rate or at', () => {
    // Prepare
    const schedule = localSchedule({ expression: 'every(5 minutes)' });

    // Act
    const read = () => fireRuleOf(schedule);

    // Assess
    expect(read).toThrow(UnsupportedExpressionError);
  });

  it('delivers on time with the window OFF and inside [time, time + window) with FLEXIBLE', () => {
    // Prepare
    const time = new Date('2026-12-02T10:01:00Z');
    const off = localSchedule();
    const flexible = localSchedule({ flexibleWindowMinutes: 15 });

    // Act
    const onTime = deliveryTimeOf(off, time, () => 0.99);
    const earliest = deliveryTimeOf(flexible, time, () => 0);
    const latest = deliveryTimeOf(flexible, time, () => 0.999_999_9);
    const middle = deliveryTimeOf(flexible, time, () => 0.5);

    // Assess
    expect(onTime.toISOString()).toBe('2026-12-02T10:01:00.000Z');
    expect(earliest.toISOString()).toBe('2026-12-02T10:01:00.000Z');
    expect(latest.getTime()).toBeLessThan(Date.parse('2026-12-02T10:16:00Z'));
    expect(latest.getTime()).toBeGreaterThan(Date.parse('2026-12-02T10:15:59Z'));
    expect(middle.toISOString()).toBe('2026-12-02T10:08:30.000Z');
  });

  it('counts a one-time schedule complete once fired and a recurring one only after its EndDate', () => {
    // Prepare
    const once = fireRuleOf(localSchedule({ expression: 'at(2026-12-02T10:05:00)' }));
    const bounded = fireRuleOf(localSchedule({ endDate: new Date('2026-12-02T11:00:00Z') }));
    const endless = fireRuleOf(localSchedule());
    const now = new Date('2026-12-02T12:00:00Z');

    // Act
    const results = [
      isCompleted(once, undefined, now),
      isCompleted(once, new Date('2026-12-02T10:05:00Z'), now),
      isCompleted(bounded, undefined, now),
      isCompleted(bounded, undefined, new Date('2026-12-02T10:59:00Z')),
      isCompleted(endless, undefined, now),
    ];

    // Assess
    expect(results).toEqual([true, false, true, false, false]);
  });
});
