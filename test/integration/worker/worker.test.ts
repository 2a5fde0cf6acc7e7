import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand } from '@aws-sdk/client-sqs';
import { DynamoDbJobStore } from '../../../lib/adapters/aws/dynamodb-job-store';
import { DynamoDbRunLedger } from '../../../lib/adapters/aws/dynamodb-run-ledger';
import { scheduledRunId } from '../../../lib/domain/run-id';
import type { Occurrence, RunLedger } from '../../../lib/ports/run-ledger';
import type { Job } from '../../../lib/schemas/job';
import { ENV } from '../../../lib/schemas/config';
import { taskRegistry } from '../../../functions/tasks';
import { awsWorkerDeps } from '../../../lib/composition/worker';
import { makeWorkerHandler, type WorkerHandlerDeps } from '../../../lib/handlers/worker-handler';
import { aJob } from '../../support/worker/builders';
import {
  checkHistory,
  createWorkerCloud,
  deliver,
  drain,
  receive,
  redriveDlq,
  sendBody,
  type WorkerCloud,
  type WorkerHandler,
} from '../../support/worker/cloud';
import { guardedClient } from '../../support/aws-clients';
import { uniqueName } from '../../support/names';

const minutesAgo = (minutes: number) => new Date(Math.floor(Date.now() / 60_000) * 60_000 - minutes * 60_000);
const envelope = (jobId: string, at: Date) => ({ v: 1, jobId, kind: 'schedule', scheduledTime: at.toISOString() });
const sideEffectJob = (overrides: Partial<Job> = {}): Job =>
  aJob({
    id: uniqueName('job'),
    trigger: { type: 'interval', hours: 1 },
    target: { type: 'task', task: 'test.record-side-effect', payload: {} },
    ...overrides,
  });

