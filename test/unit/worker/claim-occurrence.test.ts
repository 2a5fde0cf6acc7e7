import { describe, expect, it } from 'vitest';
import type { ClaimResult } from '../../../lib/ports/run-ledger';
import { processMessage } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage, ONE_ATTEMPT, scheduled } from '../../support/worker/builders';
import { fakeWorld, type FakeWorld } from '../../support/worker/fake-world';
import { AT, invocation, NOW, OCCURRENCE, redriveAttributes, RUN_ID } from '../../support/worker/occurrence';
import { countingTask, failingTask } from '../../support/worker/tasks';

// How the worker claims an occurrence, or settles it without running: duplicates, jobs paused meanwhile, runs that
// started before, redrives, and a ledger under contention.

/** The worker's deps with a sleep that keeps each pause asked for. */
function withRecordedPauses(world: FakeWorld) {
  const pauses: number[] = [];
  const deps = {
    ...world.deps,
    sleep: (ms: number) => {
      pauses.push(ms);
      return Promise.resolve();
    },
  };
  return { deps, pauses };
}

/** Makes the ledger answer the first `times` claims with a transaction conflict (contention), counting them. */
function contendClaims(world: FakeWorld, times: number): { contended: number } {
  const claim = world.ledger.claim.bind(world.ledger);
  const counter = { contended: 0 };
  world.deps.ledger.claim = (request): Promise<ClaimResult> => {
    if (counter.contended >= times) return claim(request);
    counter.contended += 1;
    return Promise.resolve({ kind: 'contention' });
  };
  return counter;
}

describe('an occurrence of a paused job', () => {
  it('acknowledges a second delivery of a skipped occurrence without announcing the skip again', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });
    world.jobs.seed(aJob({ state: 'paused' }));
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(world.ledger.writes).toEqual([`record ${RUN_ID} skipped`, `record ${RUN_ID} skipped`]);
    expect(world.metrics.count('RunsSkipped:paused')).toBe(1);
    expect(world.events.types()).toEqual(['RunSkipped']);
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({ message: 'duplicate delivery; acknowledged without running', status: 'skipped' }),
    );
  });

  it('records a released retry of a job paused meanwhile as skipped (paused), keeping its attempts', async () => {
    // Prepare: the first attempt failed and released its hold; then the job was paused
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ state: 'paused' }));
    world.ledger.seedRunning(OCCURRENCE, 1, new Date(0));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT), { receiveCount: 2 }), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'skipped', reason: 'paused', attempts: 1 });
    expect(world.ledger.writes).toEqual([`record ${RUN_ID} skipped`, `record ${RUN_ID} skipped`]);
    expect(world.metrics.count('RunsSkipped:paused')).toBe(1);
    expect(world.events.types()).toEqual(['RunSkipped']);
  });

  it('leaves an attempt still running under a live lease to the delivery that holds it', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });
    world.jobs.seed(aJob({ state: 'paused' }));
    world.ledger.seedRunning(OCCURRENCE, 1, new Date('2030-01-01T09:05:00Z'));

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running', attempts: 1 });
    expect(world.events.types()).toEqual([]);
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({
        message: 'duplicate delivery; acknowledged without running',
        status: 'running',
        leaseUntil: '2030-01-01T09:05:00.000Z',
      }),
    );
  });

  it('brings back a second receive of the message whose first receive holds the attempt, not skipping it', async () => {
    // Prepare
    const world = fakeWorld({ now: NOW });
    world.jobs.seed(aJob({ state: 'paused' }));
    const message = aMessage(scheduled('job-1', AT), { receiveCount: 2 });
    world.ledger.seedRunning(OCCURRENCE, 1, new Date('2030-01-01T09:01:00Z'), message.messageId);

    // Act
    const outcome = await processMessage(world.deps, message, invocation);

    // Assess
    expect(outcome).toBe('retry');
    expect(world.messages.retries).toEqual([{ messageId: message.messageId, delaySeconds: 56 }]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running', attempts: 1 });
    expect(world.events.types()).toEqual([]);
  });

  it('hands the record back to SQS when the run keeps changing under the skip it records', async () => {
    // Prepare: each time the skip is written, another delivery has just re-claimed and released the run
    const world = fakeWorld({ now: NOW, settings: { recordWithoutRunAttempts: 3 } });
    world.jobs.seed(aJob({ state: 'paused' }));
    const record = world.ledger.record.bind(world.ledger);
    let attempts = 0;
    world.deps.ledger.record = (occurrence, expectation, outcome) => {
      attempts += 1;
      world.ledger.seedRunning(occurrence, attempts, new Date(0));
      return record(occurrence, expectation, outcome);
    };

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('retry');
    expect(world.ledger.writes).toEqual(Array.from({ length: 3 }, () => `record ${RUN_ID} skipped`));
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'running', attempts: 3 });
    expect(world.metrics.count('RunsSkipped:paused')).toBe(0);
    expect(world.events.types()).toEqual([]);
  });
});

