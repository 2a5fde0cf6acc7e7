import { describe, expect, it } from 'vitest';
import { JobNotFoundError, RunNotFoundError, StaleVersionError, ValidationError } from '../../../lib/domain/errors';
import type { Run } from '../../../lib/schemas/run';
import {
  applyMergePatch,
  createJob,
  deleteJob,
  getJob,
  getRun,
  JobStateConflictError,
  listJobs,
  listRuns,
  listTasks,
  patchJob,
  pauseJob,
  previewTrigger,
  resumeJob,
  runNow,
} from '../../../lib/use-cases/jobs';
import { cronJobBody, fakeJobsDeps, type FakeJobsDeps } from '../../support/fakes/jobs-deps';

const caller = 'arn:aws:iam::000000000000:user/alice';

async function seedJob(deps: FakeJobsDeps, overrides: Record<string, unknown> = {}) {
  const { job } = await createJob(deps, { body: cronJobBody(overrides), onConflict: 'fail', caller });
  return job;
}

function run(overrides: Partial<Run> = {}): Run {
  return {
    jobId: 'j',
    runId: '20300101T093000Z',
    scheduledTime: '2030-01-01T09:30:00.000Z',
    kind: 'schedule',
    status: 'succeeded',
    attempts: 1,
    ...overrides,
  };
}

describe('applyMergePatch', () => {
  it('replaces members, removes nulls and merges nested objects as RFC 7396 says', () => {
    // Prepare
    const target = { a: 'b', c: { d: 'e', f: 'g' }, keep: [1, 2] };

    // Act
    const merged = applyMergePatch(target, { a: 'z', c: { f: null }, keep: [3] });

    // Assess
    expect(merged).toEqual({ a: 'z', c: { d: 'e' }, keep: [3] });
  });

  it('treats a __proto__ member as data, never as a prototype', () => {
    // Prepare
    const patch: unknown = JSON.parse('{"__proto__": {"polluted": true}}');

    // Act
    const merged = applyMergePatch({}, patch);

    // Assess
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.keys(merged as object)).toEqual(['__proto__']);
  });
});

describe('patchJob', () => {
  it('reschedules when the trigger changes and keeps the fields not patched', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j', tags: ['billing'] });

    // Act
    const job = await patchJob(deps, { id: 'j', patch: { trigger: { type: 'interval', hours: 2 } }, caller });

    // Assess
    expect(job).toMatchObject({ version: 2, tags: ['billing'], trigger: { type: 'interval', hours: 2 } });
    expect(deps.schedules.definitions.get('j')?.ScheduleExpression).toBe('rate(2 hours)');
  });

  it('removes an optional field patched with null and merges into the target', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j', description: 'old' });

    // Act
    const job = await patchJob(deps, {
      id: 'j',
      patch: { description: null, target: { payload: { format: 'csv' } } },
      caller,
    });

    // Assess
    expect(job.description).toBeUndefined();
    expect(job.target).toEqual({
      type: 'task',
      task: 'report',
      payload: { recipient: 'ops@example.com', format: 'csv' },
    });
  });

  it('refuses fields that cannot be patched, naming each', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });

    // Act
    const attempt = patchJob(deps, { id: 'j', patch: { id: 'other', version: 9, name: 'ok' }, caller });

    // Assess
    await expect(attempt).rejects.toSatisfy(
      (error) => error instanceof ValidationError && error.issues.map((i) => i.path).join() === 'id,version',
    );
  });

  it('validates the merged job as a whole', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });

    // Act
    const attempt = patchJob(deps, { id: 'j', patch: { trigger: null }, caller });

    // Assess
    await expect(attempt).rejects.toSatisfy(
      (error) => error instanceof ValidationError && error.issues[0]?.path === 'trigger',
    );
  });

  it('refuses a stale If-Match', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    await patchJob(deps, { id: 'j', patch: { name: 'v2' }, caller });

    // Act
    const attempt = patchJob(deps, { id: 'j', patch: { name: 'v3' }, caller, ifMatch: ['"j.v1"'] });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StaleVersionError);
  });

  it('keeps a paused job paused, with a disabled schedule', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    await pauseJob(deps, { id: 'j', body: {}, caller });

    // Act
    const job = await patchJob(deps, { id: 'j', patch: { name: 'renamed' }, caller });

    // Assess
    expect(job.state).toBe('paused');
    expect(deps.schedules.definitions.get('j')?.State).toBe('DISABLED');
  });
});

