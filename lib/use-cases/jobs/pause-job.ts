import type { Job } from '../../schemas/job';
import { pauseBodySchema } from '../../schemas/api';
import type { IfMatch, JobsDeps, RequestContext } from './deps';
import { JobStateConflictError } from './errors';
import { announce, assertIfMatch, getExisting, storeReplacement } from './job-writes';
import { parseWith } from './validate';

export interface PauseJobRequest extends RequestContext {
  readonly id: string;
  readonly body: unknown;
  readonly ifMatch?: IfMatch;
}

export interface ResumeJobRequest extends RequestContext {
  readonly id: string;
  readonly ifMatch?: IfMatch;
}

function assertNotCompleted(job: Job, action: string): void {
  if (job.state === 'completed') {
    throw new JobStateConflictError(job.id, `job ${job.id} is completed (its date has passed); it cannot be ${action}`);
  }
}

/**
 * POST /jobs/{id}/pause: disables the schedule (rewritten in full with State DISABLED) and records who paused the
 * job, when and why. Pausing a paused job changes nothing.
 */
export async function pauseJob(deps: JobsDeps, request: PauseJobRequest): Promise<Job> {
  const { reason } = parseWith(pauseBodySchema, request.body ?? {});
  const previous = await getExisting(deps, request.id);
  assertIfMatch(previous, request.ifMatch);
  assertNotCompleted(previous, 'paused');
  if (previous.state === 'paused') return previous;
  const now = deps.clock.now().toISOString();
  const job: Job = {
    ...previous,
    state: 'paused',
    paused: { at: now, by: request.caller, ...(reason !== undefined && { reason }) },
    version: previous.version + 1,
    updatedAt: now,
  };
  await storeReplacement(deps, job, previous);
  await announce(deps, 'JobPaused', job, { by: request.caller, ...(reason !== undefined && { reason }) });
  return job;
}

/** POST /jobs/{id}/resume: enables the schedule again. Resuming an enabled job changes nothing. */
export async function resumeJob(deps: JobsDeps, request: ResumeJobRequest): Promise<Job> {
  const previous = await getExisting(deps, request.id);
  assertIfMatch(previous, request.ifMatch);
  assertNotCompleted(previous, 'resumed');
  if (previous.state === 'enabled') return previous;
  const { paused: _paused, ...rest } = previous;
  const job: Job = {
    ...rest,
    state: 'enabled',
    version: previous.version + 1,
    updatedAt: deps.clock.now().toISOString(),
  };
  await storeReplacement(deps, job, previous);
  await announce(deps, 'JobResumed', job, { by: request.caller });
  return job;
}
