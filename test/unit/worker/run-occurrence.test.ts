import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { defineTask } from '../../../lib/domain/task';
import { processBatch, processMessage } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage, ONE_ATTEMPT, scheduled } from '../../support/worker/builders';
import { fakeWorld } from '../../support/worker/fake-world';
import { AT, invocation, NOW, OCCURRENCE, redriveAttributes, RUN_ID } from '../../support/worker/occurrence';
import { countingTask, failingTask, fixableTask, slowTask, stopsWhenAborted } from '../../support/worker/tasks';

describe('processMessage', () => {
  it('runs a due occurrence with one claim and one completion write', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([1]);
    expect(world.ledger.writes).toEqual([`claim ${RUN_ID} slot 0`, `finish ${RUN_ID} succeeded`]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { attempt: 1 },
    });
    expect(world.metrics.count('RunsSucceeded')).toBe(1);
    expect(world.metrics.lags).toEqual([5000]);
    expect(world.events.types()).toEqual(['RunSucceeded']);
  });

  it('acknowledges a second delivery of a finished occurrence without running it', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([1]);
  });

  it('runs one of five concurrent deliveries of the same occurrence', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ maxConcurrent: 5 }));
    const messages = Array.from({ length: 5 }, () => aMessage(scheduled('job-1', AT)));

    // Act
    const failed = await processBatch(world.deps, messages, invocation);

    // Assess
    expect(failed).toEqual([]);
    expect(runs).toEqual([1]);
  });

  it('re-claims and runs a running occurrence whose lease lapsed after a crash', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    world.ledger.seedRunning(OCCURRENCE, 1, new Date('2030-01-01T09:00:04Z'));
    world.ledger.holdSlot('job-1', 0, RUN_ID, new Date('2030-01-01T09:00:04Z'));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([2]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 2 });
  });

  it('leaves a running occurrence with a live lease to the delivery that holds it', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    world.ledger.seedRunning(OCCURRENCE, 1, new Date('2030-01-01T09:05:00Z'));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running' });
  });

  it('moves an unparseable message to the DLQ with the reason and never retries it', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });

    // Act
    const outcome = await processMessage(world.deps, aMessage('{"v":1,"jobId":"job-1"}'), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.messages.deadLetters).toHaveLength(1);
    expect(world.messages.deadLetters[0]?.note).toMatchObject({ reason: 'unparseable' });
    expect(world.messages.deadLetters[0]?.note.detail).toContain('kind');
    expect(world.metrics.count('EnvelopesRejected')).toBe(1);
    expect(world.messages.retries).toEqual([]);
  });

  it('drops the message of a deleted job with a log line', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('gone', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.ledger.writes).toEqual([]);
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({ message: 'job no longer exists; message dropped', jobId: 'gone' }),
    );
  });

  it('records a scheduled occurrence of a paused job as skipped (paused)', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ state: 'paused' }));

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'skipped', reason: 'paused' });
    expect(world.metrics.count('RunsSkipped:paused')).toBe(1);
    expect(world.events.types()).toEqual(['RunSkipped']);
  });

  it('runs a run-now of a paused job', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ state: 'paused' }));
    const envelope = { v: 1 as const, jobId: 'job-1', kind: 'manual' as const, runId: 'm-1', requestedAt: NOW };

    // Act
    await processMessage(world.deps, aMessage(envelope), invocation);

    // Assess
    expect(runs).toEqual([1]);
    expect(await world.ledger.get('job-1', 'm-1')).toMatchObject({ status: 'succeeded', kind: 'manual' });
  });

  it('runs a run-now the API recorded as queued, once, in place of the queued record', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    const manual = { jobId: 'job-1', runId: 'm-1', scheduledTime: new Date(NOW), kind: 'manual' as const };
    await world.ledger.enqueue(manual, new Date(NOW));
    const envelope = { v: 1 as const, jobId: 'job-1', kind: 'manual' as const, runId: 'm-1', requestedAt: NOW };

    // Act
    await processMessage(world.deps, aMessage(envelope), invocation);
    await processMessage(world.deps, aMessage(envelope, { messageId: 'duplicate' }), invocation);

    // Assess
    expect(runs).toEqual([1]);
    expect(await world.ledger.get('job-1', 'm-1')).toMatchObject({
      status: 'succeeded',
      kind: 'manual',
      attempts: 1,
      scheduledTime: NOW,
    });
  });

  it('records an occurrence that starts after the misfire grace as missed', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: '2030-01-01T09:05:01Z', tasks: [task] });
    world.jobs.seed(aJob({ misfireGraceSeconds: 300, trigger: { type: 'interval', hours: 1 } }));

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'missed', reason: 'misfire', attempts: 0 });
    expect(world.metrics.count('RunsMissed')).toBe(1);
    expect(world.events.types()).toEqual(['RunMissed']);
  });

  it('does not judge a retry by the misfire grace', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: '2030-01-01T10:00:00Z', tasks: [task] });
    world.jobs.seed(aJob({ misfireGraceSeconds: 60, coalesce: false }));
    world.ledger.seedRunning(OCCURRENCE, 1, new Date('2030-01-01T09:01:00Z'));

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(runs).toEqual([2]);
  });

  it('skips an occurrence whose next fire time has passed when coalescing', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: '2030-01-01T09:05:30Z', tasks: [task] });
    world.jobs.seed(
      aJob({ coalesce: true, misfireGraceSeconds: 3600, trigger: { type: 'cron', expression: '*/5 * * * *' } }),
    );

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'skipped', reason: 'coalesced' });
    expect(world.metrics.count('RunsSkipped:coalesced')).toBe(1);
  });

  it('skips an occurrence when every slot is taken and overlap is skip', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ maxConcurrent: 1, overlap: 'skip' }));
    world.ledger.holdSlot('job-1', 0, 'earlier-run', new Date('2030-01-01T09:10:00Z'));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'skipped', reason: 'overlap' });
    expect(world.metrics.count('RunsSkipped:overlap')).toBe(1);
  });

  it('retries an occurrence later when every slot is taken and overlap is queue', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { overlapRetrySeconds: 7 } });
    world.jobs.seed(aJob({ maxConcurrent: 2, overlap: 'queue' }));
    world.ledger.holdSlot('job-1', 0, 'run-a', new Date('2030-01-01T09:10:00Z'));
    world.ledger.holdSlot('job-1', 1, 'run-b', new Date('2030-01-01T09:10:00Z'));
    const message = aMessage(scheduled('job-1', AT));

    // Act
    const outcome = await processMessage(world.deps, message, invocation);

    // Assess
    expect(outcome).toBe('retry');
    expect(runs).toEqual([]);
    expect(world.messages.retries).toEqual([{ messageId: message.messageId, delaySeconds: 7 }]);
    expect(await world.ledger.get('job-1', RUN_ID)).toBeUndefined();
  });

  it('counts a run still holding a slot above a lowered maxConcurrent against the new limit', async () => {
    // Prepare: the limit was 2; a run took slot 1 before it was lowered to 1
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ maxConcurrent: 1, overlap: 'skip' }));
    world.ledger.holdSlot('job-1', 1, 'run-under-the-old-limit', new Date('2030-01-01T09:10:00Z'));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'skipped', reason: 'overlap' });
  });

  it('takes a slot whose lease lapsed', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ maxConcurrent: 1, overlap: 'skip' }));
    world.ledger.holdSlot('job-1', 0, 'crashed-run', new Date('2030-01-01T09:00:00Z'));

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(runs).toEqual([1]);
  });

  it('retries a failed attempt after the backoff delay and keeps the error', async () => {
    // Prepare
    const { task } = failingTask(2);
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: { maxAttempts: 3, initialSeconds: 1, multiplier: 2, maxSeconds: 60 } }));
    const message = aMessage(scheduled('job-1', AT));

    // Act
    const first = await processMessage(world.deps, message, invocation);
    const second = await processMessage(world.deps, message, invocation);
    const afterSecond = await world.ledger.get('job-1', RUN_ID);
    const third = await processMessage(world.deps, message, invocation);

    // Assess
    expect([first, second, third]).toEqual(['retry', 'retry', 'done']);
    expect(world.messages.retries.map((retry) => retry.delaySeconds)).toEqual([1, 2]);
    expect(afterSecond).toMatchObject({
      status: 'running',
      attempts: 2,
      error: { message: 'attempt 2 failed', category: 'task_exception' },
    });
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 3 });
    expect((await world.ledger.get('job-1', RUN_ID))?.error).toBeUndefined();
    expect(world.events.types()).toEqual(['RunRetrying', 'RunRetrying', 'RunSucceeded']);
  });

  it('fails the run and moves the envelope to the DLQ once attempts are exhausted', async () => {
    // Prepare
    const { task } = failingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 2, maxSeconds: 60 } }));
    const message = aMessage(scheduled('job-1', AT));

    // Act
    await processMessage(world.deps, message, invocation);
    const outcome = await processMessage(world.deps, message, invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'failed',
      attempts: 2,
      error: { category: 'task_exception' },
    });
    expect(world.messages.deadLetters).toHaveLength(1);
    expect(world.messages.deadLetters[0]).toMatchObject({
      messageId: message.messageId,
      body: message.body,
      note: { reason: 'exhausted', attempts: 2, error: { message: 'attempt 2 failed' } },
    });
    expect(world.metrics.count('RunsFailed:task_exception')).toBe(1);
    expect(world.events.types()).toEqual(['RunRetrying', 'RunFailed', 'RunDeadLettered']);
  });

  it('fails at once, without retries, a payload that does not match the task', async () => {
    // Prepare
    const task = defineTask({
      name: 'strict',
      description: 'needs a name',
      payload: z.object({ name: z.string() }),
      timeoutSeconds: 5,
      run: () => Promise.resolve('never'),
    });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ target: { type: 'task', task: 'strict', payload: { name: 7 } } }));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'failed',
      error: { category: 'payload_validation' },
    });
    expect(world.messages.retries).toEqual([]);
  });

  it('records a timeout when the task outlives its budget before the deadline', async () => {
    // Prepare
    const task = slowTask('slow', 'never ends in time', stopsWhenAborted);
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { reserveMs: 5_000 } });
    world.jobs.seed(
      aJob({
        target: { type: 'task', task: 'slow', payload: {} },
        retry: { maxAttempts: 1, initialSeconds: 1, multiplier: 2, maxSeconds: 60 },
      }),
    );

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), { remainingMs: () => 5_050 });

    // Assess
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'failed',
      error: { class: 'TaskTimeoutError', category: 'timeout' },
    });
  });

  it('keeps the run and its slot held until the deadline when a timed-out task ignores its abort', async () => {
    // Prepare: a task that never ends and never looks at its signal; the budget is 100 ms before the 5 s reserve
    const signals: AbortSignal[] = [];
    const attempts: number[] = [];
    const task = slowTask('stubborn', 'ignores its abort signal', (_payload, context) => {
      signals.push(context.signal);
      attempts.push(context.attempt);
      return context.attempt === 1 ? new Promise(() => undefined) : Promise.resolve('done');
    });
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { reserveMs: 5_000 } });
    world.jobs.seed(
      aJob({
        target: { type: 'task', task: 'stubborn', payload: {} },
        retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 },
      }),
    );
    const message = aMessage(scheduled('job-1', AT));
    const deadline = new Date(new Date(NOW).getTime() + 5_100);

    // Act
    const first = await processMessage(world.deps, message, { remainingMs: () => 5_100 });
    world.clock.advance(3_000);
    const early = await processMessage(world.deps, { ...message, receiveCount: 2 }, invocation);
    world.clock.advance(4_000);
    const back = await processMessage(world.deps, { ...message, receiveCount: 3 }, invocation);

    // Assess
    expect(signals[0]?.aborted).toBe(true);
    expect([first, early, back]).toEqual(['retry', 'retry', 'done']);
    expect(world.messages.retries[0]).toEqual({ messageId: message.messageId, delaySeconds: 7 });
    expect(world.ledger.writes.slice(0, 2)).toEqual([`claim ${RUN_ID} slot 0`, `release ${RUN_ID}`]);
    expect(attempts).toEqual([1, 2]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({
        message: 'the timed-out target did not stop when aborted; its run and slot stay held until the deadline',
        holdUntil: deadline.toISOString(),
      }),
    );
  });

  it('keeps the slot of a timed-out task that ignores its abort held when it fails for good', async () => {
    // Prepare
    const task = slowTask('stubborn', 'ignores its abort signal', () => new Promise(() => undefined));
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { reserveMs: 5_000 } });
    world.jobs.seed(aJob({ target: { type: 'task', task: 'stubborn', payload: {} }, retry: ONE_ATTEMPT }));

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), { remainingMs: () => 5_100 });

    // Assess
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'failed',
      error: { class: 'TaskTimeoutError' },
    });
    expect(world.ledger.slots.get('job-1|0')).toEqual({
      holder: RUN_ID,
      token: 'token-1',
      leaseUntil: new Date(NOW).getTime() + 5_100,
    });
  });

  it('frees the run and its slot at once when a timed-out task stops on its abort', async () => {
    // Prepare
    const task = slowTask('polite', 'stops when aborted', stopsWhenAborted);
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { reserveMs: 5_000 } });
    world.jobs.seed(
      aJob({
        target: { type: 'task', task: 'polite', payload: {} },
        retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 },
      }),
    );

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), { remainingMs: () => 5_100 });

    // Assess
    expect(outcome).toBe('retry');
    expect(world.messages.retries.map((retry) => retry.delaySeconds)).toEqual([1]);
    expect(world.ledger.runs.get(`job-1|${RUN_ID}`)).toMatchObject({ status: 'running', leaseUntil: 0 });
    expect(world.ledger.slots.get('job-1|0')).toEqual({});
  });

  it('marks a date job completed after its occurrence succeeds', async () => {
    // Prepare
    const { task } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ trigger: { type: 'date', runAt: AT } }));

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(world.jobs.completed).toEqual(['job-1']);
    expect(world.events.types()).toEqual(['RunSucceeded', 'JobCompleted']);
  });

  it('uses the SentTimestamp when the scheduled time placeholder arrives unsubstituted, and says so', async () => {
    // Prepare
    const { task } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());

    // Act
    await processMessage(
      world.deps,
      aMessage(scheduled('job-1', '<aws.scheduler.scheduled-time>'), { sentAt: new Date('2030-01-01T09:00:03Z') }),
      invocation,
    );

    // Assess
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'succeeded',
      scheduledTime: '2030-01-01T09:00:00.000Z',
    });
    const warning = world.log.lines.find((line) => line.level === 'WARN' && line.message.includes('SentTimestamp'));
    expect(warning).toMatchObject({ runId: RUN_ID, sentTimestamp: '2030-01-01T09:00:03.000Z' });
  });

  it('writes the ids on every log line of a run', async () => {
    // Prepare
    const { task } = failingTask(1);
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(world.log.lines.length).toBeGreaterThan(1);
    for (const line of world.log.lines) {
      expect(line).toMatchObject({ jobId: 'job-1', runId: RUN_ID, scheduledTime: '2030-01-01T09:00:00.000Z' });
    }
  });
});

