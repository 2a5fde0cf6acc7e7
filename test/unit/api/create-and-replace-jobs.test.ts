import { describe, expect, it } from 'vitest';
import { JobConflictError, StaleVersionError, ValidationError } from '../../../lib/domain/errors';
import { etagOf } from '../../../lib/domain/job';
import { TaskRegistry } from '../../../lib/domain/task';
import { MAX_PAYLOAD_BYTES } from '../../../lib/schemas/job';
import { createJob, PayloadTooLargeError, putJob, ScheduleWriteError } from '../../../lib/use-cases/jobs';
import { cronJobBody, fakeJobsDeps, TEST_TARGET } from '../../support/fakes/jobs-deps';

const caller = 'arn:aws:iam::000000000000:user/alice';

async function validationIssues(promise: Promise<unknown>): Promise<{ path: string; message: string }[]> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return [...error.issues];
}

describe('createJob', () => {
  it('stores the job, writes its full schedule and announces it', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const { job, created } = await createJob(deps, {
      body: cronJobBody({ id: 'nightly', jitterMinutes: 5 }),
      onConflict: 'fail',
      caller,
    });

    // Assess
    expect(created).toBe(true);
    expect(job).toMatchObject({ id: 'nightly', state: 'enabled', version: 1, group: 'default' });
    expect(deps.store.jobs.get('nightly')).toEqual(job);
    expect(deps.schedules.definitions.get('nightly')).toMatchObject({
      Name: 'nightly',
      GroupName: TEST_TARGET.groupName,
      ScheduleExpression: 'cron(30 9 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
      Target: { Arn: TEST_TARGET.queueArn, DeadLetterConfig: { Arn: TEST_TARGET.deliveryDlqArn } },
    });
    expect(deps.events.published).toEqual([
      { type: 'JobCreated', jobId: 'nightly', detail: { version: 1, state: 'enabled', group: 'default', by: caller } },
    ]);
  });

  it('generates an id when the body has none', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const { job } = await createJob(deps, { body: cronJobBody(), onConflict: 'fail', caller });

    // Assess
    expect(job.id).toBe('job-1');
    expect(deps.schedules.definitions.has('job-1')).toBe(true);
  });

  it('refuses an existing id with a conflict and leaves the stored job alone', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await createJob(deps, { body: cronJobBody({ id: 'dup', name: 'first' }), onConflict: 'fail', caller });

    // Act
    const attempt = createJob(deps, { body: cronJobBody({ id: 'dup', name: 'second' }), onConflict: 'fail', caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(JobConflictError);
    expect(deps.store.jobs.get('dup')?.name).toBe('first');
  });

  it('replaces an existing id when onConflict is replace, bumping the version', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await createJob(deps, { body: cronJobBody({ id: 'dup', name: 'first' }), onConflict: 'fail', caller });

    // Act
    const { job, created } = await createJob(deps, {
      body: cronJobBody({ id: 'dup', name: 'second', trigger: { type: 'interval', minutes: 15 } }),
      onConflict: 'replace',
      caller,
    });

    // Assess
    expect(created).toBe(false);
    expect(job).toMatchObject({ name: 'second', version: 2 });
    expect(deps.schedules.definitions.get('dup')?.ScheduleExpression).toBe('rate(15 minutes)');
    expect(deps.events.types()).toEqual(['JobCreated', 'JobUpdated']);
  });

  it('deletes the job record again when the schedule cannot be written', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    deps.schedules.beforePut = () => {
      throw new Error('Scheduler is down');
    };

    // Act
    const attempt = createJob(deps, { body: cronJobBody({ id: 'doomed' }), onConflict: 'fail', caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ScheduleWriteError);
    expect(deps.store.jobs.has('doomed')).toBe(false);
    expect(deps.schedules.definitions.has('doomed')).toBe(false);
    expect(deps.events.published).toEqual([]);
  });

  it('logs the record left behind when both the schedule and the compensation fail', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    deps.schedules.beforePut = () => {
      throw new Error('Scheduler is down');
    };
    deps.store.beforeWrite = (operation) => {
      if (operation === 'delete') throw new Error('table is down too');
    };

    // Act
    const attempt = createJob(deps, { body: cronJobBody({ id: 'stranded' }), onConflict: 'fail', caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ScheduleWriteError);
    expect(deps.store.jobs.has('stranded')).toBe(true);
    expect(deps.log.entries.map((entry) => [entry.level, entry.details.jobId])).toEqual([['error', 'stranded']]);
  });

  it('lists the known tasks when the task is unknown', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const body = cronJobBody({ target: { type: 'task', task: 'nope', payload: {} } });

    // Act
    const issues = await validationIssues(createJob(deps, { body, onConflict: 'fail', caller }));

    // Assess
    expect(issues).toEqual([{ path: 'target.task', message: "unknown task 'nope'; known tasks: noop, report" }]);
    expect(deps.store.jobs.size).toBe(0);
  });

  it('says no tasks are known when the deployment registers none', async () => {
    // Prepare
    const deps = { ...fakeJobsDeps(), tasks: new TaskRegistry([]) };
    const body = cronJobBody();

    // Act
    const issues = await validationIssues(createJob(deps, { body, onConflict: 'fail', caller }));

    // Assess
    expect(issues).toEqual([{ path: 'target.task', message: "unknown task 'report'; known tasks: (none)" }]);
    expect(deps.store.jobs.size).toBe(0);
  });

  it("locates an invalid task payload under target.payload with the task's own schema", async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const body = cronJobBody({ target: { type: 'task', task: 'report', payload: { recipient: 'not-an-email' } } });

    // Act
    const issues = await validationIssues(createJob(deps, { body, onConflict: 'fail', caller }));

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['target.payload.recipient']);
  });

  it('reports trigger, schema and target problems together', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const body = {
      trigger: { type: 'interval', seconds: 30 },
      precision: 'minute',
      target: { type: 'http', url: 'https://127.0.0.1/hook' },
    };

    // Act
    const issues = await validationIssues(createJob(deps, { body, onConflict: 'fail', caller }));

    // Assess
    expect(issues.map((issue) => issue.path).sort()).toEqual(['target.url', 'trigger.seconds']);
    expect(issues.find((issue) => issue.path === 'target.url')?.message).toContain('loopback');
  });

  it('refuses a task payload larger than the record may hold as too large', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const body = cronJobBody({
      target: { type: 'task', task: 'noop', payload: { blob: 'x'.repeat(MAX_PAYLOAD_BYTES) } },
    });

    // Act
    const attempt = createJob(deps, { body, onConflict: 'fail', caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(PayloadTooLargeError);
    await expect(attempt).rejects.toMatchObject({ path: 'target.payload' });
  });

  it('refuses a date in the past before writing anything', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const body = cronJobBody({ trigger: { type: 'date', runAt: '2029-12-31T00:00:00Z' } });

    // Act
    const issues = await validationIssues(createJob(deps, { body, onConflict: 'fail', caller }));

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['trigger.runAt']);
    expect(deps.schedules.calls).toEqual([]);
  });
});

