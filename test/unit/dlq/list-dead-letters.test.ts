import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/errors';
import { listDeadLetters } from '../../../lib/use-cases/dlq';
import {
  exhaustedNote,
  fakeDeadLetterDeps,
  putJobs,
  putRun,
  scheduleEnvelope,
  schedulerDeadLetterAttributes,
  workerCopyAttributes,
} from '../../support/fakes/dead-letter-world';

const AT = new Date('2030-01-01T09:00:00Z');
const LATER = new Date('2030-01-01T10:00:00Z');

describe('listing the DLQs', () => {
  it('lists both DLQs with each message read and its standing in the ledger, consuming nothing', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'failing', 'fixed');
    const failed = deps.deadLetters.put(
      'jobs',
      scheduleEnvelope('failing', AT),
      await workerCopyAttributes(exhaustedNote('failing', AT)),
    );
    putRun(deps.runs, { jobId: 'failing', runId: '20300101T090000Z', status: 'failed', attempts: 3 });
    const undelivered = deps.deadLetters.put(
      'delivery',
      scheduleEnvelope('fixed', LATER),
      schedulerDeadLetterAttributes(LATER, 2),
    );

    // Act
    const listing = await listDeadLetters(deps, {});

    // Assess
    expect(listing).toEqual({
      items: [
        {
          queue: 'jobs',
          messageId: failed,
          jobId: 'failing',
          runId: '20300101T090000Z',
          scheduledTime: '2030-01-01T09:00:00.000Z',
          reason: 'exhausted',
          detail: 'failed after 3 attempts',
          errorCategory: 'http_5xx',
          error: { class: 'HttpError', message: 'POST https://hooks.example.com answered 503' },
          attempts: 3,
          redrives: 0,
          sentAt: '2030-01-01T12:00:00.000Z',
          runStatus: 'failed',
          stale: false,
        },
        {
          queue: 'delivery',
          messageId: undelivered,
          jobId: 'fixed',
          runId: '20300101T100000Z',
          scheduledTime: '2030-01-01T10:00:00.000Z',
          reason: 'delivery',
          error: { class: 'AWS.SimpleQueueService.NonExistentQueue', message: 'The specified queue does not exist.' },
          attempts: 3,
          redrives: 0,
          sentAt: '2030-01-01T12:00:00.000Z',
          stale: false,
        },
      ],
      truncated: false,
      queues: {
        jobs: { approximateVisible: 1, approximateInFlight: 0 },
        delivery: { approximateVisible: 1, approximateInFlight: 0 },
      },
    });
    expect(deps.deadLetters.visibleIds('jobs')).toEqual([failed]);
    expect(deps.deadLetters.visibleIds('delivery')).toEqual([undelivered]);
  });

  it('marks stale the copies a redrive would not run: succeeded since, redriven already, of a deleted job', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a', 'b');
    const copy = async (jobId: string) =>
      deps.deadLetters.put('jobs', scheduleEnvelope(jobId, AT), await workerCopyAttributes(exhaustedNote(jobId, AT)));
    await copy('a');
    await copy('b');
    await copy('gone');
    deps.deadLetters.put('jobs', 'not json', await workerCopyAttributes({ reason: 'unparseable', detail: 'x' }));
    putRun(deps.runs, { jobId: 'a', runId: '20300101T090000Z', status: 'succeeded', redrives: 1 });
    putRun(deps.runs, { jobId: 'b', runId: '20300101T090000Z', status: 'failed', redrives: 1 });

    // Act
    const listing = await listDeadLetters(deps, { queue: 'jobs' });

    // Assess
    expect(listing.items.map((item) => [item.jobId, item.stale, item.staleReason, item.runStatus])).toEqual([
      ['a', true, 'succeeded', 'succeeded'],
      ['b', true, 'redriven', 'failed'],
      ['gone', true, 'job-deleted', undefined],
      [undefined, true, 'unparseable', undefined],
    ]);
    expect(listing.queues).toEqual({ jobs: { approximateVisible: 4, approximateInFlight: 0 } });
  });

  it('reads each job and run once however many copies name them', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a');
    const attributes = await workerCopyAttributes(exhaustedNote('a', AT));
    for (let copy = 0; copy < 3; copy++) deps.deadLetters.put('jobs', scheduleEnvelope('a', AT), attributes);
    let jobReads = 0;
    let runReads = 0;
    const getJob = deps.jobs.get.bind(deps.jobs);
    const getRun = deps.runs.get.bind(deps.runs);
    deps.jobs.get = (id) => ((jobReads += 1), getJob(id));
    deps.runs.get = (jobId, runId) => ((runReads += 1), getRun(jobId, runId));

    // Act
    const listing = await listDeadLetters(deps, {});

    // Assess
    expect(listing.items).toHaveLength(3);
    expect([jobReads, runReads]).toEqual([1, 1]);
  });

  it('filters by queue, job and error category', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    putJobs(deps.jobs, 'a', 'b');
    const timeout = { class: 'TimeoutError', message: 'timed out', category: 'timeout' } as const;
    const aTimeout = deps.deadLetters.put(
      'jobs',
      scheduleEnvelope('a', AT),
      await workerCopyAttributes(exhaustedNote('a', AT, { error: timeout })),
    );
    deps.deadLetters.put('jobs', scheduleEnvelope('a', LATER), await workerCopyAttributes(exhaustedNote('a', LATER)));
    deps.deadLetters.put('jobs', scheduleEnvelope('b', AT), await workerCopyAttributes(exhaustedNote('b', AT)));
    const aDelivery = deps.deadLetters.put('delivery', scheduleEnvelope('a', AT), schedulerDeadLetterAttributes(AT));

    // Act
    const ofA = await listDeadLetters(deps, { jobId: 'a' });
    const timeouts = await listDeadLetters(deps, { errorCategory: 'timeout' });
    const delivery = await listDeadLetters(deps, { queue: 'delivery' });

    // Assess
    expect(ofA.items.map((item) => item.messageId)).toHaveLength(3);
    expect(timeouts.items.map((item) => item.messageId)).toEqual([aTimeout]);
    expect(delivery.items.map((item) => item.messageId)).toEqual([aDelivery]);
    expect(delivery.queues).toEqual({ delivery: { approximateVisible: 1, approximateInFlight: 0 } });
  });

  it('lists at most `limit` messages, says the listing is truncated, and leaves every message visible', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    for (let index = 0; index < 25; index++) deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    deps.deadLetters.put('delivery', scheduleEnvelope('a', AT), schedulerDeadLetterAttributes(AT));

    // Act
    const listing = await listDeadLetters(deps, { limit: '12' });

    // Assess
    expect(listing.items).toHaveLength(12);
    expect(listing.truncated).toBe(true);
    expect(listing.queues.delivery).toEqual({ approximateVisible: 1, approximateInFlight: 0 });
    expect(deps.deadLetters.visibleIds('jobs')).toHaveLength(25);
    expect(deps.deadLetters.visibleIds('delivery')).toHaveLength(1);
  });

  it('is complete when exactly `limit` messages match', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    for (let index = 0; index < 10; index++) deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));

    // Act
    const listing = await listDeadLetters(deps, { queue: 'jobs', limit: '10' });

    // Assess
    expect(listing.items).toHaveLength(10);
    expect(listing.truncated).toBe(false);
  });

  it('hides what it receives only until a margin after its time budget, and never waits on an empty queue', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));

    // Act
    await listDeadLetters(deps, {});

    // Assess: one receive that finds the message, one that finds the queue empty; none on the empty delivery DLQ
    expect(deps.deadLetters.receives).toEqual([
      { queue: 'jobs', request: { max: 10, hideSeconds: 20, waitSeconds: 1 } },
      { queue: 'jobs', request: { max: 10, hideSeconds: 20, waitSeconds: 0 } },
    ]);
  });

  it('says the listing is truncated when another receiver holds messages it could not see', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    deps.deadLetters.put('jobs', scheduleEnvelope('a', LATER));
    await deps.deadLetters.receive('jobs', { max: 1, hideSeconds: 60, waitSeconds: 0 });

    // Act
    const listing = await listDeadLetters(deps, { queue: 'jobs' });

    // Assess
    expect(listing.items).toHaveLength(1);
    expect(listing.truncated).toBe(true);
    expect(listing.queues.jobs).toEqual({ approximateVisible: 1, approximateInFlight: 1 });
  });

  it('answers with what it saw when its time budget runs out, truncated', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    for (let index = 0; index < 40; index++) deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    const receive = deps.deadLetters.receive.bind(deps.deadLetters);
    deps.deadLetters.receive = (queue, request) => {
      deps.clock.advance(4_000);
      return receive(queue, request);
    };

    // Act
    const listing = await listDeadLetters(deps, {});

    // Assess: receives at 0, 4 and 8 s of its 10 s
    expect(listing.items).toHaveLength(30);
    expect(listing.truncated).toBe(true);
    expect(deps.deadLetters.visibleIds('jobs')).toHaveLength(40);
  });

  it('passes over a message received twice in one listing', async () => {
    // Prepare: the hide of the first receive ends before the listing does (a hide shorter than asked)
    const deps = fakeDeadLetterDeps();
    deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    const receive = deps.deadLetters.receive.bind(deps.deadLetters);
    deps.deadLetters.receive = (queue, request) => receive(queue, { ...request, hideSeconds: 0 });

    // Act
    const listing = await listDeadLetters(deps, {});

    // Assess
    expect(listing.items).toHaveLength(1);
    expect(listing.truncated).toBe(true);
  });

  it('still answers when making the messages visible again fails, and logs it', async () => {
    // Prepare
    const deps = fakeDeadLetterDeps();
    deps.deadLetters.put('jobs', scheduleEnvelope('a', AT));
    deps.deadLetters.releaseFailure = new Error('SQS unreachable');

    // Act
    const listing = await listDeadLetters(deps, {});

    // Assess
    expect(listing.items).toHaveLength(1);
    expect(deps.log.entries).toEqual([
      expect.objectContaining({
        level: 'warn',
        message: 'could not make DLQ messages visible again; they will be once their hide ends',
        details: { messages: 1, error: 'Error: SQS unreachable' },
      }),
    ]);
  });

  it.each([
    [{ limit: '0' }, 'query.limit'],
    [{ limit: '1001' }, 'query.limit'],
    [{ queue: 'other' }, 'query.queue'],
    [{ jobId: 'a b' }, 'query.jobId'],
    [{ errorCategory: 'oops' }, 'query.errorCategory'],
    [{ cursor: 'x' }, 'query.cursor'],
  ])('refuses the query %j naming %s', async (query, path) => {
    // Prepare
    const deps = fakeDeadLetterDeps();

    // Act
    const refused: unknown = await listDeadLetters(deps, query).catch((error: unknown) => error);

    // Assess
    expect(refused).toBeInstanceOf(ValidationError);
    expect((refused as ValidationError).issues.map((issue) => issue.path)).toEqual([path]);
  });
});
