import { intervalAnchor } from '../../domain/tick';
import { nextFireTimes } from '../../domain/next-fire-times';
import { NEXT_RUNS_COUNT, type jobDetailSchema } from '../../schemas/api';
import type { Job } from '../../schemas/job';
import type * as z from 'zod';
import type { JobsDeps } from './deps';
import { getExisting } from './job-writes';

export type JobDetail = z.infer<typeof jobDetailSchema>;

/** The next fire times of an enabled job, as EventBridge Scheduler will produce them; none when it will not fire. */
export function upcomingRuns(job: Job, now: Date, count = NEXT_RUNS_COUNT): string[] {
  if (job.state !== 'enabled') return [];
  return nextFireTimes(job.trigger, {
    from: now,
    count,
    ...(job.startAt !== undefined && { startAt: new Date(job.startAt) }),
    ...(job.endAt !== undefined && { endAt: new Date(job.endAt) }),
    // A rate schedule counts from its start date, or from when it was created.
    anchor: intervalAnchor(job),
  }).map((instant) => instant.toISOString());
}

/** GET /jobs/{id}: the job, its next five fire times and a summary of its most recent run. */
export async function getJob(deps: JobsDeps, id: string): Promise<JobDetail> {
  const job = await getExisting(deps, id);
  const { items } = await deps.runs.list(id, { limit: 1 });
  const last = items[0];
  return {
    ...job,
    nextRuns: upcomingRuns(job, deps.clock.now()),
    ...(last !== undefined && {
      lastRun: {
        runId: last.runId,
        scheduledTime: last.scheduledTime,
        kind: last.kind,
        status: last.status,
        attempts: last.attempts,
        ...(last.finishedAt !== undefined && { finishedAt: last.finishedAt }),
      },
    }),
  };
}
