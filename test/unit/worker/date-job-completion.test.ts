import * as z from 'zod';
import { describe, expect, it } from 'vitest';
import { defineTask } from '../../../lib/domain/task';
import { processMessage } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage, scheduled } from '../../support/worker/builders';
import { fakeWorld } from '../../support/worker/fake-world';

const NOW = '2030-01-01T09:00:05.000Z';
const AT = '2030-01-01T09:00:00Z';
const invocation = { remainingMs: () => 60_000 };

describe('completing a date job after its run', () => {
  it('leaves a job that was changed while its run was in flight with its new definition', async () => {
    // Prepare: while the date job's only run executes, a client changes the job to cron (a new version)
    let changeJob = (): void => undefined;
    const task = defineTask({
      name: 'echo',
      description: 'a client edits the job mid-run',
      payload: z.object({}).passthrough(),
      timeoutSeconds: 10,
      run: () => {
        changeJob();
        return Promise.resolve('done');
      },
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
    const task = defineTask({
      name: 'echo',
      description: 'succeeds',
      payload: z.object({}).passthrough(),
      timeoutSeconds: 10,
      run: () => Promise.resolve('done'),
    });
    const world = fakeWorld({ now: NOW, tasks: [task] });
    world.jobs.seed(aJob({ trigger: { type: 'date', runAt: AT }, version: 4 }));

    // Act
    await processMessage(world.deps, aMessage(scheduled('job-1', AT)), invocation);

    // Assess
    expect(await world.jobs.get('job-1')).toMatchObject({ state: 'completed', version: 5 });
  });
});
