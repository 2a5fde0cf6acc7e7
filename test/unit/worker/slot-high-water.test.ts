import { describe, expect, it } from 'vitest';
import { buildJob } from '../../../lib/domain/job';
import type { ClaimRequest } from '../../../lib/ports/run-ledger';
import { DEFAULT_JOB_POLICIES, jobInputSchema } from '../../../lib/schemas/job';
import { processMessage } from '../../../lib/use-cases/run-occurrence';
import { aJob, aMessage, scheduled } from '../../support/worker/builders';
import { fakeWorld } from '../../support/worker/fake-world';
import { AT, invocation, NOW } from '../../support/worker/occurrence';
import { countingTask } from '../../support/worker/tasks';

const context = { now: new Date('2030-01-01T00:00:00Z'), newId: () => 'job-1', defaults: DEFAULT_JOB_POLICIES };
const input = (maxConcurrent: number) =>
  jobInputSchema.parse({
    id: 'job-1',
    trigger: { type: 'interval', minutes: 5 },
    target: { type: 'task', task: 'echo' },
    maxConcurrent,
  });

describe("a job's highest concurrency limit", () => {
  it('is kept when the limit is lowered and follows it up when raised', () => {
    // Act
    const created = buildJob(input(3), context);
    const lowered = buildJob(input(1), context, created);
    const raised = buildJob(input(5), context, lowered);

    // Assess
    expect([created.slotsHighWater, lowered.slotsHighWater, raised.slotsHighWater]).toEqual([3, 3, 5]);
  });

  it('spares the claim a look at higher slots unless the limit was lowered, or the record does not say', async () => {
    // Prepare
    const claims: ClaimRequest[] = [];
    const runWith = async (job: ReturnType<typeof aJob>) => {
      const { task } = countingTask();
      const world = fakeWorld({ now: NOW, tasks: [task] });
      const claim = world.ledger.claim.bind(world.ledger);
      world.ledger.claim = (request) => {
        claims.push(request);
        return claim(request);
      };
      world.jobs.seed(job);
      await processMessage(world.deps, aMessage(scheduled(job.id, AT)), invocation);
    };

    // Act
    await runWith(aJob({ maxConcurrent: 2, slotsHighWater: 2 }));
    await runWith(aJob({ maxConcurrent: 2, slotsHighWater: 4 }));
    await runWith(aJob({ maxConcurrent: 2 }));

    // Assess
    expect(claims.map((claim) => claim.maxConcurrent)).toEqual([undefined, 2, 2]);
  });
});
