import { describe, expect, it, vi } from 'vitest';
import { NO_DELIVERY_METRICS } from '../../../scripts/local/scheduler/metrics';
import { LocalSchedulerEngine } from '../../../scripts/local/scheduler/scheduler';
import type { LocalSchedule } from '../../../scripts/local/scheduler/schedule';
import { FakeClock, FakeQueues, FakeSchedules, MemoryStateStore, QUEUE_ARN, localSchedule } from './fakes';

const SCHEDULED = '{"jobId":"job-1","scheduledTime":"<aws.scheduler.scheduled-time>"}';

/** A scheduler over fakes; `random` decides the flexible-window delays. */
function harness(
  start: string,
  options: {
    store?: MemoryStateStore;
    schedules?: FakeSchedules;
    random?: number;
    maxDeliveriesInFlight?: number;
  } = {},
) {
  const clock = new FakeClock(start);
  const schedules = options.schedules ?? new FakeSchedules();
  const queues = new FakeQueues(clock);
  const store = options.store ?? new MemoryStateStore();
  const lines: string[] = [];
  const engine = new LocalSchedulerEngine({
    schedules,
    queues,
    state: store,
    clock,
    random: () => options.random ?? 0,
    newExecutionId: () => 'exec',
    pollMs: 2_000,
    retryBackoff: { baseMs: 10, maxMs: 10 },
    log: (line) => lines.push(line),
    metrics: NO_DELIVERY_METRICS,
    ...(options.maxDeliveriesInFlight !== undefined && { maxDeliveriesInFlight: options.maxDeliveriesInFlight }),
  });
  /** Moves the clock to `time` and lets the engine do what is due (the run loop's poll and pass). */
  const at = async (time: string, poll = true): Promise<void> => {
    clock.set(time);
    if (poll) await engine.refresh();
    engine.advance();
    await engine.idle();
  };
  const delivered = (): string[] =>
    queues.sent
      .filter((message) => message.queueArn === QUEUE_ARN)
      .map((message) => `${new Date(message.at).toISOString()} ${message.body}`);
  return { clock, schedules, queues, store, engine, at, delivered, lines };
}

const body = (time: string) => `{"jobId":"job-1","scheduledTime":"${time}"}`;