describe('putJob', () => {
  it('creates the job when the id is new', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const result = await putJob(deps, { id: 'fresh', body: cronJobBody(), caller });

    // Assess
    expect(result.created).toBe(true);
    expect(result.job.id).toBe('fresh');
  });

  it('replaces the job in full when it exists, keeping createdAt', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const { job: first } = await putJob(deps, { id: 'p', body: cronJobBody({ tags: ['a'] }), caller });
    deps.clock.advance(60_000);

    // Act
    const { job, created } = await putJob(deps, { id: 'p', body: cronJobBody(), caller, ifMatch: [etagOf(first)] });

    // Assess
    expect(created).toBe(false);
    expect(job).toMatchObject({ version: 2, tags: [], createdAt: first.createdAt });
    expect(job.updatedAt).not.toBe(first.updatedAt);
  });

  it('refuses a stale If-Match and keeps the stored version', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await putJob(deps, { id: 'p', body: cronJobBody(), caller });
    await putJob(deps, { id: 'p', body: cronJobBody({ name: 'v2' }), caller });

    // Act
    const attempt = putJob(deps, { id: 'p', body: cronJobBody({ name: 'v3' }), caller, ifMatch: ['"p.v1"'] });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StaleVersionError);
    expect(deps.store.jobs.get('p')).toMatchObject({ name: 'v2', version: 2 });
  });

  it('refuses a body whose id differs from the path', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const issues = await validationIssues(putJob(deps, { id: 'a', body: cronJobBody({ id: 'b' }), caller }));

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['id']);
  });

  it.each([
    { body: 'a list', value: [cronJobBody()] },
    { body: 'null', value: null },
    { body: 'a string', value: 'trigger=daily' },
  ])('refuses a body that is $body, not a JSON object, as a validation problem of the body', async ({ value }) => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const issues = await validationIssues(putJob(deps, { id: 'p', body: value, caller }));

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['body']);
    expect(deps.store.jobs.size).toBe(0);
  });

  it('refuses an If-Match for a job that does not exist, creating nothing', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const attempt = putJob(deps, { id: 'p', body: cronJobBody(), caller, ifMatch: ['"p.v1"'] });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(StaleVersionError);
    expect(deps.store.jobs.size).toBe(0);
    expect(deps.schedules.calls).toEqual([]);
    expect(deps.events.published).toEqual([]);
  });

  it('restores the previous record when the schedule rewrite fails', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await putJob(deps, { id: 'p', body: cronJobBody({ name: 'before' }), caller });
    deps.schedules.beforePut = () => {
      throw new Error('throttled');
    };

    // Act
    const attempt = putJob(deps, { id: 'p', body: cronJobBody({ name: 'after' }), caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ScheduleWriteError);
    expect(deps.store.jobs.get('p')).toMatchObject({ name: 'before', version: 3 });
    expect(deps.schedules.definitions.get('p')?.ScheduleExpression).toBe('cron(30 9 ? * MON-FRI *)');
  });

  it('logs the record left behind when both the schedule rewrite and the restore fail', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await putJob(deps, { id: 'p', body: cronJobBody({ name: 'before' }), caller });
    deps.schedules.beforePut = () => {
      throw new Error('Scheduler is down');
    };
    let replaces = 0;
    deps.store.beforeWrite = (operation) => {
      if (operation === 'replace' && ++replaces > 1) throw new Error('table is down too');
    };

    // Act
    const attempt = putJob(deps, { id: 'p', body: cronJobBody({ name: 'after' }), caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ScheduleWriteError);
    expect(deps.store.jobs.get('p')).toMatchObject({ name: 'after', version: 2 });
    expect(deps.log.lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'could not restore a job whose schedule failed; reconcile will rewrite the schedule',
        jobId: 'p',
      }),
    ]);
  });
});
