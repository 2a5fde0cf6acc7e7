import { describe, expect, it } from 'vitest';
import { toScheduleDefinition } from '../../../lib/domain/schedule-definition';
import { createJob, pauseJob, reconcile } from '../../../lib/use-cases/jobs';
import { cronJobBody, fakeJobsDeps, NOW, TEST_TARGET, type FakeJobsDeps } from '../../support/fakes/jobs-deps';

const caller = 'ops';

async function seedJob(deps: FakeJobsDeps, overrides: Record<string, unknown> = {}) {
  const { job } = await createJob(deps, { body: cronJobBody(overrides), onConflict: 'fail', caller });
  return job;
}

describe('reconcile', () => {
  it('reports nothing to fix when the table and the schedules agree', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'a' });
    await seedJob(deps, { id: 'b', trigger: { type: 'interval', minutes: 5 }, jitterMinutes: 3 });
    await pauseJob(deps, { id: 'b', body: {}, caller });
    deps.schedules.calls.length = 0;

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report).toEqual({ jobsChecked: 2, schedulesChecked: 2, fixed: [], skipped: [], failed: [] });
    expect(deps.schedules.calls).toEqual([]);
  });

  it("finds no drift in second-precision jobs' tick schedules, and rewrites one left at minute precision", async () => {
    // Prepare: a job every 5 s, a bounded one whose tick StartDate is still ahead, and one asking for seconds
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'fives', trigger: { type: 'interval', seconds: 5 } });
    await seedJob(deps, {
      id: 'bounded',
      trigger: { type: 'cron', second: '*/10', hour: '7-23' },
      startAt: '2030-01-02T00:00:00Z',
      endAt: '2030-02-01T00:00:00Z',
    });
    const daily = await seedJob(deps, { id: 'daily', precision: 'second' });
    deps.schedules.definitions.set('daily', toScheduleDefinition({ ...daily, precision: 'minute' }, TEST_TARGET, NOW));
    deps.schedules.calls.length = 0;

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual([
      { id: 'daily', action: 'rewritten', reason: 'differed in expression, timezone, input, retryPolicy' },
    ]);
    expect(deps.schedules.definitions.get('daily')?.ScheduleExpression).toBe('cron(0/5 * * * ? *)');
  });

  it("leaves a second-precision date job's tick schedule missing in its last 10 minutes, when it deleted itself", async () => {
    // Prepare: one date 8 minutes ahead (its ticks have run), one 20 minutes ahead
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'soon', trigger: { type: 'date', runAt: '2030-01-01T00:08:05Z' } });
    await seedJob(deps, { id: 'later', trigger: { type: 'date', runAt: '2030-01-01T00:20:05Z' } });
    deps.schedules.definitions.delete('soon');
    deps.schedules.definitions.delete('later');

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual([{ id: 'later', action: 'created', reason: 'the schedule was missing' }]);
    expect(deps.schedules.definitions.has('soon')).toBe(false);
  });

  it('recreates a missing schedule, rewrites a drifted one and deletes an orphan', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const missing = await seedJob(deps, { id: 'missing' });
    const drifted = await seedJob(deps, { id: 'drifted' });
    await seedJob(deps, { id: 'orphan' });
    deps.schedules.definitions.delete('missing');
    deps.schedules.definitions.set('drifted', {
      ...toScheduleDefinition(drifted, TEST_TARGET, NOW),
      State: 'DISABLED',
      ScheduleExpression: 'rate(1 minute)',
    });
    deps.store.jobs.delete('orphan');

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual([
      { id: 'drifted', action: 'rewritten', reason: 'differed in expression, state' },
      { id: 'missing', action: 'created', reason: 'the schedule was missing' },
      { id: 'orphan', action: 'deleted', reason: 'no job has this id' },
    ]);
    expect(deps.schedules.definitions.get('missing')).toEqual(toScheduleDefinition(missing, TEST_TARGET, NOW));
    expect(deps.schedules.definitions.get('drifted')).toEqual(toScheduleDefinition(drifted, TEST_TARGET, NOW));
    expect(deps.schedules.definitions.has('orphan')).toBe(false);
  });

  it('does not recreate the schedule of a completed date job, and deletes one left behind', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const done = await seedJob(deps, { id: 'done', trigger: { type: 'date', runAt: '2030-01-01T06:00:00Z' } });
    const gone = await seedJob(deps, { id: 'gone', trigger: { type: 'date', runAt: '2030-01-01T06:00:00Z' } });
    deps.store.seed({ ...done, state: 'completed' }, { ...gone, state: 'completed' });
    deps.schedules.definitions.delete('gone');

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual([{ id: 'done', action: 'deleted', reason: 'the job is completed' }]);
    expect(deps.schedules.definitions.size).toBe(0);
  });

  it('skips a date job whose time has passed instead of failing the run', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'late', trigger: { type: 'date', runAt: '2030-01-01T06:00:00Z' } });
    deps.schedules.definitions.delete('late');
    deps.clock.advance(24 * 3600_000);

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual([]);
    expect(report.skipped.map((entry) => entry.id)).toEqual(['late']);
  });

  it('carries on past a failing repair and reports it', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'a' });
    await seedJob(deps, { id: 'b' });
    deps.schedules.definitions.clear();
    deps.schedules.beforePut = (definition) => {
      if (definition.Name === 'a') throw new Error('throttled');
    };

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.failed).toEqual([{ id: 'a', action: 'created', error: 'throttled' }]);
    expect(report.fixed.map((entry) => entry.id)).toEqual(['b']);
  });

  it('does not delete the schedule of a job created while it ran', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const late = await seedJob(deps, { id: 'late-arrival' });
    deps.store.jobs.delete('late-arrival');
    const list = deps.store.list.bind(deps.store);
    deps.store.list = async (query) => {
      const page = await list(query);
      deps.store.seed(late);
      return page;
    };

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(deps.schedules.definitions.has('late-arrival')).toBe(true);
    expect(report.fixed).toEqual([]);
  });

  it('does not re-enable the schedule of a job paused after it was listed', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'paused-meanwhile' });
    const list = deps.store.list.bind(deps.store);
    deps.store.list = async (query) => {
      const page = await list(query);
      await pauseJob(deps, { id: 'paused-meanwhile', body: { reason: 'incident' }, caller });
      return page;
    };

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(deps.schedules.definitions.get('paused-meanwhile')?.State).toBe('DISABLED');
    expect(report.fixed).toEqual([]);
  });

  it('does not recreate the schedule of a job deleted after it was listed', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'deleted-meanwhile' });
    deps.schedules.definitions.delete('deleted-meanwhile');
    deps.schedules.calls.length = 0;
    const list = deps.store.list.bind(deps.store);
    deps.store.list = async (query) => {
      const page = await list(query);
      deps.store.jobs.delete('deleted-meanwhile');
      return page;
    };

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(deps.schedules.calls).toEqual([]);
    expect(report).toEqual({ jobsChecked: 1, schedulesChecked: 0, fixed: [], skipped: [], failed: [] });
  });

  it('checks every job when the table holds more than one page of them', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const ids = Array.from({ length: 101 }, (_, index) => `job-${String(index).padStart(3, '0')}`);
    for (const id of ids) await seedJob(deps, { id });
    deps.schedules.definitions.delete('job-100');

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.jobsChecked).toBe(101);
    expect(report.fixed).toEqual([{ id: 'job-100', action: 'created', reason: 'the schedule was missing' }]);
    expect(deps.schedules.definitions.size).toBe(101);
  });

  it('rewrites a schedule whose input is not JSON', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const job = await seedJob(deps, { id: 'garbled' });
    const wanted = toScheduleDefinition(job, TEST_TARGET, NOW);
    deps.schedules.definitions.set('garbled', { ...wanted, Target: { ...wanted.Target, Input: '{"v":1,' } });

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual([{ id: 'garbled', action: 'rewritten', reason: 'differed in input' }]);
    expect(deps.schedules.definitions.get('garbled')).toEqual(wanted);
  });

  it('rewrites a schedule whose role, dead-letter queue, retry policy or description drifted', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const job = await seedJob(deps, { id: 'rewired', description: 'nightly export' });
    const wanted = toScheduleDefinition(job, TEST_TARGET, NOW);
    deps.schedules.definitions.set('rewired', {
      ...wanted,
      Description: 'edited in the console',
      ActionAfterCompletion: 'DELETE',
      Target: {
        ...wanted.Target,
        RoleArn: 'arn:aws:iam::000000000000:role/old-role',
        RetryPolicy: { MaximumEventAgeInSeconds: 60, MaximumRetryAttempts: 0 },
        DeadLetterConfig: { Arn: 'arn:aws:sqs:us-east-1:000000000000:old-dlq' },
      },
    });

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual([
      {
        id: 'rewired',
        action: 'rewritten',
        reason: 'differed in description, role, actionAfterCompletion, retryPolicy, deadLetter',
      },
    ]);
    expect(deps.schedules.definitions.get('rewired')).toEqual(wanted);
  });
});
