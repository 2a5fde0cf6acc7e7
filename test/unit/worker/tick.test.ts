import { describe, expect, it } from 'vitest';
import { TICK_BACKFILL_MS } from '../../../lib/domain/tick';
import type { QueueEnvelope } from '../../../lib/schemas/envelope';
import type { Job } from '../../../lib/schemas/job';
import type { RunStatus } from '../../../lib/schemas/run';
import { processMessage, type WorkerDeps } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage } from '../../support/worker/builders';
import { fakeWorld, type FakeWorld } from '../../support/worker/fake-world';
import { countingTask } from '../../support/worker/tasks';

const T0 = '2030-01-01T09:00:00.000Z';
const invocation = { remainingMs: () => 60_000 };
const SECOND = 1000;

/** A job every 5 seconds, created (and last changed) at T0. */
function everyFiveSeconds(overrides: Partial<Job> = {}): Job {
  return aJob({ trigger: { type: 'interval', seconds: 5 }, createdAt: T0, updatedAt: T0, ...overrides });
}

const tick = (scheduledTime: string, jobId = 'job-1'): QueueEnvelope => ({ v: 1, jobId, kind: 'tick', scheduledTime });

interface Pending {
  readonly body: string;
  readonly visibleAt: number;
}

/**
 * The worker over fakes, with the jobs queue played out: what a tick sends becomes visible after its DelaySeconds,
 * and `deliverUntil` hands each message to the worker at that moment (waits in the worker move the clock).
 */
function harness(job: Job): FakeWorld & {
  deps: WorkerDeps;
  runs: number[];
  runTick(scheduledTime: string, at?: string): Promise<string>;
  deliverUntil(at: string): Promise<void>;
  statuses(): Map<string, RunStatus>;
  pending: Pending[];
} {
  const { task, runs } = countingTask();
  const world = fakeWorld({ now: T0, tasks: [task] });
  const deps: WorkerDeps = {
    ...world.deps,
    sleep: (ms) => {
      world.clock.advance(ms);
      return Promise.resolve();
    },
  };
  world.jobs.jobs.set(job.id, job);
  const pending: Pending[] = [];
  const collect = () => {
    const now = world.clock.now().getTime();
    for (const sent of world.queue.delayed.splice(0)) {
      pending.push({ body: JSON.stringify(sent.envelope), visibleAt: now + sent.delaySeconds * SECOND });
    }
  };
  const moveTo = (at: string | number) => {
    const target = typeof at === 'number' ? at : Date.parse(at);
    const now = world.clock.now().getTime();
    if (target > now) world.clock.advance(target - now);
  };
  return {
    ...world,
    deps,
    runs,
    pending,
    async runTick(scheduledTime, at = scheduledTime) {
      moveTo(at);
      const message = aMessage(tick(scheduledTime), { sentAt: new Date(scheduledTime) });
      try {
        return await processMessage(deps, message, invocation);
      } finally {
        collect();
      }
    },
    async deliverUntil(at) {
      const until = Date.parse(at);
      pending.sort((a, b) => a.visibleAt - b.visibleAt);
      while (pending.length > 0 && (pending[0]?.visibleAt ?? Infinity) <= until) {
        const next = pending.shift();
        if (next === undefined) break;
        moveTo(next.visibleAt);
        const now = world.clock.now();
        await processMessage(deps, aMessage(next.body, { sentAt: now, firstReceivedAt: now }), invocation);
      }
      moveTo(until);
    },
    statuses() {
      return new Map([...world.ledger.runs.values()].map((run) => [run.runId, run.status]));
    },
  };
}

const scheduledTimes = (h: { pending: Pending[] }) =>
  h.pending.map((entry) => (JSON.parse(entry.body) as { scheduledTime: string }).scheduledTime);

