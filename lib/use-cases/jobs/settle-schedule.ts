import { ValidationError } from '../../domain/errors';
import { toScheduleDefinition, type ScheduleDefinition } from '../../domain/schedule-definition';
import type { Job } from '../../schemas/job';
import type { JobsDeps } from './deps';

export type ScheduleWriteDeps = Pick<JobsDeps, 'store' | 'schedules' | 'clock' | 'target' | 'log'>;

/** How many times a writer reads a job that keeps changing, and follows it, before leaving it to reconcile. */
export const SETTLE_ROUNDS = 5;

/**
 * Whether `current` is the record a schedule write was derived from, absence included. A job deleted and created
 * again under the same id starts again at version 1, so its createdAt tells the two apart.
 */
function isSameRecord(current: Job | undefined, source: Job | undefined): boolean {
  if (current === undefined || source === undefined) return current === source;
  return current.version === source.version && current.createdAt === source.createdAt;
}

/**
 * Writes the schedule a record implies: its full definition, or none for a deleted or completed job. Returns false,
 * writing nothing, when the record cannot be scheduled any more (its date has passed), as reconcile skips it.
 */
export async function writeScheduleOf(deps: ScheduleWriteDeps, id: string, job: Job | undefined): Promise<boolean> {
  if (job === undefined || job.state === 'completed') {
    await deps.schedules.delete(id);
    return true;
  }
  let definition: ScheduleDefinition;
  try {
    definition = toScheduleDefinition(job, deps.target, deps.clock.now());
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return false;
  }
  await deps.schedules.put(definition);
  return true;
}

/**
 * Called after a schedule write derived from `source` (a version of the job, or undefined for a delete) has
 * landed. EventBridge Scheduler has no conditional writes, so the write is checked afterwards instead: the job is
 * read again (consistently) and, if it has moved on, the schedule is written again from the record read, and
 * checked again. Every writer does this after each of its writes, so the write that lands last is derived from
 * the newest record (docs/design.md#the-job-store-and-the-schedules). A failed read or write is thrown.
 */
export async function settleSchedule(deps: ScheduleWriteDeps, id: string, source: Job | undefined): Promise<void> {
  let written = source;
  for (let round = 0; round < SETTLE_ROUNDS; round++) {
    const current = await deps.store.get(id);
    if (isSameRecord(current, written)) return;
    if (!(await writeScheduleOf(deps, id, current))) {
      deps.log.warn('the newest version of a job cannot be scheduled now; its schedule was left to reconcile', {
        jobId: id,
        version: current?.version,
      });
      return;
    }
    written = current;
  }
  deps.log.error('a job kept changing while its schedule was written; reconcile will rewrite the schedule', {
    jobId: id,
  });
}