describe('processBatch', () => {
  it('reports only the failing record and runs the others', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ id: 'job-1' }));
    world.jobs.seed(aJob({ id: 'job-2' }));
    const failing = aMessage(scheduled('job-1', AT));
    const passing = aMessage(scheduled('job-2', AT));
    const original = world.deps.ledger.claim.bind(world.deps.ledger);
    world.deps.ledger.claim = (request) =>
      request.occurrence.jobId === 'job-1' ? Promise.reject(new Error('DynamoDB unavailable')) : original(request);

    // Act
    const failed = await processBatch(world.deps, [failing, passing], invocation);

    // Assess
    expect(failed).toEqual([failing.messageId]);
    expect(runs).toEqual([1]);
    expect(await world.ledger.get('job-1', RUN_ID)).toBeUndefined();
  });

  it('absorbs a completion write that fails once, recording the run a single time', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    const original = world.deps.ledger.finish.bind(world.deps.ledger);
    let failures = 1;
    world.deps.ledger.finish = (claim, run) =>
      failures-- > 0 ? Promise.reject(new Error('InternalServerError')) : original(claim, run);

    // Act
    const failed = await processBatch(world.deps, [aMessage(scheduled('job-1', AT))], invocation);

    // Assess
    expect(failed).toEqual([]);
    expect(runs).toEqual([1]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded' });
  });

  it('leaves the run unfinished and the record failed when the completion cannot be written', async () => {
    // Prepare
    const { task } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    world.deps.ledger.finish = () => Promise.reject(new Error('InternalServerError'));
    const message = aMessage(scheduled('job-1', AT));

    // Act
    const failed = await processBatch(world.deps, [message], invocation);

    // Assess
    expect(failed).toEqual([message.messageId]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running' });
    expect(world.metrics.count('RunsSucceeded')).toBe(0);
  });

  it('runs a redriven failed occurrence again with a fresh attempt budget, past the misfire grace', async () => {
    // Prepare: attempts exhausted, then the cause is fixed and an hour later the DLQ copy is moved back
    const { task, state } = fixableTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 } }));
    const original = aMessage(scheduled('job-1', AT));
    await processMessage(world.deps, original, invocation);
    await processMessage(world.deps, original, invocation);
    const note = world.messages.deadLetters[0]?.note;
    state.failing = false;
    world.clock.advance(3_600_000);
    const redriven = aMessage(scheduled('job-1', AT), { attributes: redriveAttributes(note?.redrives) });

    // Act
    const outcome = await processMessage(world.deps, redriven, invocation);
    const again = await processMessage(
      world.deps,
      aMessage(scheduled('job-1', AT), { attributes: redriveAttributes() }),
      invocation,
    );

    // Assess
    expect(note).toMatchObject({ reason: 'exhausted', runId: RUN_ID, scheduledTime: new Date(AT), redrives: 0 });
    expect([outcome, again]).toEqual(['done', 'done']);
    expect(state.runs).toBe(3);
    expect(world.ledger.runs.get(`job-1|${RUN_ID}`)).toMatchObject({ status: 'succeeded', attempts: 1, redrives: 1 });
    expect(world.metrics.count('RunsMissed')).toBe(0);
    expect(world.events.types()).toEqual(['RunRetrying', 'RunFailed', 'RunDeadLettered', 'RunSucceeded']);
  });

  it('retries a redriven run that fails again and dead-letters it with the new redrive count', async () => {
    // Prepare
    const { task, state } = fixableTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 } }));
    world.ledger.seedRunning(OCCURRENCE, 1, new Date(0));
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);
    const redriven = aMessage(scheduled('job-1', AT), { attributes: redriveAttributes(0) });

    // Act
    const first = await processMessage(world.deps, redriven, invocation);
    const second = await processMessage(world.deps, redriven, invocation);

    // Assess
    expect([first, second]).toEqual(['retry', 'done']);
    expect(state.runs).toBe(3);
    expect(world.ledger.runs.get(`job-1|${RUN_ID}`)).toMatchObject({ status: 'failed', attempts: 2, redrives: 1 });
    expect(world.messages.deadLetters.map((dead) => dead.note.redrives)).toEqual([0, 1]);
  });

  it('never runs a succeeded occurrence again when a DLQ copy of it is redriven', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Act
    const outcome = await processMessage(
      world.deps,
      aMessage(scheduled('job-1', AT), { attributes: redriveAttributes() }),
      invocation,
    );

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([1]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('dead-letters a failed run when its own message comes back because the DLQ copy could not be sent', async () => {
    // Prepare
    const { task } = failingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: ONE_ATTEMPT }));
    const message = aMessage(scheduled('job-1', AT));
    world.messages.failingDeadLetters = 1;

    // Act
    const first = await processBatch(world.deps, [message], invocation);
    world.clock.advance(600_000);
    const second = await processMessage(world.deps, { ...message, receiveCount: 2 }, invocation);
    const duplicate = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(first).toEqual([message.messageId]);
    expect([second, duplicate]).toEqual(['done', 'done']);
    expect(world.messages.deadLetters).toHaveLength(1);
    expect(world.messages.deadLetters[0]).toMatchObject({ messageId: message.messageId, note: { attempts: 1 } });
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'failed', attempts: 1 });
    expect(world.metrics.count('RunsFailed:task_exception')).toBe(1);
  });

  it('judges a redelivered first attempt by when it was first delivered, not by now, for the misfire grace', async () => {
    // Prepare: the first delivery met a passing DynamoDB error; SQS brings it back ten minutes later
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: '2030-01-01T09:10:05.000Z', tasks: [task] });
    world.jobs.seed(aJob({ misfireGraceSeconds: 60, coalesce: false }));
    const redelivered = aMessage(scheduled('job-1', AT), {
      receiveCount: 2,
      firstReceivedAt: new Date('2030-01-01T09:00:05.000Z'),
    });
    const lateFirst = aMessage(scheduled('job-1', '2030-01-01T09:05:00Z'));

    // Act
    const outcomes = [
      await processMessage(world.deps, redelivered, invocation),
      await processMessage(world.deps, lateFirst, invocation),
    ];

    // Assess
    expect(outcomes).toEqual(['done', 'done']);
    expect(runs).toEqual([1]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded' });
    expect(await world.ledger.get('job-1', '20300101T090500Z')).toMatchObject({ status: 'missed' });
  });

  it('fails and dead-letters a retry that found every slot taken for maxAttempts + overlapMaxDeliveries deliveries', async () => {
    // Prepare: attempt 1 failed and released its hold; a long run of another occurrence holds the only slot
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { overlapMaxDeliveries: 4 } });
    world.jobs.seed(
      aJob({ maxConcurrent: 1, retry: { maxAttempts: 3, initialSeconds: 1, multiplier: 1, maxSeconds: 1 } }),
    );
    world.ledger.seedRunning(OCCURRENCE, 1, new Date(0));
    world.ledger.holdSlot('job-1', 0, 'long-run', new Date('2030-01-01T10:00:00Z'));
    const delivery = (receiveCount: number) => aMessage(scheduled('job-1', AT), { receiveCount });

    // Act
    const waiting = await processMessage(world.deps, delivery(6), invocation);
    const last = delivery(7);
    const givenUp = await processMessage(world.deps, last, invocation);

    // Assess
    expect([waiting, givenUp]).toEqual(['retry', 'done']);
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { class: 'SlotWaitTimeoutError', category: 'timeout' },
    });
    expect(world.messages.deadLetters).toHaveLength(1);
    expect(world.messages.deadLetters[0]).toMatchObject({
      messageId: last.messageId,
      note: { reason: 'exhausted', runId: RUN_ID, redrives: 0, error: { class: 'SlotWaitTimeoutError' } },
    });
    expect(world.metrics.count('RunsFailed:timeout')).toBe(1);
    expect(world.events.types()).toEqual(['RunFailed', 'RunDeadLettered']);
  });

  it('fails a redrive that never found a free slot, and dead-letters it again for a later redrive', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { overlapMaxDeliveries: 4 } });
    world.jobs.seed(aJob({ maxConcurrent: 1, retry: ONE_ATTEMPT }));
    world.ledger.seed({
      jobId: 'job-1',
      runId: RUN_ID,
      scheduledTime: new Date(AT).toISOString(),
      kind: 'schedule',
      status: 'failed',
      attempts: 3,
      redrives: 1,
      error: { class: 'Error', message: 'boom', category: 'task_exception' },
    });
    world.ledger.holdSlot('job-1', 0, 'long-run', new Date('2030-01-01T10:00:00Z'));
    const redriven = aMessage(scheduled('job-1', AT), { receiveCount: 5, attributes: redriveAttributes(1) });

    // Act
    const outcome = await processMessage(world.deps, redriven, invocation);
    const later = await processMessage(
      world.deps,
      aMessage(scheduled('job-1', AT), { attributes: redriveAttributes(1) }),
      invocation,
    );

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([]);
    expect(world.messages.deadLetters[0]?.note).toMatchObject({
      redrives: 1,
      error: { class: 'SlotWaitTimeoutError' },
    });
    expect(later).toBe('retry');
    expect(world.ledger.runs.get(`job-1|${RUN_ID}`)).toMatchObject({ status: 'failed', redrives: 1 });
  });

  it('stops waiting for a slot after overlapMaxDeliveries and records the occurrence skipped (overlap)', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { overlapMaxDeliveries: 4 } });
    world.jobs.seed(aJob({ maxConcurrent: 1, overlap: 'queue' }));
    world.ledger.holdSlot('job-1', 0, 'long-run', new Date('2030-01-01T10:00:00Z'));

    // Act
    const waiting = await processMessage(world.deps, aMessage(scheduled('job-1', AT), { receiveCount: 3 }), invocation);
    const givenUp = await processMessage(world.deps, aMessage(scheduled('job-1', AT), { receiveCount: 4 }), invocation);

    // Assess
    expect([waiting, givenUp]).toEqual(['retry', 'done']);
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'skipped', reason: 'overlap' });
    expect(world.metrics.count('RunsSkipped:overlap')).toBe(1);
  });
});