describe('the worker against the local cloud', () => {
  let cloud: WorkerCloud;
  let jobs: DynamoDbJobStore;
  let ledger: DynamoDbRunLedger;

  beforeAll(async () => {
    cloud = await createWorkerCloud(2);
    jobs = new DynamoDbJobStore(guardedClient(DynamoDBClient), cloud.jobsTable);
    ledger = new DynamoDbRunLedger(guardedClient(DynamoDBClient), cloud.runsTable, 1);
  });
  afterAll(async () => {
    await cloud.destroy();
  });

  function handlerWith(change: (deps: WorkerHandlerDeps) => WorkerHandlerDeps = (deps) => deps, config = {}) {
    const deps = change(awsWorkerDeps(cloud.config(config), taskRegistry));
    const handler: WorkerHandler = (event, context) => makeWorkerHandler(deps)(event, context);
    return handler;
  }

  /** Sends the job's occurrence at `at` to the queue and lets `handler` drain it. */
  async function sendAndDrain(jobId: string, at: Date, handler: WorkerHandler, options: Parameters<typeof drain>[2]) {
    await sendBody(cloud, envelope(jobId, at));
    await drain(cloud, handler, options);
  }

  /** Claims an occurrence as another worker would, holding it and the job's slot 0 for `leaseMs`. */
  function claimAsAnotherWorker(occurrence: Occurrence, token: string, leaseMs: number) {
    const now = new Date();
    return ledger.claim({
      occurrence,
      expect: { kind: 'absent' },
      token,
      now,
      leaseUntil: new Date(now.getTime() + leaseMs),
      slot: 0,
    });
  }

  function withSettings(settings: Partial<WorkerHandlerDeps['worker']['settings']>) {
    return (deps: WorkerHandlerDeps): WorkerHandlerDeps => ({
      ...deps,
      worker: { ...deps.worker, settings: { ...deps.worker.settings, ...settings } },
    });
  }

  it('runs an occurrence delivered twice in sequence once', async () => {
    // Prepare
    const job = sideEffectJob();
    await jobs.create(job);
    const at = minutesAgo(0);
    const handler = handlerWith();

    // Act
    await sendAndDrain(job.id, at, handler, { quietMs: 1000 });
    await sendAndDrain(job.id, at, handler, { quietMs: 1000 });

    // Assess
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 1 })]);
    expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
  });

  it('runs an occurrence delivered five times concurrently once', async () => {
    // Prepare
    const job = sideEffectJob({
      maxConcurrent: 5,
      target: { type: 'task', task: 'test.record-side-effect', payload: { sleepMs: 200 } },
    });
    await jobs.create(job);
    const at = minutesAgo(0);
    for (let copy = 0; copy < 5; copy++) await sendBody(cloud, envelope(job.id, at));
    const messages = [];
    while (messages.length < 5) messages.push(...(await receive(cloud, 5 - messages.length, 1)));
    const handler = handlerWith();

    // Act: five concurrent invocations of one record each
    const failed = await Promise.all(messages.map((message) => deliver(cloud, handler, [message])));

    // Assess
    expect(failed.flat()).toEqual([]);
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toHaveLength(1);
    expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
  });

  it('runs again, once, an occurrence whose worker crashed after the claim', async () => {
    // Prepare: a worker claimed the occurrence, then died without acknowledging its message
    const job = sideEffectJob();
    await jobs.create(job);
    const at = minutesAgo(0);
    await sendBody(cloud, envelope(job.id, at));
    const [crashed] = await receive(cloud, 1, 1);
    expect(crashed).toBeDefined();
    const claim = await claimAsAnotherWorker(
      { jobId: job.id, runId: scheduledRunId(at), scheduledTime: at, kind: 'schedule' },
      'crashed-worker',
      1500,
    );
    expect(claim).toEqual({ kind: 'claimed', attempt: 1, redrives: 0 });

    // Act: the message comes back after its visibility timeout
    await drain(cloud, handlerWith(), { quietMs: 3000 });

    // Assess
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 2 })]);
    expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
  });

  it('brings back a message received again while its first receive runs, and runs the occurrence once', async () => {
    // Prepare: attempt 1 sleeps 3 s and fails; the queue's 2 s visibility timeout hands the message out again meanwhile
    const job = sideEffectJob({
      target: { type: 'task', task: 'test.record-side-effect', payload: { failures: 1, sleepMs: 3000 } },
      retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 },
    });
    await jobs.create(job);
    const at = minutesAgo(0);
    await sendBody(cloud, envelope(job.id, at));
    const first = await receive(cloud, 1, 1);
    expect(first).toHaveLength(1);
    const handler = handlerWith(withSettings({ reserveMs: 500 }));

    // Act
    const firstReceive = deliver(cloud, handler, first, 6000);
    const again = [];
    while (again.length === 0) again.push(...(await receive(cloud, 1, 1)));
    const secondFailed = await deliver(cloud, handler, again, 6000);
    await firstReceive;
    // The message comes back once the first receive's lease has ended (6 s after its claim).
    await drain(cloud, handler, { quietMs: 8000 });

    // Assess
    expect(again[0]?.MessageId).toBe(first[0]?.MessageId);
    expect(secondFailed).toEqual([first[0]?.MessageId]);
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 2 })]);
    expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
  });

  it('records misfired, coalesced, paused and overlapping occurrences as specified, and drops a deleted job', async () => {
    // Prepare
    const misfired = sideEffectJob({ misfireGraceSeconds: 60 });
    const coalesced = sideEffectJob({
      misfireGraceSeconds: 3600,
      coalesce: true,
      trigger: { type: 'cron', expression: '*/5 * * * *' },
    });
    const paused = sideEffectJob({ state: 'paused' });
    const overlapping = sideEffectJob({ maxConcurrent: 1, overlap: 'skip' });
    for (const job of [misfired, coalesced, paused, overlapping]) await jobs.create(job);
    await claimAsAnotherWorker(
      { jobId: overlapping.id, runId: 'earlier', scheduledTime: minutesAgo(60), kind: 'schedule' },
      'other-worker',
      60_000,
    );
    const fiveMinuteMark = new Date(Math.floor(Date.now() / 300_000) * 300_000 - 300_000);

    // Act
    await sendBody(cloud, envelope(misfired.id, minutesAgo(10)));
    await sendBody(cloud, envelope(coalesced.id, fiveMinuteMark));
    await sendBody(cloud, envelope(paused.id, minutesAgo(0)));
    await sendBody(cloud, envelope(overlapping.id, minutesAgo(0)));
    await sendBody(cloud, envelope('no-such-job', minutesAgo(0)));
    await drain(cloud, handlerWith(), { quietMs: 1500 });

    // Assess
    expect((await checkHistory(cloud, misfired.id)).runs).toEqual([
      expect.objectContaining({ status: 'missed', reason: 'misfire' }),
    ]);
    expect((await checkHistory(cloud, coalesced.id)).runs).toEqual([
      expect.objectContaining({ status: 'skipped', reason: 'coalesced' }),
    ]);
    expect((await checkHistory(cloud, paused.id)).runs).toEqual([
      expect.objectContaining({ status: 'skipped', reason: 'paused' }),
    ]);
    const overlapRuns = (await checkHistory(cloud, overlapping.id).catch(() => undefined))?.runs;
    expect(overlapRuns).toBeUndefined(); // 'earlier' still holds its slot and is running: not terminal
    const overlap = await ledger.get(overlapping.id, scheduledRunId(minutesAgo(0)));
    expect(overlap).toMatchObject({ status: 'skipped', reason: 'overlap' });
    expect((await checkHistory(cloud, 'no-such-job')).runs).toEqual([]);
    expect(await receive(cloud, 10, 0)).toEqual([]);
  });

  it('queues an overlapping occurrence until the slot frees', async () => {
    // Prepare
    const job = sideEffectJob({ maxConcurrent: 1, overlap: 'queue' });
    await jobs.create(job);
    await claimAsAnotherWorker(
      { jobId: job.id, runId: 'holder', scheduledTime: minutesAgo(60), kind: 'schedule' },
      'other-worker',
      2500,
    );
    const at = minutesAgo(0);
    let deliveries = 0;

    // Act
    await sendAndDrain(job.id, at, handlerWith(withSettings({ overlapRetrySeconds: 1 })), {
      quietMs: 3000,
      onBatch: () => (deliveries += 1),
    });

    // Assess
    expect(deliveries).toBeGreaterThan(1);
    expect(await ledger.get(job.id, scheduledRunId(at))).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('holds a lowered maxConcurrent at once while a run holds a slot above it', async () => {
    // Prepare: under a limit of 2 another worker holds slot 1; the limit is now 1 and slot 0 is free
    const job = sideEffectJob({ maxConcurrent: 1, overlap: 'skip' });
    await jobs.create(job);
    const holder: Occurrence = { jobId: job.id, runId: 'holder', scheduledTime: minutesAgo(60), kind: 'schedule' };
    const now = new Date();
    const held = await ledger.claim({
      occurrence: holder,
      expect: { kind: 'absent' },
      token: 'other-worker',
      now,
      leaseUntil: new Date(now.getTime() + 30_000),
      slot: 1,
      maxConcurrent: 2,
    });
    expect(held).toMatchObject({ kind: 'claimed' });
    const at = minutesAgo(0);

    // Act
    await sendAndDrain(job.id, at, handlerWith(), { quietMs: 1000 });
    await ledger.finish(
      { occurrence: holder, token: 'other-worker', attempt: 1, redrives: 0, startedAt: now, slot: 1 },
      { status: 'succeeded', finishedAt: new Date(), durationMs: 1 },
    );

    // Assess
    const history = await checkHistory(cloud, job.id);
    expect(history.runs.find((run) => run.runId === scheduledRunId(at))).toMatchObject({
      status: 'skipped',
      reason: 'overlap',
    });
    expect(history.sideEffects.get(scheduledRunId(at))).toBeUndefined();
  });

  it('succeeds on attempt 3 of a task failing twice, after the backoff delays', async () => {
    // Prepare
    const job = sideEffectJob({
      retry: { maxAttempts: 3, initialSeconds: 1, multiplier: 2, maxSeconds: 10 },
      target: { type: 'task', task: 'test.record-side-effect', payload: { failures: 2 } },
    });
    await jobs.create(job);
    const at = minutesAgo(0);
    const deliveredAt: number[] = [];

    // Act
    await sendAndDrain(job.id, at, handlerWith(), { quietMs: 4000, onBatch: () => deliveredAt.push(Date.now()) });

    // Assess
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 3 })]);
    expect(history.runs[0]?.error).toBeUndefined();
    expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
    expect(deliveredAt).toHaveLength(3);
    const [first = 0, second = 0, third = 0] = deliveredAt;
    expect(second - first).toBeGreaterThanOrEqual(900);
    expect(third - second).toBeGreaterThanOrEqual(1900);
  });

  it('fails a task that always fails after maxAttempts, moves it to the DLQ, and runs the rest of the batch', async () => {
    // Prepare
    const failing = sideEffectJob({
      retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 },
      target: { type: 'task', task: 'test.record-side-effect', payload: { failures: 99 } },
    });
    const fine = [sideEffectJob(), sideEffectJob()];
    for (const job of [failing, ...fine]) await jobs.create(job);
    const at = minutesAgo(0);
    for (const job of [failing, ...fine]) await sendBody(cloud, envelope(job.id, at));
    const batch = [];
    while (batch.length < 3) batch.push(...(await receive(cloud, 3 - batch.length, 1)));
    const handler = handlerWith();

    // Act
    const failedFirst = await deliver(cloud, handler, batch);
    await drain(cloud, handler, { quietMs: 3000 });

    // Assess
    const failingMessage = batch.find((message) => message.Body?.includes(failing.id));
    expect(failedFirst).toEqual([failingMessage?.MessageId]);
    const failedRuns = (await checkHistory(cloud, failing.id)).runs;
    expect(failedRuns).toHaveLength(1);
    expect(failedRuns[0]).toMatchObject({ status: 'failed', attempts: 2, error: { category: 'task_exception' } });
    for (const job of fine) {
      expect((await checkHistory(cloud, job.id)).runs).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    }
    const [dead] = await receive(cloud, 1, 2, cloud.dlqUrl);
    expect(dead?.Body).toBe(JSON.stringify(envelope(failing.id, at)));
    expect(dead?.MessageAttributes).toMatchObject({
      'sked-reason': { StringValue: 'exhausted' },
      'sked-job-id': { StringValue: failing.id },
      'sked-error-category': { StringValue: 'task_exception' },
    });
    // SQS refuses a message with more than 10 attributes (the emulator does not)
    expect(Object.keys(dead?.MessageAttributes ?? {}).length).toBeLessThanOrEqual(10);
    expect(JSON.parse(dead?.MessageAttributes?.['sked-failure']?.StringValue ?? '{}')).toMatchObject({
      attempts: 2,
      error: { class: 'Error', message: 'planned failure 2 of 99' },
    });
  });

  it('runs a failed occurrence again, once, when its DLQ copy is redriven after the job is fixed', async () => {
    // Prepare: a run that exhausts its attempts and lands in a DLQ of its own, then a fix to the job; the grace
    // lets the first attempt start but has passed by the time of the redrive
    const at = minutesAgo(0);
    const job = sideEffectJob({
      misfireGraceSeconds: Math.ceil((Date.now() - at.getTime()) / 1000) + 2,
      retry: { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 },
      target: { type: 'task', task: 'test.record-side-effect', payload: { failures: 99 } },
    });
    await jobs.create(job);
    const { QueueUrl: dlqUrl = '' } = await cloud.sqs.send(
      new CreateQueueCommand({ QueueName: uniqueName('sked-wk-redrive') }),
    );
    const handler = handlerWith(undefined, { [ENV.jobsDlqUrl]: dlqUrl });
    await sendAndDrain(job.id, at, handler, { quietMs: 2500 });
    const failed = await ledger.get(job.id, scheduledRunId(at));
    const fixed: Job = { ...job, target: { type: 'task', task: 'test.record-side-effect', payload: {} }, version: 2 };
    await jobs.replace(fixed, job.version);

    // Act: redrive twice; the second finds nothing left to move
    const moved = await redriveDlq(cloud, dlqUrl);
    await drain(cloud, handler, { quietMs: 1500 });
    const movedAgain = await redriveDlq(cloud, dlqUrl);
    await cloud.sqs.send(new DeleteQueueCommand({ QueueUrl: dlqUrl }));

    // Assess
    expect(failed).toMatchObject({ status: 'failed', attempts: 2 });
    expect([moved, movedAgain]).toEqual([1, 0]);
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 1, redrives: 1 })]);
    expect(history.runs[0]?.error).toBeUndefined();
    expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
  });

  it('acknowledges a redriven copy of an occurrence that already succeeded without running it', async () => {
    // Prepare: a stale DLQ copy of an occurrence another delivery completed
    const job = sideEffectJob();
    await jobs.create(job);
    const at = minutesAgo(0);
    const handler = handlerWith();
    await sendAndDrain(job.id, at, handler, { quietMs: 1000 });
    await cloud.sqs.send(
      new SendMessageCommand({
        QueueUrl: cloud.queueUrl,
        MessageBody: JSON.stringify(envelope(job.id, at)),
        MessageAttributes: {
          'sked-reason': { DataType: 'String', StringValue: 'exhausted' },
          'sked-run-id': { DataType: 'String', StringValue: scheduledRunId(at) },
          'sked-scheduled-time': { DataType: 'String', StringValue: at.toISOString() },
          'sked-redrives': { DataType: 'Number', StringValue: '0' },
        },
      }),
    );

    // Act
    await drain(cloud, handler, { quietMs: 1000 });

    // Assess
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 1 })]);
    expect(history.runs[0]).not.toHaveProperty('redrives');
    expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
  });

  it('moves an unparseable message to the DLQ with the reason', async () => {
    // Act
    await sendBody(cloud, 'not json at all');
    await drain(cloud, handlerWith(), { quietMs: 1000 });

    // Assess
    const dead = await receive(cloud, 10, 2, cloud.dlqUrl);
    expect(dead.find((message) => message.Body === 'not json at all')?.MessageAttributes).toMatchObject({
      'sked-reason': { StringValue: 'unparseable' },
      'sked-detail': { StringValue: 'body is not JSON' },
    });
  });

  it.each(['claim', 'finish'] as const)(
    'loses nothing and marks nothing done that did not finish when DynamoDB fails once on %s',
    async (method) => {
      // Prepare
      const job = sideEffectJob();
      await jobs.create(job);
      const at = minutesAgo(0);
      let failures = 1;
      const observed: string[] = [];
      const flaky = (deps: WorkerHandlerDeps): WorkerHandlerDeps => {
        const real: RunLedger = deps.worker.ledger;
        const wrapped: RunLedger = {
          get: (jobId, runId) => real.get(jobId, runId),
          list: (jobId, query) => real.list(jobId, query),
          record: (occurrence, expect, outcome) => real.record(occurrence, expect, outcome),
          release: (claim, error, when) => real.release(claim, error, when),
          claim: async (request) => {
            if (method === 'claim' && failures-- > 0)
              throw Object.assign(new Error('injected'), { name: 'InternalServerError' });
            return real.claim(request);
          },
          finish: async (claim, run) => {
            if (method === 'finish' && failures-- > 0) {
              observed.push(String((await real.get(claim.occurrence.jobId, claim.occurrence.runId))?.status));
              throw Object.assign(new Error('injected'), { name: 'InternalServerError' });
            }
            return real.finish(claim, run);
          },
        };
        return { ...deps, worker: { ...deps.worker, ledger: wrapped } };
      };

      // Act: a failure before the claim brings the message back after a second here (30 s by default)
      const soon = withSettings({ beforeClaimRetry: { initialSeconds: 1, maxSeconds: 1 } });
      await sendAndDrain(
        job.id,
        at,
        handlerWith((deps) => soon(flaky(deps))),
        { quietMs: 3500 },
      );

      // Assess
      const history = await checkHistory(cloud, job.id);
      expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 1 })]);
      expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
      if (method === 'finish') expect(observed).toEqual(['running']);
    },
  );

  it('uses the SentTimestamp when the scheduled time arrives unsubstituted', async () => {
    // Prepare
    const job = sideEffectJob();
    await jobs.create(job);

    // Act
    await sendBody(cloud, { v: 1, jobId: job.id, kind: 'schedule', scheduledTime: '<aws.scheduler.scheduled-time>' });
    await drain(cloud, handlerWith(), { quietMs: 1000 });

    // Assess
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded' })]);
    expect(String(history.runs[0]?.scheduledTime)).toMatch(/:00\.000Z$/);
  });

  describe('HTTP targets', () => {
    let server: Server;
    let port = 0;
    const received: { verified: boolean; body: string }[] = [];

    beforeAll(async () => {
      server = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
        request.on('end', () => {
          const header = String(request.headers['sked-signature'] ?? '');
          const match = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(header);
          const expected = match
            ? createHmac('sha256', cloud.secretValue).update(`${match[1]}.${body}`).digest('hex')
            : '';
          const verified = match !== null && match[2] === expected;
          received.push({ verified, body });
          if (request.url === '/leaky') {
            const echoed = String(request.headers.authorization ?? '');
            response.writeHead(500).end(`leaked ${cloud.secretValue} and +33 6 12 34 56 78 and ${echoed}`);
            return;
          }
          response.writeHead(verified ? 200 : 401).end(verified ? 'signature ok' : 'bad signature');
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('calls an allow-listed local receiver that verifies the signature', async () => {
      // Prepare
      const job = sideEffectJob({
        target: { type: 'http', url: `http://127.0.0.1:${port}/hook`, method: 'POST', headers: {}, timeoutSeconds: 5 },
      });
      await jobs.create(job);
      const at = minutesAgo(0);
      const handler = handlerWith(undefined, { [ENV.httpAllowlist]: `127.0.0.1:${port}`, [ENV.allowHttp]: 'true' });

      // Act
      await sendAndDrain(job.id, at, handler, { quietMs: 1000 });

      // Assess
      const history = await checkHistory(cloud, job.id);
      expect(history.runs).toEqual([
        expect.objectContaining({ status: 'succeeded', result: { status: 200, body: 'signature ok' } }),
      ]);
      expect(received.at(-1)?.verified).toBe(true);
      expect(JSON.parse(received.at(-1)?.body ?? '{}')).toMatchObject({ jobId: job.id, runId: scheduledRunId(at) });
    });

    it.each([
      ['a loopback address', `http://127.0.0.1:PORT/hook`],
      ['a private address', 'http://10.0.0.1/hook'],
      ['the metadata address', 'http://169.254.169.254/latest/meta-data/'],
      ['the IPv6 loopback address', 'http://[::1]:PORT/hook'],
      ['a hostname resolving to a private address', 'http://localhost:PORT/hook'],
    ])('refuses %s without an allow-list entry', async (_label, template) => {
      // Prepare
      const url = template.replace('PORT', String(port));
      const job = sideEffectJob({ target: { type: 'http', url, method: 'POST', headers: {}, timeoutSeconds: 2 } });
      await jobs.create(job);
      const before = received.length;

      // Act
      await sendBody(cloud, envelope(job.id, minutesAgo(0)));
      await drain(cloud, handlerWith(undefined, { [ENV.allowHttp]: 'true' }), { quietMs: 1000 });

      // Assess
      const history = await checkHistory(cloud, job.id);
      expect(history.runs).toHaveLength(1);
      expect(history.runs[0]).toMatchObject({
        status: 'failed',
        attempts: 1,
        error: { class: 'TargetRefusedError', category: 'payload_validation' },
      });
      expect(received.length).toBe(before);
    });

    it('writes log lines that carry the ids and none of the secrets, header tokens or masked patterns', async () => {
      // Prepare: a receiver that echoes the signing secret and the job's own authorization header
      const token = `tok-${uniqueName('t')}`;
      const job = sideEffectJob({
        retry: { maxAttempts: 1, initialSeconds: 1, multiplier: 1, maxSeconds: 1 },
        target: {
          type: 'http',
          url: `http://127.0.0.1:${port}/leaky`,
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
          timeoutSeconds: 5,
        },
      });
      await jobs.create(job);
      const at = minutesAgo(0);
      // Every level, so the debug lines are checked for secrets too.
      const level = process.env.POWERTOOLS_LOG_LEVEL;
      process.env.POWERTOOLS_LOG_LEVEL = 'DEBUG';
      const handler = handlerWith(undefined, {
        [ENV.httpAllowlist]: `127.0.0.1:${port}`,
        [ENV.allowHttp]: 'true',
        [ENV.maskPatterns]: JSON.stringify(['\\+\\d{2}(?: \\d{1,2}){5}']),
      });
      if (level === undefined) delete process.env.POWERTOOLS_LOG_LEVEL;
      else process.env.POWERTOOLS_LOG_LEVEL = level;
      // Powertools writes info to stdout and warnings and errors to stderr.
      const lines: string[] = [];
      const streams = [process.stdout, process.stderr];
      const originals = streams.map((stream) => stream.write.bind(stream));
      streams.forEach((stream, index) => {
        const original = originals[index];
        stream.write = (chunk: string | Uint8Array, ...rest: never[]) => {
          lines.push(String(chunk));
          return original?.(chunk, ...rest) ?? true;
        };
      });

      // Act
      try {
        await sendAndDrain(job.id, at, handler, { quietMs: 1000 });
      } finally {
        streams.forEach((stream, index) => {
          const original = originals[index];
          if (original !== undefined) stream.write = original;
        });
      }

      // Assess
      const runLines = lines.filter((line) => line.includes(job.id));
      expect(runLines.length).toBeGreaterThan(1);
      expect(runLines.some((line) => line.includes('"run started"'))).toBe(true);
      expect(runLines.some((line) => line.includes('webhook answered 500'))).toBe(true);
      for (const line of runLines) {
        if (!line.trimStart().startsWith('{') || line.includes('"_aws"')) continue;
        expect(line).toContain(`"runId":"${scheduledRunId(at)}"`);
        expect(line).toContain(`"scheduledTime":"${at.toISOString()}"`);
      }
      expect(lines.join('')).not.toContain(cloud.secretValue);
      expect(lines.join('')).not.toContain('+33 6 12 34 56 78');
      expect(lines.join('')).not.toContain(token);
      const history = await checkHistory(cloud, job.id);
      expect(history.runs).toEqual([expect.objectContaining({ status: 'failed' })]);
      expect(JSON.stringify(history.runs)).not.toContain(token);
      expect(JSON.stringify(history.runs[0]?.error)).toContain('and ****');
    });
  });
});