describe('pauseJob and resumeJob', () => {
  it('disables the schedule and records who paused, when and why', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });

    // Act
    const job = await pauseJob(deps, { id: 'j', body: { reason: 'maintenance' }, caller });

    // Assess
    expect(job).toMatchObject({
      state: 'paused',
      paused: { at: '2030-01-01T00:00:00.000Z', by: caller, reason: 'maintenance' },
      version: 2,
    });
    expect(deps.schedules.definitions.get('j')?.State).toBe('DISABLED');
    expect(deps.events.types()).toEqual(['JobCreated', 'JobPaused']);
  });

  it('enables the schedule again on resume and clears the pause record', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    await pauseJob(deps, { id: 'j', body: undefined, caller });

    // Act
    const job = await resumeJob(deps, { id: 'j', caller });

    // Assess
    expect(job.state).toBe('enabled');
    expect(job.paused).toBeUndefined();
    expect(deps.schedules.definitions.get('j')?.State).toBe('ENABLED');
  });

  it('changes nothing when pausing a paused job', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const paused = await pauseJob(deps, { id: 'j', body: {}, caller });

    // Act
    const again = await pauseJob(deps, { id: 'j', body: { reason: 'again' }, caller });

    // Assess
    expect(again).toEqual(paused);
  });

  it('changes nothing when resuming an enabled job', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const created = await seedJob(deps, { id: 'j' });
    deps.schedules.calls.length = 0;

    // Act
    const resumed = await resumeJob(deps, { id: 'j', caller });

    // Assess
    expect(resumed).toEqual(created);
    expect(deps.store.jobs.get('j')?.version).toBe(1);
    expect(deps.schedules.calls).toEqual([]);
    expect(deps.events.types()).toEqual(['JobCreated']);
  });

  it('refuses to pause a completed job', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const job = await seedJob(deps, { id: 'j' });
    deps.store.seed({ ...job, state: 'completed' });

    // Act
    const attempt = pauseJob(deps, { id: 'j', body: {}, caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(JobStateConflictError);
  });
});

describe('deleteJob', () => {
  it('removes the job and its schedule and announces it', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });

    // Act
    await deleteJob(deps, { id: 'j', caller });

    // Assess
    expect(deps.store.jobs.has('j')).toBe(false);
    expect(deps.schedules.definitions.has('j')).toBe(false);
    expect(deps.events.types()).toEqual(['JobCreated', 'JobDeleted']);
  });

  it('reports a missing job as not found', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const attempt = deleteJob(deps, { id: 'ghost', caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(JobNotFoundError);
  });

  it('still deletes the job when the schedule delete fails, leaving the orphan to reconcile', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.schedules.beforeDelete = () => {
      throw new Error('Scheduler is down');
    };

    // Act
    await deleteJob(deps, { id: 'j', caller });

    // Assess
    expect(deps.store.jobs.has('j')).toBe(false);
    expect(deps.schedules.definitions.has('j')).toBe(true);
    expect(deps.log.entries.map((entry) => entry.level)).toEqual(['error']);
  });
});

