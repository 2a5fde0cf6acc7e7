import { describe, expect, it } from 'vitest';
import { toScheduleDefinition } from '../../../lib/domain/schedule-definition';
import {
  createJob,
  deleteJob,
  patchJob,
  pauseJob,
  putJob,
  reconcile,
  resumeJob,
  ScheduleWriteError,
} from '../../../lib/use-cases/jobs';
import { SETTLE_ROUNDS } from '../../../lib/use-cases/jobs/settle-schedule';
import { cronJobBody, fakeJobsDeps, NOW, TEST_TARGET, type FakeJobsDeps } from '../../support/fakes/jobs-deps';

// Each case holds one schedule write back (InMemorySchedules.hold) until another request has landed its own,
// so that the held, older write lands last: the order in which two Lambdas' Scheduler calls may arrive.

const caller = 'ops';

async function seedJob(deps: FakeJobsDeps, overrides: Record<string, unknown> = {}) {
  const { job } = await createJob(deps, { body: cronJobBody(overrides), onConflict: 'fail', caller });
  return job;
}

const inAnHour = new Date(NOW.getTime() + 3600_000).toISOString();

describe('schedule writes racing each other', () => {
  it('leaves the schedule enabled when a pause lands its schedule write after a later resume', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const held = deps.schedules.hold('put', 'j');
    const pausing = pauseJob(deps, { id: 'j', body: {}, caller });
    await held.reached;
    await resumeJob(deps, { id: 'j', caller });

    // Act
    held.release();
    await pausing;

    // Assess
    expect(deps.store.jobs.get('j')).toMatchObject({ state: 'enabled', version: 3 });
    expect(deps.schedules.definitions.get('j')?.State).toBe('ENABLED');
  });

  it('keeps the trigger of a PATCH that committed while reconcile was rewriting the schedule', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.schedules.definitions.delete('j');
    const held = deps.schedules.hold('put', 'j');
    const reconciling = reconcile(deps);
    await held.reached;
    const patched = await patchJob(deps, { id: 'j', patch: { trigger: { type: 'interval', hours: 2 } }, caller });

    // Act
    held.release();
    const report = await reconciling;

    // Assess
    expect(report.fixed).toEqual([{ id: 'j', action: 'created', reason: 'the schedule was missing' }]);
    expect(deps.schedules.definitions.get('j')).toEqual(toScheduleDefinition(patched, TEST_TARGET, NOW));
  });

  it('does not recreate the schedule of a job deleted while an update was writing it', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const held = deps.schedules.hold('put', 'j');
    const updating = putJob(deps, { id: 'j', body: cronJobBody({ name: 'renamed' }), caller });
    await held.reached;
    await deleteJob(deps, { id: 'j', caller });

    // Act
    held.release();
    await updating;

    // Assess
    expect(deps.store.jobs.has('j')).toBe(false);
    expect(deps.schedules.definitions.has('j')).toBe(false);
  });

  it('does not recreate the schedule of a job deleted while it was being created', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const held = deps.schedules.hold('put', 'j');
    const creating = createJob(deps, { body: cronJobBody({ id: 'j' }), onConflict: 'fail', caller });
    await held.reached;
    await deleteJob(deps, { id: 'j', caller });

    // Act
    held.release();
    await creating;

    // Assess
    expect(deps.schedules.definitions.has('j')).toBe(false);
  });

  it('gives a job created again under a deleted id its schedule when the delete lands last', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const held = deps.schedules.hold('delete', 'j');
    const deleting = deleteJob(deps, { id: 'j', caller });
    await held.reached;
    deps.clock.advance(1000);
    const recreated = await seedJob(deps, { id: 'j', trigger: { type: 'interval', minutes: 5 } });

    // Act
    held.release();
    await deleting;

    // Assess
    expect(deps.store.jobs.get('j')).toMatchObject({ version: 1, createdAt: recreated.createdAt });
    expect(deps.schedules.definitions.get('j')).toEqual(toScheduleDefinition(recreated, TEST_TARGET, deps.clock.now()));
  });

  it('gives a job created while reconcile deleted its id as an orphan its schedule back', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.store.jobs.delete('j');
    const held = deps.schedules.hold('delete', 'j');
    const reconciling = reconcile(deps);
    await held.reached;
    const created = await seedJob(deps, { id: 'j' });

    // Act
    held.release();
    const report = await reconciling;

    // Assess
    expect(report.fixed).toEqual([{ id: 'j', action: 'deleted', reason: 'no job has this id' }]);
    expect(deps.schedules.definitions.get('j')).toEqual(toScheduleDefinition(created, TEST_TARGET, NOW));
  });

  it('deletes the schedule of a date job completed while a change was writing it', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j', trigger: { type: 'date', runAt: inAnHour } });
    const held = deps.schedules.hold('put', 'j');
    const patching = patchJob(deps, { id: 'j', patch: { description: 'moved' }, caller });
    await held.reached;
    await deps.store.markCompleted('j', 2, NOW);

    // Act
    held.release();
    await patching;

    // Assess
    expect(deps.store.jobs.get('j')).toMatchObject({ state: 'completed', version: 3 });
    expect(deps.schedules.definitions.has('j')).toBe(false);
  });

  it('logs a follow-up write that fails, keeps the change, and leaves the schedule to reconcile', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const held = deps.schedules.hold('put', 'j');
    const pausing = pauseJob(deps, { id: 'j', body: {}, caller });
    await held.reached;
    await resumeJob(deps, { id: 'j', caller });
    deps.schedules.beforePut = () => {
      throw new Error('throttled');
    };

    // Act
    held.release();
    const paused = await pausing;

    // Assess
    expect(paused).toMatchObject({ state: 'paused', version: 2 });
    expect(deps.log.lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'could not check a schedule against the newest version of its job; reconcile will',
        jobId: 'j',
      }),
    ]);
    deps.schedules.beforePut = () => undefined;
    await reconcile(deps);
    expect(deps.schedules.definitions.get('j')?.State).toBe('ENABLED');
  });

  it('leaves the schedule alone when the newest version of the job can no longer be scheduled', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j', trigger: { type: 'date', runAt: inAnHour } });
    const held = deps.schedules.hold('put', 'j');
    const patching = patchJob(deps, { id: 'j', patch: { description: 'first' }, caller });
    await held.reached;
    await patchJob(deps, { id: 'j', patch: { description: 'second' }, caller });
    deps.clock.advance(2 * 3600_000);

    // Act
    held.release();
    await patching;

    // Assess
    expect(deps.schedules.definitions.get('j')?.Description).toBe('first');
    expect(deps.log.lines).toEqual([expect.objectContaining({ level: 'WARN', jobId: 'j', version: 3 })]);
  });

  it('stops following a job that keeps changing after a few rounds and says so', async () => {
    // Prepare: every schedule write sees the record move on again
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.schedules.calls.length = 0;
    deps.schedules.beforePut = () => {
      const stored = deps.store.jobs.get('j');
      if (stored !== undefined) deps.store.jobs.set('j', { ...stored, version: stored.version + 1 });
    };

    // Act
    const paused = await pauseJob(deps, { id: 'j', body: {}, caller });

    // Assess
    expect(paused.state).toBe('paused');
    expect(deps.schedules.calls).toHaveLength(1 + SETTLE_ROUNDS);
    expect(deps.log.lines).toEqual([
      expect.objectContaining({
        level: 'ERROR',
        message: 'a job kept changing while its schedule was written; reconcile will rewrite the schedule',
        jobId: 'j',
      }),
    ]);
  });
});