describe("a second-precision job's tick", () => {
  it('enqueues the occurrences up to 11 minutes ahead, each visible within the second before its time', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());

    // Act
    const outcome = await h.runTick(T0);

    // Assess: 09:00:00 to 09:10:55, every 5 s
    expect(outcome).toBe('done');
    const times = scheduledTimes(h);
    expect(times).toHaveLength(132);
    expect([times[0], times.at(-1)]).toEqual(['2030-01-01T09:00:00.000Z', '2030-01-01T09:10:55.000Z']);
    const leads = h.pending.map((entry, index) => Date.parse(times[index] ?? '') - entry.visibleAt);
    expect(Math.min(...leads)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...leads)).toBeLessThan(SECOND);
    await expect(h.ticks.coverage('job-1')).resolves.toMatchObject({
      coveredUntil: new Date('2030-01-01T09:11:00.000Z'),
      basis: `${T0}#v1`,
    });
    expect(h.metrics.count('OccurrencesEnqueued')).toBe(132);
    expect(h.metrics.count('OccurrencesEnqueuedLate')).toBe(0);
  });

  it('runs each occurrence at its second, once, through the claim', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);

    // Act
    await h.deliverUntil('2030-01-01T09:00:58.000Z');

    // Assess: 12 occurrences in the first minute, each started exactly at its time
    expect(h.runs).toHaveLength(12);
    expect(h.metrics.lags).toEqual(Array.from({ length: 12 }, () => 0));
    expect([...h.statuses().values()].every((status) => status === 'succeeded')).toBe(true);
  });

  it('sends nothing when the same tick is delivered twice', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);
    const first = h.pending.length;

    // Act
    await h.runTick(T0, '2030-01-01T09:00:03.000Z');

    // Assess
    expect(h.pending).toHaveLength(first);
    expect(h.metrics.count('OccurrencesEnqueued')).toBe(first);
  });

  it('goes on from where the last tick stopped, so no occurrence is enqueued twice', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);

    // Act
    await h.runTick('2030-01-01T09:05:00.000Z', '2030-01-01T09:05:40.000Z');

    // Assess: the second tick adds 09:11:00 to 09:15:55
    const times = scheduledTimes(h);
    expect(new Set(times).size).toBe(times.length);
    expect(times).toHaveLength(132 + 60);
    expect(times.at(-1)).toBe('2030-01-01T09:15:55.000Z');
  });

  it('loses nothing when one tick is lost or 50 s late: the tick before already covered its minutes', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);

    // Act: the 09:05 tick never comes; the 09:10 one arrives 50 s late
    await h.deliverUntil('2030-01-01T09:10:50.000Z');
    await h.runTick('2030-01-01T09:10:00.000Z', '2030-01-01T09:10:50.000Z');
    await h.deliverUntil('2030-01-01T09:14:58.000Z');

    // Assess
    expect(h.metrics.count('OccurrencesEnqueuedLate')).toBe(0);
    expect(h.runs).toHaveLength(180);
    expect(new Set(h.metrics.lags)).toEqual(new Set([0]));
  });

  it('hands a first tick that came 50 s late its due occurrences at once, and the rest on time', async () => {
    // Prepare: the job asks for 20 s of misfire grace and runs every late occurrence (no coalescing)
    const h = harness(everyFiveSeconds({ misfireGraceSeconds: 20, coalesce: false }));

    // Act
    await h.runTick(T0, '2030-01-01T09:00:50.000Z');
    await h.deliverUntil('2030-01-01T09:02:00.000Z');

    // Assess: 09:00:00 to 09:00:25 are past their grace and missed, 09:00:30 to 09:00:45 run late, the rest on time;
    // a first tick expects what fell due since the write, so only those due more than 30 s count as enqueued late
    const statuses = h.statuses();
    expect(h.metrics.count('OccurrencesEnqueuedLate')).toBe(4);
    expect(statuses.get('20300101T090000Z')).toBe('missed');
    expect(statuses.get('20300101T090025Z')).toBe('missed');
    expect(statuses.get('20300101T090030Z')).toBe('succeeded');
    expect(statuses.get('20300101T090055Z')).toBe('succeeded');
    expect([...statuses.values()].filter((status) => status === 'missed')).toHaveLength(6);
    expect(h.metrics.lags.slice(0, 4)).toEqual([20, 15, 10, 5].map((seconds) => seconds * SECOND));
    expect(h.metrics.lags.slice(4).every((lag) => lag === 0)).toBe(true);
  });

  it('records the occurrences of lost ticks missed, and meters them, when ticks stop for longer than they reach', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);
    await h.deliverUntil('2030-01-01T09:11:00.000Z');

    // Act: no tick from 09:05 to 09:25; the 09:30 one comes
    await h.runTick('2030-01-01T09:30:00.000Z');
    await h.deliverUntil('2030-01-01T09:30:01.000Z');

    // Assess: 09:11:00 to 09:24:55 are past the 300 s grace and missed; 09:25:00 to 09:29:55 are within it but a
    // newer occurrence is due, so coalescing (on by default) skips them; 09:30:00 runs on time
    const statuses = h.statuses();
    const count = (status: RunStatus) => [...statuses.values()].filter((found) => found === status).length;
    expect(h.metrics.count('OccurrencesEnqueuedLate')).toBe(19 * 12);
    expect(statuses.get('20300101T091100Z')).toBe('missed');
    expect(statuses.get('20300101T092455Z')).toBe('missed');
    expect(statuses.get('20300101T092500Z')).toBe('skipped');
    expect(statuses.get('20300101T093000Z')).toBe('succeeded');
    expect([count('missed'), count('skipped')]).toEqual([14 * 12, 5 * 12]);
    expect(h.metrics.count('RunsMissed')).toBe(14 * 12);
  });

  it('counts, logs and meters the occurrences of a gap older than the backfill instead of enqueuing them', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);

    // Act: ticks stop for three hours
    await h.runTick('2030-01-01T12:00:00.000Z');

    // Assess: 09:11:00 to 10:59:59 is more than an hour back: 1,308 occurrences never enqueued
    const unrecovered = (3 * 60 - 11) * 12 - TICK_BACKFILL_MS / (5 * SECOND);
    expect(h.metrics.count('OccurrencesNotEnqueued')).toBe(unrecovered);
    expect(scheduledTimes(h).filter((time) => time >= '2030-01-01T09:11:00.000Z')[0]).toBe('2030-01-01T11:00:00.000Z');
    const errors = h.log.entries.filter((entry) => entry.level === 'error');
    expect(errors.map((entry) => entry.details['notEnqueued'])).toEqual([unrecovered]);
  });

  it('comes back and sends again when it fails part way, and every occurrence still runs once', async () => {
    // Prepare: the queue takes 3 batches, then fails
    const h = harness(everyFiveSeconds());
    h.queue.delayedSendsBeforeFailure = 3;
    h.queue.failure = new Error('SQS unavailable');

    // Act
    const failed = h.runTick(T0);
    await expect(failed).rejects.toThrow('SQS unavailable');
    const coverageAfterFailure = await h.ticks.coverage('job-1');
    h.queue.delayedSendsBeforeFailure = undefined;
    h.queue.failure = undefined;
    await h.runTick(T0, '2030-01-01T09:00:05.000Z');
    await h.deliverUntil('2030-01-01T09:03:00.000Z');

    // Assess: the first 30 were sent twice; each ran once
    expect(coverageAfterFailure).toBeUndefined();
    expect(h.messages.retries).toEqual([expect.objectContaining({ delaySeconds: 5 })]);
    expect(h.runs).toHaveLength(36);
    expect([...h.statuses().values()].filter((status) => status === 'succeeded')).toHaveLength(36);
    expect(h.log.entries.filter((entry) => entry.message.startsWith('duplicate delivery'))).toHaveLength(30);
  });

  it('starts afresh from the last change when the job is edited, and drops what the old trigger enqueued', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);
    await h.deliverUntil('2030-01-01T09:00:30.000Z');

    // Act: at 09:00:30 the interval becomes 7 s; the API's tick comes at once
    h.jobs.jobs.set(
      'job-1',
      everyFiveSeconds({
        trigger: { type: 'interval', seconds: 7 },
        version: 2,
        updatedAt: '2030-01-01T09:00:30.000Z',
      }),
    );
    await h.runTick('2030-01-01T09:00:30.000Z');
    await h.deliverUntil('2030-01-01T09:01:00.000Z');

    // Assess: 7 s from the creation time (09:00:35, :42, :49, :56), none of the old 5 s grid after the change
    const after = [...h.statuses().keys()].filter((runId) => runId > '20300101T090030Z').sort();
    expect(after).toEqual(['20300101T090035Z', '20300101T090042Z', '20300101T090049Z', '20300101T090056Z']);
    expect(h.log.entries.filter((entry) => entry.message.includes('not a fire time'))).not.toHaveLength(0);
  });

  it('drops a tick for a job that was deleted or moved back to minute precision', async () => {
    // Prepare
    const minute = harness(everyFiveSeconds({ trigger: { type: 'interval', minutes: 5 }, precision: 'minute' }));
    const deleted = harness(everyFiveSeconds());
    deleted.jobs.jobs.delete('job-1');

    // Act
    const outcomes = [await minute.runTick(T0), await deleted.runTick(T0)];

    // Assess
    expect(outcomes).toEqual(['done', 'done']);
    expect([minute.pending, deleted.pending]).toEqual([[], []]);
    await expect(minute.ticks.coverage('job-1')).resolves.toBeUndefined();
  });

  it('finishes a run that began before its trigger changed, and drops only occurrences that never started', async () => {
    // Prepare: 09:00:05 is claimed and fails its first attempt (its retry waits); then the interval becomes 7 s
    const h = harness(
      everyFiveSeconds({ retry: { maxAttempts: 2, initialSeconds: 30, multiplier: 1, maxSeconds: 30 } }),
    );
    h.ledger.seedRunning(
      { jobId: 'job-1', runId: '20300101T090005Z', scheduledTime: new Date('2030-01-01T09:00:05Z'), kind: 'schedule' },
      1,
      new Date('2030-01-01T09:00:06Z'),
    );
    h.jobs.jobs.set('job-1', everyFiveSeconds({ trigger: { type: 'interval', seconds: 7 }, version: 2 }));
    h.clock.advance(40_000);
    const retry = (scheduledTime: string) =>
      aMessage(
        { v: 1, jobId: 'job-1', kind: 'schedule', scheduledTime, tick: T0 },
        { receiveCount: 2, firstReceivedAt: new Date(scheduledTime) },
      );

    // Act
    const retried = await processMessage(h.deps, retry('2030-01-01T09:00:05.000Z'), invocation);
    const neverStarted = await processMessage(h.deps, retry('2030-01-01T09:00:10.000Z'), invocation);

    // Assess
    expect([retried, neverStarted]).toEqual(['done', 'done']);
    expect(h.statuses().get('20300101T090005Z')).toBe('succeeded');
    expect(h.statuses().has('20300101T090010Z')).toBe(false);
  });

  it('drops what a paused job had enqueued without recording a run for each', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);
    h.jobs.jobs.set('job-1', everyFiveSeconds({ state: 'paused', version: 2, updatedAt: T0 }));

    // Act
    await h.deliverUntil('2030-01-01T09:01:00.000Z');

    // Assess
    expect(h.runs).toEqual([]);
    expect(h.statuses().size).toBe(0);
  });

  it('keeps what is enqueued through an edit that leaves the fire times alone', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    await h.runTick(T0);
    const before = h.pending.length;
    h.jobs.jobs.set(
      'job-1',
      everyFiveSeconds({ description: 'renamed', version: 2, updatedAt: '2030-01-01T09:00:30.000Z' }),
    );

    // Act: the API's first tick of version 2
    await h.runTick('2030-01-01T09:00:30.000Z');

    // Assess: only the 30 s the horizon moved are added, none twice
    const times = scheduledTimes(h);
    expect(times.length - before).toBe(6);
    expect(new Set(times).size).toBe(times.length);
  });

  it('reads the coverage before the job, so it never starts an older record over a newer coverage', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    const calls: string[] = [];
    const deps: WorkerDeps = {
      ...h.deps,
      jobs: { get: (id) => (calls.push('job'), h.jobs.get(id)) },
      ticks: {
        coverage: (id) => (calls.push('coverage'), h.ticks.coverage(id)),
        advanceCoverage: (id, expected, next) => h.ticks.advanceCoverage(id, expected, next),
      },
    };

    // Act
    await processMessage(deps, aMessage(tick(T0)), invocation);

    // Assess
    expect(calls).toEqual(['coverage', 'job']);
  });

  it('counts nothing late for the first tick of a new job that comes a moment after the write', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());

    // Act: the API's tick, handled 300 ms after the create
    await h.runTick('2030-01-01T09:00:00.000Z', '2030-01-01T09:00:00.300Z');

    // Assess
    expect(h.metrics.count('OccurrencesEnqueuedLate')).toBe(0);
    expect(scheduledTimes(h)[0]).toBe('2030-01-01T09:00:00.000Z');
  });

  it('looks six minutes ahead of now when it comes more than a period late', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());

    // Act: the 09:00 tick delivered at 09:14
    await h.runTick(T0, '2030-01-01T09:14:00.000Z');

    // Assess
    await expect(h.ticks.coverage('job-1')).resolves.toMatchObject({
      coveredUntil: new Date('2030-01-01T09:20:00.000Z'),
    });
  });

  it('backs off a failing tick and gives it up after six deliveries instead of dead-lettering it', async () => {
    // Prepare
    const h = harness(everyFiveSeconds());
    h.queue.failure = new Error('SQS unavailable');
    const delivery = (receiveCount: number) => aMessage(tick(T0), { receiveCount });

    // Act
    const outcomes: string[] = [];
    for (let receive = 1; receive <= 6; receive++) {
      outcomes.push(await processMessage(h.deps, delivery(receive), invocation).catch(() => 'thrown'));
    }

    // Assess
    expect(outcomes).toEqual(['thrown', 'thrown', 'thrown', 'thrown', 'thrown', 'done']);
    expect(h.messages.retries.map((retry) => retry.delaySeconds)).toEqual([5, 10, 20, 40, 80]);
    expect(h.messages.deadLetters).toEqual([]);
    expect(h.log.entries.some((entry) => entry.level === 'error' && entry.message.includes('given up'))).toBe(true);
  });

  it('judges an occurrence sent back for arriving early by its redelivery, so a late one is recorded missed', async () => {
    // Prepare: first received 10 s early, redelivered 10 minutes after its time (a backlog)
    const h = harness(everyFiveSeconds());
    h.clock.advance(10 * 60_000);
    const message = aMessage(
      { v: 1, jobId: 'job-1', kind: 'schedule', scheduledTime: T0, tick: T0 },
      { receiveCount: 2, firstReceivedAt: new Date('2030-01-01T08:59:50Z') },
    );

    // Act
    await processMessage(h.deps, message, invocation);

    // Assess
    expect(h.statuses().get('20300101T090000Z')).toBe('missed');
  });

  it('does nothing for a paused job, and a resumed one starts from its resume', async () => {
    // Prepare
    const h = harness(everyFiveSeconds({ state: 'paused', version: 2 }));

    // Act
    await h.runTick(T0);
    const whilePaused = h.pending.length;
    h.jobs.jobs.set('job-1', everyFiveSeconds({ version: 3, updatedAt: '2030-01-01T09:20:00.000Z' }));
    await h.runTick('2030-01-01T09:20:00.000Z');

    // Assess
    expect(whilePaused).toBe(0);
    expect(scheduledTimes(h)[0]).toBe('2030-01-01T09:20:00.000Z');
  });

  it("keeps EventBridge's daylight-saving rules to the second: a skipped time does not fire, a repeated one once", async () => {
    // Prepare: every 30 s in the 02:00 and 01:00 hours of New York, around its 2030 clock changes
    const zoned = (hour: string, createdAt: string) =>
      aJob({
        trigger: { type: 'cron', second: '*/30', hour, timezone: 'America/New_York' },
        createdAt,
        updatedAt: createdAt,
      });
    const spring = harness(zoned('2', '2030-03-10T06:55:00.000Z'));
    const autumn = harness(zoned('1', '2030-11-03T05:55:00.000Z'));

    // Act: 2030-03-10 02:00 EST is skipped (07:00Z is 03:00 EDT); 2030-11-03 01:00-01:59 comes twice (EDT, EST)
    await spring.runTick('2030-03-10T06:55:00.000Z');
    await autumn.runTick('2030-11-03T05:55:00.000Z');
    await autumn.runTick('2030-11-03T06:00:00.000Z');

    // Assess
    expect(scheduledTimes(spring)).toEqual([]);
    await expect(spring.ticks.coverage('job-1')).resolves.toMatchObject({
      coveredUntil: new Date('2030-03-10T07:06:00.000Z'),
    });
    const autumnTimes = scheduledTimes(autumn);
    expect(autumnTimes).toHaveLength(10);
    expect([autumnTimes[0], autumnTimes.at(-1)]).toEqual(['2030-11-03T05:55:00.000Z', '2030-11-03T05:59:30.000Z']);
  });

  it('waits in the worker for an occurrence that arrives early, and sends one far too early back', async () => {
    // Prepare
    const h = harness(everyFiveSeconds({ trigger: { type: 'interval', seconds: 1 } }));
    const early = (at: string) =>
      aMessage({ v: 1, jobId: 'job-1', kind: 'schedule', scheduledTime: at, tick: T0 }, { sentAt: new Date(T0) });

    // Act
    const waited = await processMessage(h.deps, early('2030-01-01T09:00:02.000Z'), invocation);
    const sentBack = await processMessage(h.deps, early('2030-01-01T09:00:30.000Z'), invocation);

    // Assess
    expect([waited, sentBack]).toEqual(['done', 'retry']);
    expect(h.metrics.lags).toEqual([0]);
    expect(h.messages.retries).toEqual([expect.objectContaining({ delaySeconds: 28 })]);
  });
});
