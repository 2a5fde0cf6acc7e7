import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/errors';
import { purgeDeadLetters } from '../../../lib/use-cases/dlq';
import {
  exhaustedNote,
  fakeDeadLetterDeps,
  scheduleEnvelope,
  schedulerDeadLetterAttributes,
  workerCopyAttributes,
} from '../../support/fakes/dead-letter-world';

const AT = new Date('2030-01-01T09:00:00Z');

describe('purging the DLQs', () => {
  it('deletes the messages named in the body wherever they are, and names those it found nowhere', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    const copy = deps.deadLetters.put(
      'jobs',
      scheduleEnvelope('a', AT),
      await workerCopyAttributes(exhaustedNote('a', AT)),
    );
    const kept = deps.deadLetters.put('jobs', scheduleEnvelope('b', AT));
    const undelivered = deps.deadLetters.put(
      'delivery',
      '{"detail-type":"Scheduled Event"}',
      schedulerDeadLetterAttributes(AT),
    );

    // Act
    const result = await purgeDeadLetters(deps, {
      body: { messageIds: [copy, undelivered, 'msg-9999'] },
      query: {},
    });

    // Assess
    expect(result).toEqual({
      deleted: [
        { queue: 'jobs', messageId: copy, jobId: 'a', runId: '20300101T090000Z', reason: 'exhausted' },
        { queue: 'delivery', messageId: undelivered, reason: 'delivery' },
      ],
      failed: [],
      remaining: 0,
      notFound: ['msg-9999'],
    });
    expect(deps.deadLetters.ids('jobs')).toEqual([kept]);
    expect(deps.deadLetters.visibleIds('jobs')).toEqual([kept]);
    expect(deps.deadLetters.ids('delivery')).toEqual([]);
  });

  it('deletes the messages named in the query, comma-separated', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    const first = deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    const second = deps.deadLetters.put('jobs', scheduleEnvelope('b', AT));

    // Act
    const result = await purgeDeadLetters(deps, {
      body: undefined,
      query: { messageIds: `${first}, ${second}`, queue: 'jobs' },
    });

    // Assess
    expect(result.deleted.map((ref) => ref.messageId)).toEqual([first, second]);
    expect(result.notFound).toEqual([]);
    expect(deps.deadLetters.ids('jobs')).toEqual([]);
  });

  it('deletes every message of the queue named with all, and no other', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    for (let index = 0; index < 25; index++) deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    const other = deps.deadLetters.put('delivery', scheduleEnvelope('a', AT));

    // Act
    const byBody = await purgeDeadLetters(deps, { body: { all: true, queue: 'jobs' }, query: {} });
    const byQuery = await purgeDeadLetters(deps, { body: {}, query: { all: 'true', queue: 'all' } });

    // Assess
    expect(byBody.deleted).toHaveLength(25);
    expect(byBody).toMatchObject({ failed: [], remaining: 0 });
    expect(byBody).not.toHaveProperty('notFound');
    expect(byQuery.deleted.map((ref) => ref.messageId)).toEqual([other]);
  });

  it('stops at its time budget and says how many are left', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    for (let index = 0; index < 50; index++) deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    const remove = deps.deadLetters.remove.bind(deps.deadLetters);
    deps.deadLetters.remove = (letters) => {
      deps.clock.advance(7_000);
      return remove(letters);
    };

    // Act
    const result = await purgeDeadLetters(deps, { body: { all: true, queue: 'jobs' }, query: {} });

    // Assess: batches at 0, 7 and 14 s; the fourth, received at 21 s, is left
    expect(result.deleted).toHaveLength(30);
    expect(result.remaining).toBe(20);
    expect(deps.deadLetters.visibleIds('jobs')).toHaveLength(20);
  });

  it('counts a batch received after its time budget as left', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    for (let index = 0; index < 5; index++) deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    const receive = deps.deadLetters.receive.bind(deps.deadLetters);
    deps.deadLetters.receive = (queue, request) => {
      deps.clock.advance(25_000);
      return receive(queue, request);
    };

    // Act
    const result = await purgeDeadLetters(deps, { body: { all: true, queue: 'jobs' }, query: {} });

    // Assess
    expect(result.deleted).toEqual([]);
    expect(result.remaining).toBe(5);
    expect(deps.deadLetters.visibleIds('jobs')).toHaveLength(5);
  });

  it('reports the messages it could not delete, one by one or all at once', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    const stuck = deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    const fine = deps.deadLetters.put('jobs', scheduleEnvelope('b', AT));
    deps.deadLetters.failingRemoves.add(stuck);

    // Act
    const partly = await purgeDeadLetters(deps, { body: { messageIds: [stuck, fine] }, query: {} });
    deps.deadLetters.remove = () => Promise.reject(new Error('SQS unreachable'));
    const none = await purgeDeadLetters(deps, { body: { messageIds: [stuck] }, query: {} });

    // Assess
    expect(partly.deleted.map((ref) => ref.messageId)).toEqual([fine]);
    expect(partly.failed.map((ref) => ref.messageId)).toEqual([stuck]);
    expect(partly.failed[0]?.error).toMatch(/ReceiptHandleIsInvalid/);
    expect(none.failed).toEqual([expect.objectContaining({ messageId: stuck, error: 'Error: SQS unreachable' })]);
    expect(deps.deadLetters.visibleIds('jobs')).toEqual([stuck]);
  });

  it.each([
    [{ body: undefined, query: {} }, 'messageIds'],
    [{ body: {}, query: {} }, 'messageIds'],
    [{ body: { queue: 'jobs' }, query: {} }, 'messageIds'],
    [{ body: { messageIds: ['a'], all: true, queue: 'jobs' }, query: {} }, 'all'],
    [{ body: { all: true }, query: {} }, 'queue'],
    [{ body: { all: false, queue: 'jobs' }, query: {} }, 'all'],
    [{ body: { messageIds: ['a'] }, query: { queue: 'jobs' } }, 'query'],
    [{ body: undefined, query: { all: 'true' } }, 'query.queue'],
    [{ body: undefined, query: { all: 'yes', queue: 'jobs' } }, 'query.all'],
    [{ body: undefined, query: { messageIds: 'a,b c' } }, 'query.messageIds'],
    [{ body: undefined, query: { messageIds: ' , ' } }, 'query.messageIds'],
    [
      { body: undefined, query: { messageIds: Array.from({ length: 1001 }, (_, i) => `m${i}`).join(',') } },
      'query.messageIds',
    ],
    [{ body: undefined, query: { queue: 'jobs', other: 'x' } }, 'query.other'],
  ])('refuses %j naming %s', async (request, path) => {
    // Prepare
    const deps = fakeDeadLetterDeps();

    // Act
    const refused: unknown = await purgeDeadLetters(deps, request).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((issue) => issue.path)).toEqual([path]);
  });
});
