import { describe, expect, it } from 'vitest';
import { TargetHttpError } from '../../../lib/domain/worker-errors';
import { processMessage } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage, ONE_ATTEMPT, scheduled } from '../../support/worker/builders';
import { fakeWorld } from '../../support/worker/fake-world';
import { AT, invocation, NOW, OCCURRENCE, RUN_ID } from '../../support/worker/occurrence';
import { echoTask } from '../../support/worker/tasks';

// What the worker runs for a claimed occurrence, and how it records and announces the outcome when the
// ledger, the job table or the event bus fail, or another delivery re-claims the run meanwhile.

/** A task that keeps each run's attempt and payload, fails when told to, and calls `during` while it runs. */
function scriptedTask(options: { failing?: boolean } = {}) {
  const runs: { attempt: number; payload: unknown }[] = [];
  const hooks: { during?: (attempt: number) => Promise<void> } = {};
  const task = echoTask('does what the test says', async (payload, context) => {
    runs.push({ attempt: context.attempt, payload });
    await hooks.during?.(context.attempt);
    if (options.failing === true) throw new Error(`attempt ${context.attempt} failed`);
    return 'ok';
  });
  return { task, runs, hooks };
}

const HOOK = {
  type: 'http' as const,
  url: 'https://hooks.example.com/run',
  method: 'POST' as const,
  headers: { 'x-team': 'ops' },
  body: { report: 'daily' },
  timeoutSeconds: 30,
};

describe('running the target', () => {
  it("calls an http job's webhook with the run's ids and a timeout cut to the deadline, and records its answer", async () => {
    // Prepare
    const world = fakeWorld({
      now: NOW,
      settings: { reserveMs: 5_000 },
      webhook: () => Promise.resolve({ status: 202, body: 'accepted' }),
    });
    world.jobs.seed(aJob({ target: HOOK }));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), { remainingMs: () => 20_000 });

    // Assess
    expect(outcome).toBe('done');
    expect(world.webhooks.calls).toHaveLength(1);
    expect(world.webhooks.calls[0]).toMatchObject({
      url: HOOK.url,
      method: 'POST',
      headers: { 'x-team': 'ops' },
      body: { report: 'daily' },
      jobId: 'job-1',
      runId: RUN_ID,
      scheduledTime: new Date(AT),
      attempt: 1,
      timeoutMs: 15_000,
    });
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'succeeded',
      result: { status: 202, body: 'accepted' },
    });
  });

  it('retries a webhook that answers 503, keeping the start of its answer in the error', async () => {
    // Prepare
    const world = fakeWorld({
      now: NOW,
      webhook: () => Promise.reject(new TargetHttpError(503, 'upstream busy')),
    });
    world.jobs.seed(
      aJob({ target: HOOK, retry: { maxAttempts: 3, initialSeconds: 20, multiplier: 2, maxSeconds: 60 } }),
    );
    const message = aMessage(scheduled('job-1', AT));

    // Act
    const outcome = await processMessage(world.deps, message, invocation);

    // Assess
    expect(outcome).toBe('retry');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'running',
      error: { class: 'TargetHttpError', message: 'webhook answered 503: upstream busy', category: 'http_5xx' },
    });
    expect(world.metrics.count('RunsRetried:http_5xx')).toBe(1);
    expect(world.messages.retries).toEqual([{ messageId: message.messageId, delaySeconds: 20 }]);
  });

  it('fails at once, without retries, a job whose task this worker does not know', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW, tasks: [] });
    world.jobs.seed(aJob({ target: { type: 'task', task: 'retired', payload: {} } }));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: {
        class: 'PayloadValidationError',
        message: "no task named 'retired' is registered",
        category: 'payload_validation',
      },
    });
    expect(world.messages.retries).toEqual([]);
    expect(world.messages.deadLetters[0]?.note).toMatchObject({ detail: 'failure is not retryable' });
  });

  it("runs a run-now with the payload it was given instead of the job's", async () => {
    // Prepare
    const { task, runs } = scriptedTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ target: { type: 'task', task: 'echo', payload: { to: 'the job' } } }));
    const envelope = {
      v: 1 as const,
      jobId: 'job-1',
      kind: 'manual' as const,
      runId: 'm-1',
      requestedAt: NOW,
      payload: { to: 'this run' },
    };

    // Act
    await processMessage(world.deps, aMessage(envelope), invocation);

    // Assess
    expect(runs).toEqual([{ attempt: 1, payload: { to: 'this run' } }]);
  });

  it('records a timeout without starting the target when no time is left beyond the reserve', async () => {
    // Prepare
    const { task, runs } = scriptedTask();
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { reserveMs: 5_000 } });
    world.jobs.seed(aJob());

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), { remainingMs: () => 4_000 });

    // Assess
    expect(outcome).toBe('retry');
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'running',
      error: { class: 'TaskTimeoutError', message: 'target did not finish within 0 ms', category: 'timeout' },
    });
    expect(world.metrics.count('RunsRetried:timeout')).toBe(1);
  });
});

