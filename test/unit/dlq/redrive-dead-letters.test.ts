import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/errors';
import { redriveDeadLetters } from '../../../lib/use-cases/dlq';
import {
  exhaustedNote,
  fakeDeadLetterDeps,
  putJobs,
  putRun,
  scheduleEnvelope,
  schedulerDeadLetterAttributes,
  workerCopyAttributes,
  type FakeDeadLetterDeps,
} from '../../support/fakes/dead-letter-world';

const AT = new Date('2030-01-01T09:00:00Z');
const minute = (n: number) => new Date(AT.getTime() + n * 60_000);

/** A copy of the occurrence of `jobId` at `at` in the jobs DLQ, as the worker writes it; returns its message id. */
async function copyOf(deps: FakeDeadLetterDeps, jobId: string, at = AT, note = {}): Promise<string> {
  return deps.deadLetters.put(
    'jobs',
    scheduleEnvelope(jobId, at),
    await workerCopyAttributes(exhaustedNote(jobId, at, note)),
  );
}

describe('redriving the DLQs', () => {
  it('moves fresh copies to the jobs queue with the same body and attributes and deletes them; skips stale ones', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'fixed', 'done');
    const fresh = await copyOf(deps, 'fixed');
    putRun(deps.runs, { jobId: 'fixed', runId: '20300101T090000Z', status: 'failed', attempts: 3 });
    const stale = await copyOf(deps, 'done');
    putRun(deps.runs, { jobId: 'done', runId: '20300101T090000Z', status: 'succeeded', redrives: 1 });
    const undelivered = deps.deadLetters.put(
      'delivery',
      scheduleEnvelope('fixed', minute(5)),
      schedulerDeadLetterAttributes(minute(5)),
    );

    // Act
    const result = await redriveDeadLetters(deps, undefined);

    // Assess
    expect(result).toEqual({
      moved: [
        { queue: 'jobs', messageId: fresh, jobId: 'fixed', runId: '20300101T090000Z' },
        { queue: 'delivery', messageId: undelivered, jobId: 'fixed', runId: '20300101T090500Z' },
      ],
      skippedStale: [
        { queue: 'jobs', messageId: stale, jobId: 'done', runId: '20300101T090000Z', staleReason: 'succeeded' },
      ],
      failed: [],
      remaining: 0,
    });
    expect(deps.deadLetters.sent).toEqual([
      {
        fromMessageId: fresh,
        body: scheduleEnvelope('fixed', AT),
        attributes: await workerCopyAttributes(exhaustedNote('fixed', AT)),
      },
      {
        fromMessageId: undelivered,
        body: scheduleEnvelope('fixed', minute(5)),
        attributes: schedulerDeadLetterAttributes(minute(5)),
      },
    ]);
    expect(deps.deadLetters.ids('jobs')).toEqual([stale]);
    expect(deps.deadLetters.visibleIds('jobs')).toEqual([stale]);
    expect(deps.deadLetters.ids('delivery')).toEqual([]);
  });

  it('moves stale copies too when asked, for the worker to acknowledge', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'done');
    const stale = await copyOf(deps, 'done');
    putRun(deps.runs, { jobId: 'done', runId: '20300101T090000Z', status: 'failed', redrives: 1 });

    // Act
    const result = await redriveDeadLetters(deps, { includeStale: true });

    // Assess
    expect(result.moved.map((ref) => ref.messageId)).toEqual([stale]);
    expect(result.skippedStale).toEqual([]);
    expect(deps.deadLetters.ids('jobs')).toEqual([]);
  });

  it('moves only what the filters name, leaving the rest visible where it was', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a', 'b');
    const timeout = { class: 'TimeoutError', message: 'timed out', category: 'timeout' } as const;
    const aTimeout = await copyOf(deps, 'a', AT, { error: timeout });
    const a5xx = await copyOf(deps, 'a', minute(1));
    const b5xx = await copyOf(deps, 'b', AT);
    const aDelivery = deps.deadLetters.put(
      'delivery',
      scheduleEnvelope('a', minute(2)),
      schedulerDeadLetterAttributes(minute(2)),
    );

    // Act
    const byCategory = await redriveDeadLetters(deps, { jobId: 'a', errorCategory: 'timeout' });
    const byQueue = await redriveDeadLetters(deps, { queue: 'delivery' });
    const byId = await redriveDeadLetters(deps, { messageIds: [b5xx, 'msg-9999'] });

    // Assess
    expect(byCategory.moved.map((ref) => ref.messageId)).toEqual([aTimeout]);
    expect(byQueue.moved.map((ref) => ref.messageId)).toEqual([aDelivery]);
    expect(byId).toMatchObject({ moved: [{ messageId: b5xx }], remaining: 0, notFound: ['msg-9999'] });
    expect(deps.deadLetters.visibleIds('jobs')).toEqual([a5xx]);
  });

  it('stops looking once every named message is found', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a');
    const first = await copyOf(deps, 'a');
    for (let index = 1; index < 30; index++) await copyOf(deps, 'a', minute(index));
    deps.deadLetters.put('delivery', scheduleEnvelope('a', minute(99)));

    // Act
    const result = await redriveDeadLetters(deps, { messageIds: [first] });

    // Assess
    expect(result).toMatchObject({ moved: [{ messageId: first }], remaining: 0, notFound: [] });
    expect(deps.deadLetters.receives).toHaveLength(1);
    expect(deps.deadLetters.visibleIds('jobs')).toHaveLength(29);
  });

  it('paces its moves to maxPerSecond', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a');
    for (let index = 0; index < 5; index++) await copyOf(deps, 'a', minute(index));

    // Act
    const result = await redriveDeadLetters(deps, { maxPerSecond: 4 });

    // Assess
    expect(result.moved).toHaveLength(5);
    expect(deps.sleeps).toEqual([250, 250, 250, 250]);
  });

  it('stops at its time budget and says how many are left, and the next call moves them', async () => {
    // Prepare: 10 a second for 20 s moves 200 of 230
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a');
    for (let index = 0; index < 230; index++) await copyOf(deps, 'a', minute(index));

    // Act
    const first = await redriveDeadLetters(deps, {});
    const second = await redriveDeadLetters(deps, {});

    // Assess
    expect(first.moved).toHaveLength(200);
    expect(first.remaining).toBe(30);
    expect(second.moved).toHaveLength(30);
    expect(second.remaining).toBe(0);
    expect(deps.deadLetters.ids('jobs')).toEqual([]);
    expect(new Set(deps.deadLetters.sent.map((sent) => sent.fromMessageId)).size).toBe(230);
  });

  it('counts what the queues it had no time for hold, and at least one, so the caller calls again', async () => {
    // Prepare: each receive takes 25 s, past the budget
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a', 'done');
    for (let index = 0; index < 12; index++) await copyOf(deps, 'a', minute(index));
    deps.deadLetters.put('delivery', scheduleEnvelope('a', minute(99)));
    deps.deadLetters.put('delivery', scheduleEnvelope('a', minute(98)));
    const receive = deps.deadLetters.receive.bind(deps.deadLetters);
    deps.deadLetters.receive = (queue, request) => {
      deps.clock.advance(25_000);
      return receive(queue, request);
    };
    const stale = fakeDeadLetterDeps();
    putJobs(stale.jobs, 'done');
    for (let index = 0; index < 10; index++) {
      const at = minute(index);
      stale.deadLetters.put(
        'jobs',
        scheduleEnvelope('done', at),
        await workerCopyAttributes(exhaustedNote('done', at)),
      );
      putRun(stale.runs, {
        jobId: 'done',
        runId: `20300101T09${String(index).padStart(2, '0')}00Z`,
        status: 'succeeded',
      });
    }
    const staleReceive = stale.deadLetters.receive.bind(stale.deadLetters);
    stale.deadLetters.receive = (queue, request) => {
      stale.clock.advance(25_000);
      return staleReceive(queue, request);
    };

    // Act
    const cut = await redriveDeadLetters(deps, {});
    const allStale = await redriveDeadLetters(stale, {});

    // Assess: 10 received too late, 2 more never received, 2 in the delivery DLQ never looked at
    expect(cut.moved).toEqual([]);
    expect(cut.remaining).toBe(14);
    // Every message it counted was looked at, but the queue was never seen empty
    expect(allStale.skippedStale).toHaveLength(10);
    expect(allStale.remaining).toBe(1);
  });

  it('counts named messages not yet found as remaining when it had no time to look everywhere', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a');
    const ids: string[] = [];
    for (let index = 0; index < 205; index++) ids.push(await copyOf(deps, 'a', minute(index)));

    // Act
    const result = await redriveDeadLetters(deps, { messageIds: [...ids, 'msg-9999'] });

    // Assess
    expect(result.moved).toHaveLength(200);
    expect(result.remaining).toBe(6);
    expect(result).not.toHaveProperty('notFound');
  });

  it('reports a message it could not send, leaving it in the DLQ', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a');
    const copy = await copyOf(deps, 'a');
    deps.deadLetters.failingSends.add(copy);

    // Act
    const result = await redriveDeadLetters(deps, {});

    // Assess
    expect(result.failed).toEqual([
      {
        queue: 'jobs',
        messageId: copy,
        jobId: 'a',
        runId: '20300101T090000Z',
        error: 'not sent to the jobs queue: InternalError: injected send failure',
      },
    ]);
    expect(deps.deadLetters.visibleIds('jobs')).toEqual([copy]);
  });

  it('reports a message it sent but could not delete, which a later redrive finds stale', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a');
    const copy = await copyOf(deps, 'a');
    deps.deadLetters.failingRemoves.add(copy);

    // Act
    const result = await redriveDeadLetters(deps, {});

    // Assess
    expect(result.moved).toEqual([]);
    expect(result.failed.map((ref) => ref.messageId)).toEqual([copy]);
    expect(result.failed[0]?.error).toMatch(
      /^sent to the jobs queue but not deleted from the DLQ \(ReceiptHandleIsInvalid/,
    );
    expect(deps.deadLetters.sent).toHaveLength(1);
    expect(deps.deadLetters.visibleIds('jobs')).toEqual([copy]);
  });

  it('reports a delete that fails outright the same way', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a');
    await copyOf(deps, 'a');
    deps.deadLetters.remove = () => Promise.reject(new Error('SQS unreachable'));

    // Act
    const result = await redriveDeadLetters(deps, {});

    // Assess
    expect(result.failed[0]?.error).toMatch(/not deleted from the DLQ \(Error: SQS unreachable\)/);
  });

  it.each([
    [{ maxPerSecond: 0 }, 'maxPerSecond'],
    [{ maxPerSecond: 101 }, 'maxPerSecond'],
    [{ queue: 'both' }, 'queue'],
    [{ messageIds: [] }, 'messageIds'],
    [{ messageIds: ['a b'] }, 'messageIds.0'],
    [{ includeStale: 'yes' }, 'includeStale'],
    [{ everything: true }, 'everything'],
  ])('refuses the body %j naming %s', async (body, path) => {
    // Prepare
    const deps = fakeDeadLetterDeps();

    // Act
    const refused: unknown = await redriveDeadLetters(deps, body).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((issue) => issue.path)).toEqual([path]);
  });
});
