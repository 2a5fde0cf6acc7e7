import { describe, expect, it } from 'vitest';
import type { DeadLetterAttribute, HeldDeadLetter } from '../../../lib/ports/dead-letters';
import type { Run } from '../../../lib/schemas/run';
import { describeDeadLetter, staleReasonOf, type DescribedDeadLetter } from '../../../lib/use-cases/dlq';
import {
  exhaustedNote,
  scheduleEnvelope,
  schedulerDeadLetterAttributes,
  workerCopyAttributes,
} from '../../support/fakes/dead-letter-world';

const AT = new Date('2030-01-01T09:00:00Z');
const SENT = new Date('2030-01-01T09:10:00Z');

const letter = (
  queue: HeldDeadLetter['queue'],
  body: string,
  attributes: Record<string, DeadLetterAttribute> = {},
): HeldDeadLetter => ({
  queue,
  messageId: 'm-1',
  receiptHandle: 'r-1',
  body,
  attributes,
  sentAt: SENT,
  receiveCount: 21,
});

describe('reading a DLQ message as the occurrence it is', () => {
  it("reads a worker's copy of an exhausted run: occurrence, error, attempts and redrive count", async () => {
    // Prepare
    const attributes = await workerCopyAttributes(exhaustedNote('nightly', AT, { redrives: 2 }));

    // Act
    const described = describeDeadLetter(letter('jobs', scheduleEnvelope('nightly', AT), attributes));

    // Assess
    expect(described).toMatchObject({
      reason: 'exhausted',
      claim: 'redrive',
      jobId: 'nightly',
      runId: '20300101T090000Z',
      scheduledTime: AT,
      detail: 'failed after 3 attempts',
      errorCategory: 'http_5xx',
      error: { class: 'HttpError', message: 'POST https://hooks.example.com answered 503' },
      attempts: 3,
      redrives: 2,
    });
  });

  it("takes a copy's occurrence from its attributes when the body still holds Scheduler's placeholder", async () => {
    // Prepare
    const body = JSON.stringify({
      v: 1,
      jobId: 'nightly',
      kind: 'schedule',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    const attributes = await workerCopyAttributes(exhaustedNote('nightly', AT));

    // Act
    const described = describeDeadLetter(letter('jobs', body, attributes));

    // Assess
    expect(described).toMatchObject({ claim: 'redrive', runId: '20300101T090000Z', scheduledTime: AT });
  });

  it('counts a copy made before the redrive counter existed as never redriven, and drops what it cannot read', () => {
    // Prepare
    const attributes: Record<string, DeadLetterAttribute> = {
      'sked-reason': { dataType: 'String', stringValue: 'exhausted' },
      'sked-run-id': { dataType: 'String', stringValue: '20300101T090000Z' },
      'sked-error-category': { dataType: 'String', stringValue: 'not-a-category' },
      'sked-failure': { dataType: 'String', stringValue: '{not json' },
    };

    // Act
    const described = describeDeadLetter(letter('jobs', scheduleEnvelope('nightly', AT), attributes));

    // Assess
    expect(described).toMatchObject({ reason: 'exhausted', claim: 'redrive', redrives: 0 });
    expect(described).not.toHaveProperty('errorCategory');
    expect(described).not.toHaveProperty('attempts');
    expect(described).not.toHaveProperty('error');
  });

  it.each([
    ['a failure that is not an object', '"just text"'],
    ['attempts that are not a count and an error without a message', '{"attempts":-1,"error":{"class":"E"}}'],
    ['an error that is not an object', '{"attempts":2.5,"error":"boom"}'],
  ])('keeps no attempts or error from %s', (_, failure) => {
    // Prepare
    const attributes: Record<string, DeadLetterAttribute> = {
      'sked-reason': { dataType: 'String', stringValue: 'exhausted' },
      'sked-failure': { dataType: 'String', stringValue: failure },
    };

    // Act
    const described = describeDeadLetter(letter('jobs', scheduleEnvelope('nightly', AT), attributes));

    // Assess
    expect(described).not.toHaveProperty('attempts');
    expect(described).not.toHaveProperty('error');
  });

  it('reads a copy without its run id as a plain delivery of its envelope, as the worker does', async () => {
    // Prepare
    const { 'sked-run-id': _runId, ...attributes } = await workerCopyAttributes(exhaustedNote('nightly', AT));
    const tick = JSON.stringify({ v: 1, jobId: 'nightly', kind: 'tick', scheduledTime: AT.toISOString() });

    // Act
    const envelope = describeDeadLetter(letter('jobs', scheduleEnvelope('nightly', AT), attributes));
    const ofTick = describeDeadLetter(letter('jobs', tick, attributes));

    // Assess
    expect(envelope).toMatchObject({ reason: 'exhausted', claim: 'first', runId: '20300101T090000Z' });
    expect(ofTick).toMatchObject({ reason: 'exhausted', claim: 'tick' });
  });

  it("reads the worker's copy of an unparseable message, with the job id a loose reading finds", async () => {
    // Prepare
    const attributes = await workerCopyAttributes({ reason: 'unparseable', detail: 'kind: Invalid input' });

    // Act
    const described = describeDeadLetter(letter('jobs', '{"jobId":"nightly","kind":"other"}', attributes));
    const notJson = describeDeadLetter(letter('jobs', 'not json', attributes));

    // Assess
    expect(described).toMatchObject({
      reason: 'unparseable',
      claim: 'none',
      jobId: 'nightly',
      detail: 'kind: Invalid input',
      redrives: 0,
    });
    expect(notJson).toMatchObject({ reason: 'unparseable', claim: 'none' });
    expect(notJson).not.toHaveProperty('jobId');
  });

  it("reads an envelope the jobs queue's redrive policy moved as a crash loop of its occurrence", () => {
    // Prepare
    const manual = JSON.stringify({
      v: 1,
      jobId: 'nightly',
      kind: 'manual',
      runId: '20300101T091500Z-mabcd',
      requestedAt: '2030-01-01T09:15:00.000Z',
    });
    const tick = JSON.stringify({ v: 1, jobId: 'nightly', kind: 'tick', scheduledTime: AT.toISOString() });
    const placeholder = JSON.stringify({
      v: 1,
      jobId: 'nightly',
      kind: 'schedule',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });

    // Act
    const [ofSchedule, ofManual, ofTick, ofPlaceholder] = [
      scheduleEnvelope('nightly', AT),
      manual,
      tick,
      placeholder,
    ].map((body) => describeDeadLetter(letter('jobs', body)));

    // Assess
    expect(ofSchedule).toMatchObject({
      reason: 'crash-loop',
      claim: 'first',
      jobId: 'nightly',
      runId: '20300101T090000Z',
      scheduledTime: AT,
      detail: 'received 21 times in all without an outcome',
      redrives: 0,
    });
    expect(ofManual).toMatchObject({
      reason: 'crash-loop',
      claim: 'first',
      runId: '20300101T091500Z-mabcd',
      scheduledTime: new Date('2030-01-01T09:15:00Z'),
    });
    expect(ofTick).toMatchObject({ reason: 'crash-loop', claim: 'tick', jobId: 'nightly' });
    expect(ofTick).not.toHaveProperty('runId');
    expect(ofPlaceholder).toMatchObject({ reason: 'crash-loop', claim: 'first', jobId: 'nightly' });
    expect(ofPlaceholder).not.toHaveProperty('runId');
  });

  it('reads a body the redrive policy moved that is not a run envelope as unparseable', () => {
    // Act
    const described = describeDeadLetter(letter('jobs', '{"jobId":"nightly"}'));

    // Assess
    expect(described).toMatchObject({ reason: 'unparseable', claim: 'none', jobId: 'nightly' });
  });

  it('reads what Scheduler could not deliver, with its error code, message and attempts', () => {
    // Act
    const described = describeDeadLetter(
      letter('delivery', scheduleEnvelope('nightly', AT), schedulerDeadLetterAttributes(AT, 2)),
    );

    // Assess
    expect(described).toMatchObject({
      reason: 'delivery',
      claim: 'first',
      jobId: 'nightly',
      runId: '20300101T090000Z',
      scheduledTime: AT,
      error: { class: 'AWS.SimpleQueueService.NonExistentQueue', message: 'The specified queue does not exist.' },
      attempts: 3,
      redrives: 0,
    });
  });

  it("reads a failed reconcile trigger in the delivery DLQ as not a run, with Scheduler's time when it has one", () => {
    // Prepare
    const event = JSON.stringify({ 'detail-type': 'Scheduled Event', source: 'aws.events', detail: {} });

    // Act
    const described = describeDeadLetter(letter('delivery', event, schedulerDeadLetterAttributes(AT)));
    const bare = describeDeadLetter(
      letter('delivery', event, { ERROR_MESSAGE: { dataType: 'String', stringValue: 'x' } }),
    );
    const noAttributes = describeDeadLetter(letter('delivery', event));

    // Assess
    expect(described).toMatchObject({ reason: 'delivery', claim: 'none', scheduledTime: AT });
    expect(described.detail).toMatch(/not a run envelope/);
    expect(bare.error).toEqual({ class: 'Unknown', message: 'x' });
    expect(noAttributes).not.toHaveProperty('error');
    expect(noAttributes).not.toHaveProperty('attempts');
  });
});

describe('telling a stale DLQ message: one a redrive would not run', () => {
  const described = (claim: DescribedDeadLetter['claim'], redrives = 0): DescribedDeadLetter => ({
    letter: letter('jobs', '{}'),
    reason: 'exhausted',
    claim,
    jobId: 'nightly',
    runId: '20300101T090000Z',
    redrives,
  });
  const run = (status: Run['status'], redrives?: number): Run => ({
    jobId: 'nightly',
    runId: '20300101T090000Z',
    scheduledTime: AT.toISOString(),
    kind: 'schedule',
    status,
    attempts: 3,
    ...(redrives !== undefined && { redrives }),
  });

  it.each([
    [
      'a copy of a failure the ledger still shows failed at its count',
      described('redrive', 1),
      run('failed', 1),
      undefined,
    ],
    ['a copy of a failure whose run the ledger no longer has', described('redrive'), undefined, undefined],
    ['a copy of a failure whose run succeeded since', described('redrive'), run('succeeded', 1), 'succeeded'],
    ['a copy of a failure redriven already', described('redrive', 0), run('failed', 1), 'redriven'],
    [
      'a copy of a failure from before the counter, redriven since',
      described('redrive', 0),
      run('failed', 1),
      'redriven',
    ],
    [
      'a copy of a failure whose run lapsed mid-run (a redrive resumes it)',
      described('redrive', 0),
      run('running', 1),
      undefined,
    ],
    ['a copy of a failure whose run was recorded missed', described('redrive'), run('missed'), 'settled'],
    ['a copy of a failure whose run was recorded skipped', described('redrive'), run('skipped'), 'settled'],
    ['a crash-looped envelope whose run has no outcome', described('first'), run('running', 0), undefined],
    ['a crash-looped envelope whose run run-now queued', described('first'), run('queued'), undefined],
    ['a crash-looped envelope whose run succeeded since', described('first'), run('succeeded'), 'succeeded'],
    ['a crash-looped envelope whose run failed since', described('first'), run('failed'), 'settled'],
    ['a delivery whose occurrence was recorded missed', described('first'), run('missed'), 'settled'],
    ['a tick', described('tick'), run('succeeded'), undefined],
    ['a message that is not a run envelope', described('none'), undefined, 'unparseable'],
  ])('%s', (_, copy, current, expected) => {
    // Act
    const reason = staleReasonOf(copy, true, current);

    // Assess
    expect(reason).toBe(expected);
  });

  it('calls a message of a deleted job stale, and one whose job is unknown by what its run says', () => {
    // Act / Assess
    expect(staleReasonOf(described('redrive'), false, run('failed'))).toBe('job-deleted');
    expect(staleReasonOf(described('tick'), false, undefined)).toBe('job-deleted');
    expect(staleReasonOf(described('redrive'), undefined, run('succeeded'))).toBe('succeeded');
  });
});