describe('an occurrence that already started', () => {
  it('is not coalesced away when its retry comes after the next fire time', async () => {
    // Prepare: the first attempt failed and released its hold; the retry arrives after 09:05 is due
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: '2030-01-01T09:05:30.000Z', tasks: [task] });
    world.jobs.seed(aJob({ coalesce: true, misfireGraceSeconds: 3600, trigger: { type: 'interval', minutes: 5 } }));
    world.ledger.seedRunning(OCCURRENCE, 1, new Date(0));
    const retry = aMessage(scheduled('job-1', AT), { receiveCount: 2, firstReceivedAt: new Date(NOW) });

    // Act
    const outcome = await processMessage(world.deps, retry, invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([2]);
    expect(world.ledger.writes).toEqual([
      `record ${RUN_ID} skipped`,
      `claim ${RUN_ID} slot 0`,
      `finish ${RUN_ID} succeeded`,
    ]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(world.metrics.count('RunsSkipped:coalesced')).toBe(0);
  });
});

describe('a redriven occurrence', () => {
  it('acknowledges a second DLQ copy of a run that was already redriven, without running it', async () => {
    // Prepare: the run failed, one copy of its DLQ message was redriven and failed again
    const { task, runs } = failingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ retry: ONE_ATTEMPT }));
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);
    await processMessage(
      world.deps,
      aMessage(scheduled('job-1', AT), { attributes: redriveAttributes(0) }),
      invocation,
    );
    const secondCopy = aMessage(scheduled('job-1', AT), { attributes: redriveAttributes(0) });

    // Act
    const outcome = await processMessage(world.deps, secondCopy, invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([1, 1]);
    expect(world.messages.deadLetters.map((dead) => dead.note.redrives)).toEqual([0, 1]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'failed', redrives: 1 });
    expect(world.log.lines).toContainEqual(
      expect.objectContaining({
        message: 'redrive of a failed run that was already redriven; acknowledged without running',
        messageId: secondCopy.messageId,
        redrivesCarried: 0,
        redrives: 1,
      }),
    );
  });

  it('runs as a first attempt when the failed run it redrives has expired from the ledger', async () => {
    // Prepare: no ledger item any more (its retention passed while the copy waited in the DLQ)
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob());

    // Act
    const outcome = await processMessage(
      world.deps,
      aMessage(scheduled('job-1', AT), { attributes: redriveAttributes(0) }),
      invocation,
    );

    // Assess
    expect(outcome).toBe('done');
    expect(runs).toEqual([1]);
    expect(world.ledger.writes).toEqual([
      `claim ${RUN_ID} slot 0`,
      `claim ${RUN_ID} slot 0`,
      `finish ${RUN_ID} succeeded`,
    ]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });
});

describe('a claim under transaction contention', () => {
  it('pauses a little longer after each conflict and then runs the occurrence', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { contentionPauseMs: 50 } });
    world.jobs.seed(aJob());
    const claims = contendClaims(world, 2);
    const { deps, pauses } = withRecordedPauses(world);

    // Act
    const outcome = await processMessage(deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('done');
    expect(claims.contended).toBe(2);
    expect(pauses).toEqual([50, 100]);
    expect(runs).toEqual([1]);
    expect(await world.ledger.get('job-1', RUN_ID)).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('hands the record back to SQS after more conflicts than claimMaxConflicts, without running it', async () => {
    // Prepare
    const { task, runs } = countingTask();
    const world = fakeWorld({ now: NOW, tasks: [task], settings: { contentionPauseMs: 50, claimMaxConflicts: 2 } });
    world.jobs.seed(aJob());
    const claims = contendClaims(world, Number.POSITIVE_INFINITY);
    const { deps, pauses } = withRecordedPauses(world);

    // Act
    const outcome = await processMessage(deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(outcome).toBe('retry');
    expect(pauses).toEqual([50, 100]);
    expect(claims.contended).toBe(3);
    expect(runs).toEqual([]);
    expect(await world.ledger.get('job-1', RUN_ID)).toBeUndefined();
    expect(world.messages.retries).toEqual([]);
  });
});
