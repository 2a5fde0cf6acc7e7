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

/**
 * Starts `request` and waits until it reaches its schedule write (`operation` on job j), which stays held;
 * `landLast()` lets that write land, after what the test did meanwhile, and waits for the request.
 */
async function startHeld<T>(
  deps: FakeJobsDeps,
  operation: 'put' | 'delete',
  request: () => Promise<T>,
): Promise<{ landLast: () => Promise<T> }> {
  const held = deps.schedules.hold(operation, 'j');
  const pending = request();
  await held.reached;
  return {
    landLast: () => {
      held.release();
      return pending;
    },
  };
}

describe('schedule writes racing each other', () => {
  it('leaves the schedule enabled when a pause lands its schedule write after a later resume', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const pausing = await startHeld(deps, 'put', () => pauseJob(deps, { id: 'j', body: {}, caller }));
    await resumeJob(deps, { id: 'j', caller });

    // Act
    await pausing.landLast();

    // Assess
    expect(deps.store.jobs.get('j')).toMatchObject({ state: 'enabled', version: 3 });
    expect(deps.schedules.definitions.get('j')?.State).toBe('ENABLED');
  });

  it('keeps the trigger of a PATCH that committed while reconcile was rewriting the schedule', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.schedules.definitions.delete('j');
    const reconciling = await startHeld(deps, 'put', () => reconcile(deps));
    const patched = await patchJob(deps, { id: 'j', patch: { trigger: { type: 'interval', hours: 2 } }, caller });

    // Act
    const report = await reconciling.landLast();

    // Assess
    expect(report.fixed).toEqual([{ id: 'j', action: 'created', reason: 'the schedule was missing' }]);
    expect(deps.schedules.definitions.get('j')).toEqual(toScheduleDefinition(patched, TEST_TARGET, NOW));
  });

  it('does not recreate the schedule of a job deleted while an update was writing it', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const updating = await startHeld(deps, 'put', () =>
      putJob(deps, { id: 'j', body: cronJobBody({ name: 'renamed' }), caller }),
    );
    await deleteJob(deps, { id: 'j', caller });

    // Act
    await updating.landLast();

    // Assess
    expect(deps.store.jobs.has('j')).toBe(false);
    expect(deps.schedules.definitions.has('j')).toBe(false);
  });

  it('does not recreate the schedule of a job deleted while it was being created', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const creating = await startHeld(deps, 'put', () =>
      createJob(deps, { body: cronJobBody({ id: 'j' }), onConflict: 'fail', caller }),
    );
    await deleteJob(deps, { id: 'j', caller });

    // Act
    await creating.landLast();

    // Assess
    expect(deps.schedules.definitions.has('j')).toBe(false);
  });

  it('gives a job created again under a deleted id its schedule when the delete lands last', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const deleting = await startHeld(deps, 'delete', () => deleteJob(deps, { id: 'j', caller }));
    deps.clock.advance(1000);
    const recreated = await seedJob(deps, { id: 'j', trigger: { type: 'interval', minutes: 5 } });

    // Act
    await deleting.landLast();

    // Assess
    expect(deps.store.jobs.get('j')).toMatchObject({ version: 1, createdAt: recreated.createdAt });
    expect(deps.schedules.definitions.get('j')).toEqual(toScheduleDefinition(recreated, TEST_TARGET, deps.clock.now()));
  });

  it('gives a job created while reconcile deleted its id as an orphan its schedule back', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    deps.store.jobs.delete('j');
    const reconciling = await startHeld(deps, 'delete', () => reconcile(deps));
    const created = await seedJob(deps, { id: 'j' });

    // Act
    const report = await reconciling.landLast();

    // Assess
    expect(report.fixed).toEqual([{ id: 'j', action: 'deleted', reason: 'no job has this id' }]);
    expect(deps.schedules.definitions.get('j')).toEqual(toScheduleDefinition(created, TEST_TARGET, NOW));
  });

  it('deletes the schedule of a date job completed while a change was writing it', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j', trigger: { type: 'date', runAt: inAnHour } });
    const patching = await startHeld(deps, 'put', () =>
      patchJob(deps, { id: 'j', patch: { description: 'moved' }, caller }),
    );
    await deps.store.markCompleted('j', 2, NOW);

    // Act
    await patching.landLast();

    // Assess
    expect(deps.store.jobs.get('j')).toMatchObject({ state: 'completed', version: 3 });
    expect(deps.schedules.definitions.has('j')).toBe(false);
  });

  it('logs a follow-up write that fails, keeps the change, and leaves the schedule to reconcile', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await seedJob(deps, { id: 'j' });
    const pausing = await startHeld(deps, 'put', () => pauseJob(deps, { id: 'j', body: {}, caller }));
    await resumeJob(deps, { id: 'j', caller });
    deps.schedules.beforePut = () => {
      throw new Error('throttled');
    };

    // Act
    const paused = await pausing.landLast();

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
    const patching = await startHeld(deps, 'put', () =>
      patchJob(deps, { id: 'j', patch: { description: 'first' }, caller }),
    );
    await patchJob(deps, { id: 'j', patch: { description: 'second' }, caller });
    deps.clock.advance(2 * 3600_000);

    // Act
    await patching.landLast();

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