describe('local scheduler engine', () => {
  it('fires a schedule created mid-minute at its first occurrence, even when first seen after it', async () => {
    // Prepare: running since 10:00:00; the schedule is created at 10:00:40 and first listed at 10:01:01.
    const h = harness('2026-12-02T10:00:00Z');
    await h.engine.start();
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));

    // Act
    await h.at('2026-12-02T10:01:01Z');

    // Assess
    expect(h.delivered()).toEqual([`2026-12-02T10:01:01.000Z ${body('2026-12-02T10:01:00Z')}`]);
  });

  it('fires at the occurrence time itself when it is awake then', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    await h.engine.start();

    // Act
    expect(new Date(h.engine.nextDueAt() ?? 0).toISOString()).toBe('2026-12-02T10:01:00.000Z');
    await h.at('2026-12-02T10:01:00Z', false);
    await h.at('2026-12-02T10:01:59.999Z', false);
    await h.at('2026-12-02T10:02:00Z', false);

    // Assess
    expect(h.delivered()).toEqual([
      `2026-12-02T10:01:00.000Z ${body('2026-12-02T10:01:00Z')}`,
      `2026-12-02T10:02:00.000Z ${body('2026-12-02T10:02:00Z')}`,
    ]);
  });

  it('does not catch up after downtime: occurrences before the start that were not fired never fire', async () => {
    // Prepare: a first run fired 10:01; the next run starts at 10:05:30.
    const store = new MemoryStateStore();
    const schedules = new FakeSchedules();
    schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    const first = harness('2026-12-02T10:00:50Z', { store, schedules });
    await first.engine.start();
    await first.at('2026-12-02T10:01:00Z');
    await first.engine.stop();
    const second = harness('2026-12-02T10:05:30Z', { store, schedules });

    // Act
    await second.engine.start();
    await second.at('2026-12-02T10:05:59Z');
    await second.at('2026-12-02T10:06:00Z');

    // Assess
    expect(first.delivered()).toEqual([`2026-12-02T10:01:00.000Z ${body('2026-12-02T10:01:00Z')}`]);
    expect(second.delivered()).toEqual([`2026-12-02T10:06:00.000Z ${body('2026-12-02T10:06:00Z')}`]);
  });

  it('does not fire an occurrence twice when restarted at the very moment it fired', async () => {
    // Prepare: the first run fires 10:01:00 at 10:01:00.000 and stops; the next starts within the same millisecond.
    const store = new MemoryStateStore();
    const schedules = new FakeSchedules();
    schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    const first = harness('2026-12-02T10:00:50Z', { store, schedules });
    await first.engine.start();
    await first.at('2026-12-02T10:01:00Z');
    await first.engine.stop();
    const second = harness('2026-12-02T10:01:00Z', { store, schedules });

    // Act
    await second.engine.start();
    await second.at('2026-12-02T10:01:00Z');

    // Assess
    expect(first.delivered()).toHaveLength(1);
    expect(second.delivered()).toEqual([]);
    expect(store.saved.get('sked-test/job-1')?.lastFired).toBe(Date.parse('2026-12-02T10:01:00Z'));
  });

  it('delivers an occurrence waiting in its flexible window after a restart, once, and drops one whose moment passed', async () => {
    // Prepare: window 10 min, delay 0.4 × 10 min = 4 min. 10:01 is due 10:05, 10:02 at 10:06; stopped at 10:02:30,
    // restarted at 10:05:30: 10:01's moment passed while stopped, 10:02's has not.
    const store = new MemoryStateStore();
    const schedules = new FakeSchedules();
    schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z', flexibleWindowMinutes: 10 }));
    const first = harness('2026-12-02T10:00:50Z', { store, schedules, random: 0.4 });
    await first.engine.start();
    await first.at('2026-12-02T10:01:00Z');
    await first.at('2026-12-02T10:02:00Z');
    await first.at('2026-12-02T10:02:30Z');
    await first.engine.stop();
    const second = harness('2026-12-02T10:05:30Z', { store, schedules, random: 0.4 });

    // Act
    await second.engine.start();
    await second.at('2026-12-02T10:06:00Z');
    await second.at('2026-12-02T10:06:10Z');

    // Assess
    expect(first.delivered()).toEqual([]);
    expect(second.delivered()).toEqual([`2026-12-02T10:06:00.000Z ${body('2026-12-02T10:02:00Z')}`]);
  });

  it('never fires a DISABLED schedule, and follows it when it is enabled again without catching up', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    const disabled = localSchedule({ created: '2026-12-02T10:00:40Z', state: 'DISABLED' });
    h.schedules.put(disabled);
    await h.engine.start();
    await h.at('2026-12-02T10:01:00Z');
    await h.at('2026-12-02T10:02:00Z');

    // Act
    h.schedules.put({ ...disabled, state: 'ENABLED', lastModificationDate: new Date('2026-12-02T10:02:30Z') });
    await h.at('2026-12-02T10:02:31Z');
    await h.at('2026-12-02T10:03:00Z');

    // Assess
    expect(h.delivered()).toEqual([`2026-12-02T10:03:00.000Z ${body('2026-12-02T10:03:00Z')}`]);
  });

  it('follows an update: the new expression fires from the update on, the old one no more', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    const everyMinute = localSchedule({ created: '2026-12-02T10:00:40Z' });
    h.schedules.put(everyMinute);
    await h.engine.start();
    await h.at('2026-12-02T10:01:00Z');

    // Act: at 10:01:30 it becomes every hour at :30.
    h.schedules.put({
      ...everyMinute,
      expression: 'cron(30 * * * ? *)',
      lastModificationDate: new Date('2026-12-02T10:01:30Z'),
    });
    await h.at('2026-12-02T10:01:31Z');
    await h.at('2026-12-02T10:02:00Z');
    await h.at('2026-12-02T10:30:00Z');

    // Assess
    expect(h.delivered()).toEqual([
      `2026-12-02T10:01:00.000Z ${body('2026-12-02T10:01:00Z')}`,
      `2026-12-02T10:30:00.000Z ${body('2026-12-02T10:30:00Z')}`,
    ]);
  });

  it('forgets a deleted schedule: it fires no more and leaves the state', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    await h.engine.start();
    await h.at('2026-12-02T10:01:00Z');

    // Act
    h.schedules.schedules.clear();
    await h.at('2026-12-02T10:01:30Z');
    await h.at('2026-12-02T10:02:00Z');
    await h.engine.stop();

    // Assess
    expect(h.delivered()).toHaveLength(1);
    expect([...h.store.saved.keys()]).toEqual([]);
  });

  it('keeps what it fired for a schedule left out of one listing, and fires nothing again when it is listed again', async () => {
    // Prepare: every minute; the 10:03:30 listing leaves it out (a listing cut short) though it still exists.
    const h = harness('2026-12-02T10:00:50Z');
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    await h.engine.start();
    await h.at('2026-12-02T10:01:00Z');
    await h.at('2026-12-02T10:02:00Z');
    await h.at('2026-12-02T10:03:00Z');
    const list = h.schedules.list.bind(h.schedules);
    h.schedules.list = () => Promise.resolve([]);
    await h.at('2026-12-02T10:03:30Z');

    // Act
    h.schedules.list = list;
    await h.at('2026-12-02T10:03:40Z');
    await h.at('2026-12-02T10:04:00Z');

    // Assess
    expect(h.delivered()).toEqual(
      ['10:01', '10:02', '10:03', '10:04'].map(
        (minute) => `2026-12-02T${minute}:00.000Z ${body(`2026-12-02T${minute}:00Z`)}`,
      ),
    );
    expect(h.store.saved.get('sked-test/job-1')?.lastFired).toBe(Date.parse('2026-12-02T10:04:00Z'));
  });

  it('fires an at() schedule with ActionAfterCompletion DELETE once, then deletes it', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    const once: LocalSchedule = localSchedule({
      created: '2026-12-02T10:00:40Z',
      expression: 'at(2026-12-02T10:02:00)',
      actionAfterCompletion: 'DELETE',
    });
    h.schedules.put(once);
    await h.engine.start();

    // Act
    await h.at('2026-12-02T10:01:00Z');
    await h.at('2026-12-02T10:02:00Z');
    // The engine deletes after the delivery settled; the next pass sees it done.
    await h.at('2026-12-02T10:02:00.500Z', false);
    await h.at('2026-12-02T10:03:00Z');

    // Assess
    expect(h.delivered()).toEqual([`2026-12-02T10:02:00.000Z ${body('2026-12-02T10:02:00Z')}`]);
    expect(h.schedules.deleted).toEqual(['sked-test/job-1']);
  });

  it('keeps an at() schedule with ActionAfterCompletion NONE and does not fire it again', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z', expression: 'at(2026-12-02T10:02:00)' }));
    await h.engine.start();

    // Act
    await h.at('2026-12-02T10:02:00Z');
    await h.at('2026-12-02T10:02:30Z');
    await h.at('2026-12-02T10:03:00Z');

    // Assess
    expect(h.delivered()).toHaveLength(1);
    expect(h.schedules.deleted).toEqual([]);
  });

  it('deletes a recurring DELETE schedule once its EndDate has passed, after its last occurrence', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    h.schedules.put(
      localSchedule({
        created: '2026-12-02T10:00:40Z',
        endDate: new Date('2026-12-02T10:02:00Z'),
        actionAfterCompletion: 'DELETE',
      }),
    );
    await h.engine.start();

    // Act
    await h.at('2026-12-02T10:01:00Z');
    await h.at('2026-12-02T10:02:00Z');
    const beforeEndPassed = [...h.schedules.deleted];
    await h.at('2026-12-02T10:02:00.001Z');
    await h.at('2026-12-02T10:02:02Z');

    // Assess
    expect(h.delivered()).toHaveLength(2);
    expect(beforeEndPassed).toEqual([]);
    expect(h.schedules.deleted).toEqual(['sked-test/job-1']);
  });

  it('uses the latest input when it delivers, and does not fire a schedule whose target is not an SQS queue', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    const lambdaTarget = localSchedule({
      name: 'job-2',
      created: '2026-12-02T10:00:40Z',
      target: { ...localSchedule().target, arn: 'arn:aws:lambda:us-east-1:000000000000:function:f' },
    });
    h.schedules.put(lambdaTarget);
    h.schedules.put(
      localSchedule({ created: '2026-12-02T10:00:40Z', target: { ...localSchedule().target, input: SCHEDULED } }),
    );
    await h.engine.start();

    // Act
    await h.at('2026-12-02T10:01:00Z');

    // Assess
    expect(h.queues.attempted.map((message) => message.queueArn)).toEqual([QUEUE_ARN]);
    expect(h.lines).toContain(
      'local scheduler: sked-test/job-2 is not fired: its target arn:aws:lambda:us-east-1:000000000000:function:f is not an SQS queue ARN',
    );
  });

  it('fires what was due under the old definition when an update is seen after that time', async () => {
    // Prepare: every minute; the 10:01:00 occurrence is due, but the pass for it has not run yet when the poll at
    // 10:01:00.500 sees an update made at 10:01:00.300.
    const h = harness('2026-12-02T10:00:50Z');
    const everyMinute = localSchedule({ created: '2026-12-02T10:00:40Z' });
    h.schedules.put(everyMinute);
    await h.engine.start();
    h.schedules.put({
      ...everyMinute,
      expression: 'cron(30 * * * ? *)',
      lastModificationDate: new Date('2026-12-02T10:01:00.300Z'),
    });

    // Act
    await h.at('2026-12-02T10:01:00.500Z');
    await h.at('2026-12-02T10:02:00Z');

    // Assess
    expect(h.delivered()).toEqual([`2026-12-02T10:01:00.500Z ${body('2026-12-02T10:01:00Z')}`]);
  });

  it('does not fire an occurrence of a schedule deleted, disabled or updated since the last listing', async () => {
    // Prepare: three every-minute schedules, listed at 10:00:59; each is changed at 10:00:59.500, before the next
    // poll, and the loop wakes for their 10:01:00 occurrence first.
    const h = harness('2026-12-02T10:00:50Z');
    const deleted = localSchedule({ name: 'deleted', created: '2026-12-02T10:00:40Z' });
    const disabled = localSchedule({ name: 'disabled', created: '2026-12-02T10:00:40Z' });
    const updated = localSchedule({ name: 'updated', created: '2026-12-02T10:00:40Z' });
    for (const schedule of [deleted, disabled, updated]) h.schedules.put(schedule);
    await h.engine.start();
    await h.at('2026-12-02T10:00:59Z');
    const changedAt = new Date('2026-12-02T10:00:59.500Z');
    h.schedules.schedules.delete('sked-test/deleted');
    h.schedules.put({ ...disabled, state: 'DISABLED', lastModificationDate: changedAt });
    h.schedules.put({ ...updated, expression: 'cron(30 * * * ? *)', lastModificationDate: changedAt });

    // Act
    await h.at('2026-12-02T10:01:00Z', false);
    await h.at('2026-12-02T10:30:00Z', false);

    // Assess
    expect(h.queues.sent.map((message) => `${new Date(message.at).toISOString()} ${message.body}`)).toEqual([
      `2026-12-02T10:30:00.000Z ${body('2026-12-02T10:30:00Z')}`,
    ]);
    expect([...h.store.saved.keys()]).toEqual(['sked-test/disabled', 'sked-test/updated']);
  });

  it('skips ahead after the clock jumps forward (a machine that slept), as a restart does, and says so once', async () => {
    // Prepare: every minute, fired at 10:01; the machine sleeps three hours.
    const h = harness('2026-12-02T10:00:50Z');
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    await h.engine.start();
    await h.at('2026-12-02T10:01:00Z');

    // Act
    await h.at('2026-12-02T13:01:30Z');
    await h.at('2026-12-02T13:02:00Z', false);

    // Assess
    expect(h.delivered()).toEqual([
      `2026-12-02T10:01:00.000Z ${body('2026-12-02T10:01:00Z')}`,
      `2026-12-02T13:02:00.000Z ${body('2026-12-02T13:02:00Z')}`,
    ]);
    expect(h.lines.filter((line) => line.includes('clock'))).toEqual([
      'local scheduler: the clock jumped ahead (the machine slept?): what fell due from 2026-12-02T10:02:00.000Z ' +
        'to 2026-12-02T13:01:30.000Z is not fired, as after a restart',
    ]);
  });

  it('keeps at most maxDeliveriesInFlight deliveries under way, and delivers the rest as they finish', async () => {
    // Prepare: five schedules due at 10:01; sends hang until released.
    const h = harness('2026-12-02T10:00:50Z', { maxDeliveriesInFlight: 2 });
    for (const name of ['a', 'b', 'c', 'd', 'e'])
      h.schedules.put(localSchedule({ name, created: '2026-12-02T10:00:40Z' }));
    await h.engine.start();
    const releases: (() => void)[] = [];
    const send = h.queues.send.bind(h.queues);
    h.queues.send = (queueArn, message) =>
      new Promise<void>((resolve) => releases.push(resolve)).then(() => send(queueArn, message));

    // Act
    h.clock.set('2026-12-02T10:01:00Z');
    await h.engine.refresh();
    h.engine.advance();
    const atOnce = releases.length;
    const released = (async () => {
      for (let turn = 0; h.queues.sent.length < 5 && turn < 100; turn += 1) {
        releases.shift()?.();
        await new Promise((resolve) => setImmediate(resolve));
      }
    })();
    await released;
    await h.engine.idle();

    // Assess
    expect(atOnce).toBe(2);
    expect(h.queues.sent).toHaveLength(5);
  });

  it('sleeps between passes on one signal that stop() aborts, building no combined signal per pass', async () => {
    // Prepare: a clock whose sleeps take no time but let the event loop turn, keeping each pass's signal.
    const combine = vi.spyOn(AbortSignal, 'any');
    const h = harness('2026-12-02T10:00:50Z');
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    const signals: AbortSignal[] = [];
    h.clock.sleep = (ms, signal) => {
      if (signal !== undefined) signals.push(signal);
      h.clock.set(new Date(h.clock.now() + ms).toISOString());
      return new Promise((resolve) => setImmediate(resolve));
    };
    await h.engine.start();

    // Act
    h.engine.run();
    while (signals.length < 20) await new Promise((resolve) => setImmediate(resolve));
    const last = signals.at(-1);
    await h.engine.stop();
    const combined = combine.mock.calls.length;
    combine.mockRestore();

    // Assess
    expect(combined).toBe(0);
    expect(last?.aborted).toBe(true);
    expect(h.delivered().length).toBeGreaterThan(0);
  });

  it('keeps firing what it knows while the endpoint does not answer, and says so once', async () => {
    // Prepare
    const h = harness('2026-12-02T10:00:50Z');
    h.schedules.put(localSchedule({ created: '2026-12-02T10:00:40Z' }));
    await h.engine.start();
    h.schedules.list = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:4566'));

    // Act
    await h.at('2026-12-02T10:01:00Z');
    await h.at('2026-12-02T10:02:00Z');

    // Assess
    expect(h.delivered()).toHaveLength(2);
    expect(h.lines.filter((line) => line.includes('cannot list schedules'))).toEqual([
      'local scheduler: cannot list schedules (will keep trying): Error: connect ECONNREFUSED 127.0.0.1:4566',
    ]);
  });
});