describe('a run another delivery re-claimed while it ran', () => {
  it('keeps the result of the delivery that re-claimed it, not the late one', async () => {
    // Prepare: the first run outlives its lease; meanwhile SQS delivers the record again and that delivery runs it
    const { task, runs, hooks } = scriptedTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    hooks.during = async (attempt) => {
      if (attempt !== 1) return;
      world.clock.advance(61_000);
      const redelivery = aMessage(scheduled('job-1', AT), { receiveCount: 2, firstReceivedAt: new Date(NOW) });
      await processMessage(world.deps, redelivery, invocation);
    };

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs.map((run) => run.attempt)).toEqual([1, 2]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(world.metrics.count('RunsSucceeded')).toBe(1);
    expect(world.events.types()).toEqual(['RunSucceeded']);
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({
        level: 'WARN',
        message: 'another delivery re-claimed this run after its lease lapsed; result not recorded',
        attempt: '1',
      }),
    );
  });

  it('sends no retry for a failed attempt of a run re-claimed meanwhile', async () => {
    // Prepare
    const { task, hooks } = scriptedTask({ failing: true });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: { maxAttempts: 3, initialSeconds: 1, multiplier: 1, maxSeconds: 1 } }));
    hooks.during = () => {
      world.ledger.seedRunning(OCCURRENCE, 2, new Date('2030-01-01T09:10:00Z'));
      return Promise.resolve();
    };

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.ledger.writes).toEqual([`claim ${RUN_ID} slot 0`, `release ${RUN_ID}`]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running', attempts: 2 });
    expect(world.messages.retries).toEqual([]);
    expect(world.metrics.count('RunsRetried:task_exception')).toBe(0);
    expect(world.events.types()).toEqual([]);
  });

  it('sends no DLQ copy for a last failed attempt of a run re-claimed meanwhile', async () => {
    // Prepare
    const { task, hooks } = scriptedTask({ failing: true });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: ONE_ATTEMPT }));
    hooks.during = () => {
      world.ledger.seedRunning(OCCURRENCE, 2, new Date('2030-01-01T09:10:00Z'));
      return Promise.resolve();
    };

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.ledger.writes).toEqual([`claim ${RUN_ID} slot 0`, `finish ${RUN_ID} failed`]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running', attempts: 2 });
    expect(world.messages.deadLetters).toEqual([]);
    expect(world.metrics.count('RunsFailed:task_exception')).toBe(0);
    expect(world.events.types()).toEqual([]);
  });
});

describe('a message received again while its first receive still runs', () => {
  it("is brought back when the first receive's lease ends, not acknowledged, and then settles the run", async () => {
    // Prepare: SQS hands the message out again during attempt 1, which then fails for a retry
    const { task, hooks } = scriptedTask({ failing: true });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 } }));
    const message = aMessage(scheduled('job-1', AT));
    const duplicates: string[] = [];
    hooks.during = async (attempt) => {
      if (attempt !== 1) return;
      world.clock.advance(2_000);
      duplicates.push(await processMessage(world.deps, { ...message, receiveCount: 2 }, invocation));
    };

    // Act
    const first = await processMessage(world.deps, message, invocation);
    world.clock.advance(60_000);
    const back = await processMessage(world.deps, { ...message, receiveCount: 3 }, invocation);

    // Assess
    expect(duplicates).toEqual(['retry']);
    expect(world.messages.retries).toEqual([
      { messageId: message.messageId, delaySeconds: 59 },
      { messageId: message.messageId, delaySeconds: 1 },
    ]);
    expect([first, back]).toEqual(['retry', 'done']);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'failed', attempts: 2 });
    expect(world.messages.deadLetters).toHaveLength(1);
  });

  it("acknowledges a delivery of another message while the run is held, since the holder's message stays", async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });
    world.jobs.seed(aJob());
    world.ledger.seedRunning(OCCURRENCE, 1, new Date('2030-01-01T09:05:00Z'), 'message-of-the-holder');

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.messages.retries).toEqual([]);
  });
});

