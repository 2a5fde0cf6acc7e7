import { JobConflictError } from '../../domain/errors';
import type { JobsDeps, JobWriteResult, RequestContext } from './deps';
import { announce, storeNewJob, validateJob } from './job-writes';
import { replaceJob } from './put-job';

export interface CreateJobRequest extends RequestContext {
  readonly body: unknown;
  /** APScheduler's replace_existing: replace a job with the same id instead of failing with 409. */
  readonly onConflict: 'fail' | 'replace';
}

/** POST /jobs: validate, store the record, write the schedule (compensating on failure), announce. */
export async function createJob(deps: JobsDeps, request: CreateJobRequest): Promise<JobWriteResult> {
  const job = await validateJob(deps, request.body);
  try {
    await storeNewJob(deps, job);
  } catch (error) {
    if (!(error instanceof JobConflictError) || request.onConflict !== 'replace') throw error;
    return replaceJob(deps, { id: job.id, body: request.body, caller: request.caller, force: request.force });
  }
  await announce(deps, 'JobCreated', job, { by: request.caller });
  return { job, created: true };
}