describe('runNow', () => {
  it('puts exactly one manual envelope on the queue and returns its run id', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });

    // Act
    const { runId } = await runNow(deps, { id: 'j', body: { payload: { recipient: 'cfo@example.com' } }, caller });

    // Assess
    expect(runId).toBe('20300101T000000Z-ms1');
    expect(deps.queue.sent).toEqual([
      {
        v: 1,
        jobId: 'j',
        kind: 'manual',
        runId,
        requestedAt: '2030-01-01T00:00:00.000Z',
        payload: { recipient: 'cfo@example.com' },
      },
    ]);
  });

  it('records the run as queued before sending, so the id it returns answers at once', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });

    // Act
    const { runId } = await runNow(deps, { id: 'j', body: {}, caller });
    const run = await getRun(deps, 'j', runId);

    // Assess
    expect(run).toEqual({
      jobId: 'j',
      runId,
      scheduledTime: '2030-01-01T00:00:00.000Z',
      kind: 'manual',
      status: 'queued',
      attempts: 0,
    });
    expect(deps.runs.writes).toEqual([`enqueue ${runId}`]);
    expect(deps.queue.sent).toHaveLength(1);
  });

  it('withdraws the queued run and fails when the message cannot be sent, leaving no run behind', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.queue.failure = new Error('SQS unavailable');

    // Act
    const attempt = runNow(deps, { id: 'j', body: {}, caller });

    // Assess
    await expect(attempt).rejects.toThrow('SQS unavailable');
    expect(deps.runs.writes).toEqual(['enqueue 20300101T000000Z-ms1', 'withdraw 20300101T000000Z-ms1']);
    expect((await listRuns(deps, 'j', {})).items).toEqual([]);
    expect(deps.log.entries).toEqual([]);
  });

  it('withdraws the record and fails when recording the queued run fails, sending nothing', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.runs.enqueue = () => Promise.reject(new Error('DynamoDB unavailable'));

    // Act
    const attempt = runNow(deps, { id: 'j', body: {}, caller });

    // Assess: the write may have committed with its response lost, so it is taken back all the same
    await expect(attempt).rejects.toThrow('DynamoDB unavailable');
    expect(deps.queue.sent).toEqual([]);
    expect(deps.runs.writes).toEqual(['withdraw 20300101T000000Z-ms1']);
  });

  it('fails with the send error and logs the run left queued when the withdrawal fails too', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.queue.failure = new Error('SQS unavailable');
    deps.runs.withdraw = () => Promise.reject(new Error('DynamoDB unavailable'));

    // Act
    const attempt = runNow(deps, { id: 'j', body: {}, caller });

    // Assess
    await expect(attempt).rejects.toThrow('SQS unavailable');
    expect(deps.log.entries).toEqual([
      expect.objectContaining({
        level: 'error',
        details: { jobId: 'j', runId: '20300101T000000Z-ms1', error: 'DynamoDB unavailable' },
      }),
    ]);
  });

  it("refuses a payload the task's schema rejects, sending nothing", async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });

    // Act
    const attempt = runNow(deps, { id: 'j', body: { payload: { recipient: 42 } }, caller });

    // Assess
    await expect(attempt).rejects.toSatisfy(
      (error) => error instanceof ValidationError && error.issues[0]?.path === 'payload.recipient',
    );
    expect(deps.queue.sent).toEqual([]);
  });

  it('refuses a payload for a webhook job, whose run would ignore it, sending nothing', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'hook', target: { type: 'http', url: 'https://hooks.example.com/run' } });

    // Act
    const attempt = runNow(deps, { id: 'hook', body: { payload: { any: 'thing' } }, caller });

    // Assess
    await expect(attempt).rejects.toSatisfy(
      (error) => error instanceof ValidationError && error.issues[0]?.path === 'payload',
    );
    expect(deps.queue.sent).toEqual([]);
  });
});

describe('getJob', () => {
  it('returns the next five fire times in UTC and the last run', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j', trigger: { type: 'cron', expression: '0 12 * * *', timezone: 'UTC' } });
    deps.runs.seed(run({ runId: '20291231T120000Z' }), run({ runId: '20291230T120000Z', status: 'failed' }));

    // Act
    const detail = await getJob(deps, 'j');

    // Assess
    expect(detail.nextRuns).toEqual([
      '2030-01-01T12:00:00.000Z',
      '2030-01-02T12:00:00.000Z',
      '2030-01-03T12:00:00.000Z',
      '2030-01-04T12:00:00.000Z',
      '2030-01-05T12:00:00.000Z',
    ]);
    expect(detail.lastRun).toEqual({
      runId: '20291231T120000Z',
      scheduledTime: '2030-01-01T09:30:00.000Z',
      kind: 'schedule',
      status: 'succeeded',
      attempts: 1,
    });
  });

  it('lists no fire times for a paused job', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    await pauseJob(deps, { id: 'j', body: {}, caller });

    // Act
    const detail = await getJob(deps, 'j');

    // Assess
    expect(detail.nextRuns).toEqual([]);
    expect(detail.lastRun).toBeUndefined();
  });

  it("lists only the fire times between the job's start and end dates", async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, {
      id: 'j',
      trigger: { type: 'cron', expression: '0 12 * * *', timezone: 'UTC' },
      startAt: '2030-01-03T00:00:00Z',
      endAt: '2030-01-05T00:00:00Z',
    });

    // Act
    const detail = await getJob(deps, 'j');

    // Assess
    expect(detail.nextRuns).toEqual(['2030-01-03T12:00:00.000Z', '2030-01-04T12:00:00.000Z']);
  });

  it('says when the last run finished', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.runs.seed(
      run({ runId: '20291231T093000Z', status: 'failed', attempts: 3, finishedAt: '2029-12-31T09:31:00Z' }),
    );

    // Act
    const detail = await getJob(deps, 'j');

    // Assess
    expect(detail.lastRun).toEqual({
      runId: '20291231T093000Z',
      scheduledTime: '2030-01-01T09:30:00.000Z',
      kind: 'schedule',
      status: 'failed',
      attempts: 3,
      finishedAt: '2029-12-31T09:31:00Z',
    });
  });

  it('refuses a malformed id as a validation problem on id', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const attempt = getJob(deps, 'bad id!');

    // Assess
    await expect(attempt).rejects.toSatisfy(
      (error) => error instanceof ValidationError && error.issues[0]?.path === 'id',
    );
  });
});

