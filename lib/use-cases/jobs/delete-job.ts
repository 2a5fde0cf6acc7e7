import type { IfMatch, JobsDeps, RequestContext } from './deps';
import { announce, assertIfMatch, assertMayChange, getExisting, settleAfterWrite } from './job-writes';

export interface DeleteJobRequest extends RequestContext {
  readonly id: string;
  readonly ifMatch?: IfMatch;
}

/**
 * DELETE /jobs/{id}: the record first (conditional on the version read, so a concurrent change wins), then the
 * schedule. A schedule left behind by a failed delete is harmless (the worker drops occurrences of jobs that do
 * not exist) and reconcile deletes it, so that failure is logged rather than returned. The job is then read
 * again: one created again under the same id meanwhile gets back the schedule this delete may have removed.
 */
export async function deleteJob(deps: JobsDeps, request: DeleteJobRequest): Promise<void> {
  const job = await getExisting(deps, request.id);
  assertIfMatch(job, request.ifMatch);
  assertMayChange(job, request, 'delete');
  await deps.store.delete(job.id, job.version);
  try {
    await deps.schedules.delete(job.id);
  } catch (error) {
    deps.log.error('job deleted but its schedule was not; reconcile will delete it', { jobId: job.id, error });
  }
  await settleAfterWrite(deps, job.id, undefined);
  await announce(deps, 'JobDeleted', job, { by: request.caller });
}
