import { describe, expect, it } from 'vitest';
import { NO_DELIVERY_METRICS } from '../../../scripts/local/scheduler/metrics';
import { deliveryTimeOf } from '../../../scripts/local/scheduler/plan';
import { LocalSchedulerEngine } from '../../../scripts/local/scheduler/scheduler';
import { FakeClock, FakeQueues, FakeSchedules, MemoryStateStore, QUEUE_ARN, localSchedule } from './fakes';

/** A scheduler over fakes with an invocation spread; `draws` are the random values handed out in turn. */
function spreadHarness(start: string, invocationSpreadSeconds: number | undefined, draws: readonly number[]) {
  const clock = new FakeClock(start);
  const schedules = new FakeSchedules();
  const queues = new FakeQueues(clock);
  let drawn = 0;
  const engine = new LocalSchedulerEngine({
    schedules,
    queues,
    state: new MemoryStateStore(),
    clock,
    random: () => draws[drawn++ % draws.length] ?? 0,
    newExecutionId: () => 'exec',
    pollMs: 2_000,
    retryBackoff: { baseMs: 10, maxMs: 10 },
    log: () => undefined,
    metrics: NO_DELIVERY_METRICS,
    ...(invocationSpreadSeconds !== undefined && { invocationSpreadSeconds }),
  });
  const at = async (time: string): Promise<void> => {
    clock.set(time);
    await engine.refresh();
    engine.advance();
    await engine.idle();
  };
  const delivered = (): string[] =>
    queues.sent
      .filter((message) => message.queueArn === QUEUE_ARN)
      .map((message) => `${new Date(message.at).toISOString()} ${message.body}`);
  return { schedules, engine, at, delivered };
}

const body = (time: string) => `{"jobId":"job-1","scheduledTime":"${time}"}`;

describe('local scheduler invocation spread', () => {
  it('delays a window-OFF delivery by a uniform draw in [0, N) s, and leaves a FLEXIBLE one to its window', () => {
    // Prepare
    const time = new Date('2026-12-02T10:01:00Z');
    const off = localSchedule();
    const flexible = localSchedule({ flexibleWindowMinutes: 2 });

    // Act
    const unspread = deliveryTimeOf(off, time, () => 0.5);
    const earliest = deliveryTimeOf(off, time, () => 0, 60);
    const middle = deliveryTimeOf(off, time, () => 0.25, 60);
    const latest = deliveryTimeOf(off, time, () => 0.999_999_9, 60);
    const windowed = deliveryTimeOf(flexible, time, () => 0.5, 60);

    // Assess
    expect(unspread.toISOString()).toBe('2026-12-02T10:01:00.000Z');
    expect(earliest.toISOString()).toBe('2026-12-02T10:01:00.000Z');
    expect(middle.toISOString()).toBe('2026-12-02T10:01:15.000Z');
    expect(latest.getTime()).toBeLessThan(Date.parse('2026-12-02T10:02:00Z'));
    expect(latest.getTime()).toBeGreaterThan(Date.parse('2026-12-02T10:01:59.9Z'));
    expect(windowed.toISOString()).toBe('2026-12-02T10:02:00.000Z');
  });

  it('delivers each occurrence at its own drawn moment, the target still seeing the scheduled time', async () => {
    // Prepare: spread 60 s; 10:01 draws 0.5 (delivered 10:01:30), 10:02 draws 0.1 (delivered 10:02:06).
    const h = spreadHarness('2026-12-02T10:00:50Z', 60, [0.5, 0.1]);
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    await h.engine.start();

    // Act
    await h.at('2026-12-02T10:01:00Z');
    const atTheMinute = h.delivered();
    await h.at('2026-12-02T10:01:29.999Z');
    const justBefore = h.delivered();
    await h.at('2026-12-02T10:01:30Z');
    await h.at('2026-12-02T10:02:00Z');
    await h.at('2026-12-02T10:02:06Z');

    // Assess
    expect(atTheMinute).toEqual([]);
    expect(justBefore).toEqual([]);
    expect(h.delivered()).toEqual([
      `2026-12-02T10:01:30.000Z ${body('2026-12-02T10:01:00Z')}`,
      `2026-12-02T10:02:06.000Z ${body('2026-12-02T10:02:00Z')}`,
    ]);
  });

  it('delivers at the occurrence time itself when no spread is asked for', async () => {
    // Prepare
    const h = spreadHarness('2026-12-02T10:00:50Z', undefined, [0.9]);
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    await h.engine.start();

    // Act
    await h.at('2026-12-02T10:01:00Z');

    // Assess
    expect(h.delivered()).toEqual([`2026-12-02T10:01:00.000Z ${body('2026-12-02T10:01:00Z')}`]);
  });
});