describe('an outcome the ledger will not take', () => {
  it('leaves a failed run for SQS to deliver again, sending no DLQ copy, when the failure cannot be recorded', async () => {
    // Prepare
    const { task } = scriptedTask({ failing: true });
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { completionWriteAttempts: 3 } });
    world.jobs.seed(aJob({ retry: ONE_ATTEMPT }));
    world.deps.ledger.finish = () => Promise.reject(new Error('InternalServerError'));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('retry');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running', attempts: 1 });
    expect(world.messages.deadLetters).toEqual([]);
    expect(world.events.types()).toEqual([]);
    expect(world.metrics.count('RunsFailed:task_exception')).toBe(0);
    expect(world.metrics.count('WorkerErrors:task_exception')).toBe(3);
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'could not record the outcome; SQS will deliver the message again',
      }),
    );
  });

  it('announces a retry but does not bring it back early when the hold could not be released', async () => {
    // Prepare
    const { task } = scriptedTask({ failing: true });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: { maxAttempts: 3, initialSeconds: 1, multiplier: 1, maxSeconds: 1 } }));
    world.deps.ledger.release = () => Promise.reject(new Error('InternalServerError'));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('retry');
    expect(world.messages.retries).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running', attempts: 1 });
    expect(world.metrics.count('RunsRetried:task_exception')).toBe(1);
    expect(world.events.types()).toEqual(['RunRetrying']);
  });
});

describe('an outcome written whose response was lost', () => {
  /** finish() commits once, then its response is lost: the call fails as a network error would. */
  function loseFirstFinishResponse(world: ReturnType<typeof fakeWorld>): void {
    const finish = world.ledger.finish.bind(world.ledger);
    let calls = 0;
    world.deps.ledger.finish = async (claim, run) => {
      calls += 1;
      await finish(claim, run);
      if (calls === 1) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    };
  }

  it('announces a success whose write committed though its response was lost', async () => {
    // Prepare
    const { task } = scriptedTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    loseFirstFinishResponse(world);

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.ledger.writes).toEqual([
      `claim ${RUN_ID} slot 0`,
      `finish ${RUN_ID} succeeded`,
      `finish ${RUN_ID} succeeded`,
    ]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 1 });
    expect(world.metrics.count('RunsSucceeded')).toBe(1);
    expect(world.events.types()).toEqual(['RunSucceeded']);
  });

  it('dead-letters a last failure whose write committed though its response was lost', async () => {
    // Prepare
    const { task } = scriptedTask({ failing: true });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: ONE_ATTEMPT }));
    loseFirstFinishResponse(world);
    const message = aMessage(scheduled('job-1', AT));

    // Act
    const outcome = await processMessage(world.deps, message, invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(world.messages.deadLetters).toHaveLength(1);
    expect(world.messages.deadLetters[0]).toMatchObject({
      messageId: message.messageId,
      note: { reason: 'exhausted' },
    });
    expect(world.metrics.count('RunsFailed:task_exception')).toBe(1);
    expect(world.events.types()).toEqual(['RunFailed', 'RunDeadLettered']);
  });

  it('brings a retry back after the backoff when its release committed though its response was lost', async () => {
    // Prepare
    const { task } = scriptedTask({ failing: true });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: { maxAttempts: 3, initialSeconds: 1, multiplier: 1, maxSeconds: 1 } }));
    const release = world.ledger.release.bind(world.ledger);
    let calls = 0;
    world.deps.ledger.release = async (claim, error, at) => {
      calls += 1;
      await release(claim, error, at);
      if (calls === 1) throw Object.assign(new Error('socket hang up'), { name: 'TimeoutError' });
    };
    const message = aMessage(scheduled('job-1', AT));

    // Act
    const outcome = await processMessage(world.deps, message, invocation);

    // Assess
    expect(outcome).toBe('retry');
    expect(world.messages.retries).toEqual([{ messageId: message.messageId, delaySeconds: 1 }]);
    expect(world.events.types()).toEqual(['RunRetrying']);
  });
});

describe('a failing job table or event bus', () => {
  it('keeps the run of a date job succeeded when the job cannot be marked completed', async () => {
    // Prepare
    const { task } = scriptedTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ trigger: { type: 'date', runAt: AT } }));
    const deps = {
      ...world.deps,
      completion: {
        markCompleted: () =>
          Promise.reject(Object.assign(new Error('rate exceeded'), { name: 'ProvisionedThroughputExceededException' })),
      },
    };

    // Act
    const outcome = await processMessage(deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded' });
    expect(world.jobs.jobs.get('job-1')?.state).toBe('enabled');
    expect(world.events.types()).toEqual(['RunSucceeded']);
    expect(world.metrics.count('WorkerErrors:throttled')).toBe(1);
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({ level: 'ERROR', message: 'could not mark the date job completed' }),
    );
  });

  it('records the run when the event bus is down, logging and counting the event it lost', async () => {
    // Prepare
    const { task } = scriptedTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    world.events.failWith = Object.assign(new Error('bus unavailable'), { name: 'InternalException' });

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded' });
    expect(world.metrics.count('RunsSucceeded')).toBe(1);
    expect(world.metrics.count('WorkerErrors:task_exception')).toBe(1);
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({
        level: 'ERROR',
        message: 'could not publish lifecycle event',
        eventType: 'RunSucceeded',
        error: { class: 'InternalException', message: 'bus unavailable', category: 'task_exception' },
      }),
    );
  });
});
