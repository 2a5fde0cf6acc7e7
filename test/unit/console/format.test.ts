import { describe, expect, it } from 'vitest';
import type { Job } from '../../../console/src/api';
import {
  eventBridgeForm,
  fireTimeRows,
  formatDuration,
  nextRunOf,
  triggerInWords,
  wallTime,
} from '../../../console/src/format';

const job = (fields: Partial<Job>): Job =>
  ({
    id: 'nightly-report',
    state: 'enabled',
    createdAt: '2030-01-01T00:00:00.000Z',
    trigger: { type: 'cron', expression: '0 9 * * 1-5', timezone: 'Europe/Paris' },
    ...fields,
  }) as Job;

describe('the console writes triggers', () => {
  it('in words, for each trigger form', () => {
    expect(triggerInWords({ type: 'cron', expression: '0 9 * * 1-5' })).toBe('At 09:00, Monday through Friday');
    expect(triggerInWords({ type: 'cron', hour: '7-23', second: '*/10' })).toBe(
      'Every 10 seconds, between 07:00 and 23:59',
    );
    expect(triggerInWords({ type: 'cron', expression: 'cron(30 10 L * ? *)' })).toBe(
      'At 10:30, on the last day of the month',
    );
    expect(triggerInWords({ type: 'interval', hours: 1, minutes: 30 })).toBe('Every 1 hour 30 minutes');
    expect(triggerInWords({ type: 'interval', seconds: 5 })).toBe('Every 5 seconds');
    expect(triggerInWords({ type: 'date', runAt: '2030-01-01T09:00:00', timezone: 'Asia/Tokyo' })).toBe(
      'Once, at 2030-01-01T09:00:00 (Asia/Tokyo)',
    );
  });

  it('says when a trigger cannot be read instead of failing the page', () => {
    expect(triggerInWords({ type: 'cron', expression: '61 * * * *' })).toMatch(/^\(cannot read: .*minute/);
  });

  it('in the form EventBridge Scheduler holds, with the tick for second precision', () => {
    expect(eventBridgeForm(job({}))).toBe('cron(0 9 ? * MON-FRI *) Europe/Paris');
    expect(eventBridgeForm(job({ trigger: { type: 'interval', minutes: 15 } }))).toBe('rate(15 minutes) UTC');
    expect(eventBridgeForm(job({ trigger: { type: 'interval', seconds: 5 } }))).toBe(
      'cron(0/5 * * * ? *) UTC (second precision ticks)',
    );
    expect(eventBridgeForm(job({ precision: 'second' }))).toBe('cron(0/5 * * * ? *) UTC (second precision ticks)');
    expect(
      eventBridgeForm(job({ trigger: { type: 'date', runAt: '2030-01-01T09:00:00' } }), new Date('2029-01-01')),
    ).toBe('at(2030-01-01T09:00:00) UTC');
    expect(
      eventBridgeForm(job({ trigger: { type: 'date', runAt: '2030-01-01T09:00:00' } }), new Date('2031-01-01')),
    ).toBe('at(...) (done)');
  });
});

describe('the console lists fire times', () => {
  it('gives the next run of an enabled job and none for a paused one', () => {
    const now = new Date('2030-01-04T12:00:00Z');
    expect(nextRunOf(job({}), now)?.toISOString()).toBe('2030-01-07T08:00:00.000Z');
    expect(nextRunOf(job({ state: 'paused' }), now)).toBeUndefined();
  });

  it('anchors an interval at its creation rounded up to the whole second, as the API does', () => {
    const created = job({ trigger: { type: 'interval', minutes: 5 }, createdAt: '2030-01-01T09:00:00.437Z' });
    expect(nextRunOf(created, new Date('2030-01-01T09:01:00Z'))?.toISOString()).toBe('2030-01-01T09:05:01.000Z');
  });

  it('notes each clock change between fire times and marks fire times on that day', () => {
    // Prepare: the 28th at 09:00 in Paris, February to April 2027 (clocks go forward on 28 March)
    const times = ['2027-02-28T08:00:00Z', '2027-03-28T07:00:00Z', '2027-04-28T07:00:00Z'].map((t) => new Date(t));

    // Act
    const rows = fireTimeRows(times, 'Europe/Paris');

    // Assess
    expect(rows.map((row) => row.kind)).toEqual(['fire', 'change', 'fire', 'fire']);
    expect(rows[1]).toMatchObject({
      note:
        '2027-03-28: clocks in Europe/Paris go forward from 02:00 to 03:00 (UTC+01:00 → UTC+02:00); wall times ' +
        'from 02:00 to before 03:00 do not exist and do not fire that day',
    });
    expect(rows.filter((row) => row.kind === 'fire').map((row) => row.changeDay)).toEqual([false, true, false]);
  });

  it('notes a fall-back as times that happen twice and fire once', () => {
    // Act
    const rows = fireTimeRows([new Date('2027-10-30T07:00:00Z'), new Date('2027-11-01T08:00:00Z')], 'Europe/Paris');

    // Assess
    const change = rows[1];
    expect(change?.kind).toBe('change');
    expect(change?.kind === 'change' ? change.note : '').toContain(
      'go back from 03:00 to 02:00 (UTC+02:00 → UTC+01:00); wall times from 02:00 to before 03:00 happen twice and ' +
        'fire once, the first time',
    );
  });

  it('writes wall times and durations', () => {
    expect(wallTime('2030-01-01T08:00:05Z', 'Europe/Paris')).toBe('2030-01-01 09:00:05');
    expect([350, 1234, 125_000].map(formatDuration)).toEqual(['350 ms', '1.2 s', '2 min 5 s']);
  });
});