describe('listJobs', () => {
  it('filters by group and pages with a cursor', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    for (const id of ['a', 'b', 'c']) await seedJob(deps, { id, group: 'billing' });
    await seedJob(deps, { id: 'd', group: 'other' });

    // Act
    const first = await listJobs(deps, { group: 'billing', limit: '2' });
    const second = await listJobs(deps, { group: 'billing', limit: '2', cursor: first.nextCursor });

    // Assess
    expect(first.items.map((job) => job.id)).toEqual(['a', 'b']);
    expect(second.items.map((job) => job.id)).toEqual(['c']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('locates a bad query parameter under query', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const attempt = listJobs(deps, { limit: '1000', state: 'sleeping' });

    // Assess
    await expect(attempt).rejects.toSatisfy(
      (error) =>
        error instanceof ValidationError &&
        error.issues.map((issue) => issue.path).join() === 'query.state,query.limit',
    );
  });
});

describe('listRuns and getRun', () => {
  it('lists runs newest first, filtered by status', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.runs.seed(run({ runId: 'r1' }), run({ runId: 'r2', status: 'failed' }), run({ runId: 'r3' }));

    // Act
    const page = await listRuns(deps, 'j', { status: 'succeeded' });

    // Assess
    expect(page.items.map((item) => item.runId)).toEqual(['r3', 'r1']);
  });

  it('pages through the runs with a cursor', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.runs.seed(run({ runId: 'r1' }), run({ runId: 'r2' }), run({ runId: 'r3' }));

    // Act
    const first = await listRuns(deps, 'j', { limit: '2' });
    const second = await listRuns(deps, 'j', { limit: '2', cursor: first.nextCursor });

    // Assess
    expect(first.items.map((item) => item.runId)).toEqual(['r3', 'r2']);
    expect(first.nextCursor).toEqual(expect.any(String));
    expect(second.items.map((item) => item.runId)).toEqual(['r1']);
    expect(second.nextCursor).toBeUndefined();
  });

  it('reports an unknown run as not found', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });

    // Act
    const attempt = getRun(deps, 'j', 'nope');

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(RunNotFoundError);
  });
});

describe('previewTrigger', () => {
  it('returns the expression, time zone and fire times without storing anything', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const preview = previewTrigger(deps, {
      trigger: { type: 'cron', hour: 9, minute: 0, timezone: 'Europe/Paris' },
      count: 2,
    });

    // Assess
    expect(preview).toEqual({
      precision: 'minute',
      expression: 'cron(0 9 * * ? *)',
      timezone: 'Europe/Paris',
      nextRuns: ['2030-01-01T08:00:00.000Z', '2030-01-02T08:00:00.000Z'],
    });
    expect(deps.store.jobs.size).toBe(0);
  });

  it('lists the fire times from a given instant, inside the start and end dates', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const preview = previewTrigger(deps, {
      trigger: { type: 'cron', expression: '0 12 * * *', timezone: 'UTC' },
      count: 5,
      from: '2030-02-01T00:00:00Z',
      startAt: '2030-02-03T00:00:00Z',
      endAt: '2030-02-05T00:00:00Z',
    });

    // Assess
    expect(preview.nextRuns).toEqual(['2030-02-03T12:00:00.000Z', '2030-02-04T12:00:00.000Z']);
  });

  it('previews a sub-minute interval at its seconds, with the tick schedule and why it needs one', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const preview = previewTrigger(deps, { trigger: { type: 'interval', seconds: 10 }, count: 2 });

    // Assess
    expect(preview).toEqual({
      precision: 'second',
      expression: 'cron(0/5 * * * ? *)',
      timezone: 'UTC',
      triggerTimezone: 'UTC',
      nextRuns: ['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:10.000Z'],
      secondPrecision: { path: 'trigger.seconds', message: expect.stringMatching(/under a minute/) as unknown },
    });
  });
});

describe('listTasks', () => {
  it("lists each task with its payload's JSON Schema", () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const { items } = listTasks(deps);

    // Assess
    expect(items.map((task) => task.name)).toEqual(['noop', 'report']);
    expect(items[1]?.payloadSchema).toMatchObject({
      type: 'object',
      required: ['recipient'],
      properties: { recipient: { type: 'string', format: 'email' } },
    });
  });
});
