import { describe, expect, it } from 'vitest';
import { processMessage } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage, scheduled } from '../../support/worker/builders';
import { fakeWorld } from '../../support/worker/fake-world';
import { AT, invocation, NOW } from '../../support/worker/occurrence';
import { echoTask } from '../../support/worker/tasks';

describe('completing a date job after its run', () => {
  it('leaves a job that was changed while its run was in flight with its new definition', async () => {
    // Prepare: while the date job's only run executes, a client changes the job to cron (a new version)
    let changeJob = (): void => undefined;
    const task = echoTask('a client edits the job mid-run', () => {
      changeJob();
      return Promise.resolve('done');
    });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    const dateJob = aJob({ trigger: { type: 'date', runAt: AT }, version: 4 });
    const cronJob = { ...dateJob, trigger: { type: 'cron', expression: '0 9 * * *' }, version: 5 } as const;
    world.jobs.seed(dateJob);
    changeJob = () => void world.jobs.seed(cronJob);

    // Act
    const outcome = await processMessage(world.deps, aMessage(scheduled(dateJob.id, AT)), invocation);

    // Assess: the run is recorded, and the client's change stands (reconcile keeps its schedule)
    expect(outcome).toBe('done');
    expect(await world.ledger.get(dateJob.id, '20300101T090000Z')).toMatchObject({ status: 'succeeded' });
    expect(await world.jobs.get(dateJob.id)).toEqual(cronJob);
    expect(world.events.types()).toEqual(['RunSucceeded']);
  });

  it('completes the job it ran when nothing changed it meanwhile', async () => {
    // Prepare
    const task = echoTask('succeeds', () => Promise.resolve('done'));
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ trigger: { type: 'date', runAt: AT }, version: 4 }));

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(await world.jobs.get('job-1')).toMatchObject({ state: 'completed', version: 5 });
  });
});