describe('a schedule write that failed but landed all the same', () => {
  /** Scheduler applies the next `count` puts and still answers with an error, as after a timeout. */
  function landThenFail(deps: FakeJobsDeps, count = 1): void {
    let left = count;
    deps.schedules.beforePut = (definition) => {
      if (left-- <= 0) return;
      deps.schedules.definitions.set(definition.Name, definition);
      throw new Error('timed out');
    };
  }

  it('deletes the schedule of a create whose record was deleted again', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    landThenFail(deps);

    // Act
    const attempt = createJob(deps, { body: cronJobBody({ id: 'j' }), onConflict: 'fail', caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ScheduleWriteError);
    expect(deps.store.jobs.has('j')).toBe(false);
    expect(deps.schedules.definitions.has('j')).toBe(false);
  });

  it('writes the schedule of the record put back after a failed replace', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    landThenFail(deps);

    // Act
    const attempt = putJob(deps, { id: 'j', body: cronJobBody({ trigger: { type: 'interval', hours: 2 } }), caller });

    // Assess
    await expect(attempt).rejects.toBeInstanceOf(ScheduleWriteError);
    const restored = deps.store.jobs.get('j');
    expect(restored).toMatchObject({ version: 3, trigger: { type: 'cron' } });
    expect(deps.schedules.definitions.get('j')?.ScheduleExpression).toBe('cron(30 9 ? * MON-FRI *)');
  });
});
