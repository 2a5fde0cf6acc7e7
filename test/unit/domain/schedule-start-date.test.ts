import { describe, expect, it } from 'vitest';
import { buildJob } from '../../../lib/domain/job';
import { toScheduleDefinition } from '../../../lib/domain/schedule-definition';
import { createJob, patchJob, pauseJob, reconcile, resumeJob } from '../../../lib/use-cases/jobs';
import { DEFAULT_JOB_POLICIES, jobInputSchema, type JobInput } from '../../../lib/schemas/job';
import { cronJobBody, fakeJobsDeps, NOW, TEST_TARGET } from '../../support/fakes/jobs-deps';

const created = new Date('2026-01-01T00:00:00Z');
const jobFrom = (input: Omit<JobInput, 'target'>) =>
  buildJob(jobInputSchema.parse({ ...input, target: { type: 'task', task: 'report' } }), {
    now: created,
    newId: () => 'job-1',
    defaults: DEFAULT_JOB_POLICIES,
  });
const minutesAfter = (base: Date, minutes: number) => new Date(base.getTime() + minutes * 60_000);
const caller = 'ops';

describe('the StartDate written for a job whose startAt has passed', () => {
  it('is startAt itself while startAt is in the future', () => {
    // Prepare
    const job = jobFrom({ trigger: { type: 'cron', expression: '0 9 * * *' }, startAt: '2026-03-01T00:00:00Z' });

    // Act
    const start = toScheduleDefinition(job, TEST_TARGET, minutesAfter(created, 10)).StartDate;

    // Assess
    expect(start).toEqual(new Date('2026-03-01T00:00:00Z'));
  });

  it('is left out for a cron job, which Scheduler would refuse more than 5 minutes late', () => {
    // Prepare
    const job = jobFrom({ trigger: { type: 'cron', expression: '0 9 * * *' }, startAt: '2026-01-01T00:00:00Z' });
    const now = minutesAfter(created, 60);

    // Act
    const definition = toScheduleDefinition(job, TEST_TARGET, now);

    // Assess
    expect(definition).not.toHaveProperty('StartDate');
  });

  it("is the next point of a rate job's own grid, so the interval keeps its phase", () => {
    // Prepare: every 25 minutes from 00:00; an hour later the grid points are 00:50 and 01:15
    const job = jobFrom({ trigger: { type: 'interval', minutes: 25 }, startAt: '2026-01-01T00:00:00Z' });

    // Act
    const atGridPoint = toScheduleDefinition(job, TEST_TARGET, minutesAfter(created, 50)).StartDate;
    const between = toScheduleDefinition(job, TEST_TARGET, minutesAfter(created, 60)).StartDate;

    // Assess
    expect(atGridPoint).toEqual(minutesAfter(created, 50));
    expect(between).toEqual(minutesAfter(created, 75));
  });

  it('lets every write path update the schedule of a job created with a startAt in the past', async () => {
    // Prepare: NOW is the fake deployment's clock; startAt an hour before it
    const deps = fakeJobsDeps();
    const startAt = minutesAfter(NOW, -60).toISOString();
    const { job } = await createJob(deps, { body: cronJobBody({ id: 'late', startAt }), onConflict: 'fail', caller });

    // Act
    await patchJob(deps, { id: job.id, patch: { description: 'changed' }, caller });
    await pauseJob(deps, { id: job.id, body: {}, caller });
    await resumeJob(deps, { id: job.id, caller });
    const report = await reconcile(deps);

    // Assess
    const writes = deps.schedules.calls.filter((call) => call.operation === 'put');
    expect(writes).toHaveLength(4);
    expect(deps.schedules.definitions.get('late')).not.toHaveProperty('StartDate');
    expect((await deps.store.get('late'))?.startAt).toBe(startAt);
    expect(report.fixed).toEqual([]);
  });

  it('is not drift: reconcile leaves a schedule whose StartDate has passed alone', async () => {
    // Prepare: the schedules were written while startAt was still ahead, and it has passed since
    const deps = fakeJobsDeps();
    const startAt = minutesAfter(NOW, -90);
    const cron = (await createJob(deps, { body: cronJobBody({ id: 'cron' }), onConflict: 'fail', caller })).job;
    const rateBody = cronJobBody({ id: 'rate', trigger: { type: 'interval', minutes: 25 } });
    const rate = (await createJob(deps, { body: rateBody, onConflict: 'fail', caller })).job;
    for (const job of [cron, rate]) {
      const withStart = { ...job, startAt: startAt.toISOString() };
      deps.store.seed(withStart);
      deps.schedules.definitions.set(job.id, {
        ...toScheduleDefinition(withStart, TEST_TARGET, NOW),
        StartDate: startAt,
      });
    }

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual([]);
  });
});
