import { JobNotFoundError, StaleVersionError, ValidationError, type FieldIssue } from '../../domain/errors';
import { buildJob, etagOf } from '../../domain/job';
import { effectivePrecision } from '../../domain/precision';
import { toScheduleDefinition } from '../../domain/schedule-definition';
import type { JobEventType } from '../../ports/events';
import { jobIdSchema } from '../../schemas/api';
import { jobInputSchema, type Job } from '../../schemas/job';
import type { IfMatch, JobsDeps, RequestContext } from './deps';
import { JobManagedError, ScheduleWriteError } from './errors';
import { settleSchedule } from './settle-schedule';
import { parseWith, targetIssues } from './validate';

/**
 * Validates a client's job document as a whole (schema, trigger, task payload, webhook URL, sizes) and builds
 * the complete job, as a replacement of `previous` when given. Every issue is reported at once.
 */
export async function validateJob(deps: JobsDeps, body: unknown, previous?: Job): Promise<Job> {
  const input = parseWith(jobInputSchema, body);
  const issues: FieldIssue[] = [];
  let job: Job | undefined;
  try {
    job = buildJob(input, { now: deps.clock.now(), newId: () => deps.ids.jobId(), defaults: deps.defaults }, previous);
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    issues.push(...error.issues);
  }
  issues.push(...(await targetIssues(deps, input)));
  if (issues.length > 0 || job === undefined) throw new ValidationError(issues);
  return job;
}

/** Throws JobManagedError when the job is declared in code and the request does not force the change. */
export function assertMayChange(job: Job, request: RequestContext, action: 'change' | 'delete'): void {
  if (job.managedBy !== undefined && request.force !== true) {
    throw new JobManagedError(job.id, job.managedBy.source, action);
  }
}

/**
 * Who manages a job after a write. A write that carries `managedBy` is an apply and sets it as given; a forced write
 * of a declared job through the API keeps it declared, records who changed it, and drops the digest, so that the next
 * apply shows the difference and puts the declaration back.
 */
export function withManagementAfterWrite(job: Job, previous: Job | undefined, request: RequestContext, now: Date): Job {
  if (job.managedBy !== undefined || previous?.managedBy === undefined) return job;
  const { source, fields } = previous.managedBy;
  return { ...job, managedBy: { source, fields, editedAt: now.toISOString(), editedBy: request.caller } };
}

/** Throws StaleVersionError unless `ifMatch` is absent, `*`, or lists the job's current ETag. */
export function assertIfMatch(job: Job, ifMatch: IfMatch | undefined): void {
  if (ifMatch === undefined || ifMatch === '*') return;
  const current = etagOf(job);
  // Weak comparison is enough: our tags name a version, never a byte representation.
  if (!ifMatch.some((tag) => tag.replace(/^W\//, '') === current)) {
    throw new StaleVersionError(job.id, ifMatch.join(', '));
  }
}

/**
 * Stores a new job, then its schedule. The record goes first because its conditional create is what serialises
 * two clients creating the same id (409); writing the schedule first would let the loser overwrite the winner's
 * schedule. If the schedule cannot be written, the record is deleted again so nothing is left half made. If that
 * delete fails too, the record stays and the reconcile run recreates its schedule from it: the record is the
 * source of truth, and a client that saw the 5xx and retries gets 409 (or replaces with PUT / onConflict=replace).
 * After the schedule write, and after a compensation, the schedule is checked against the record (settleAfterWrite).
 */
export async function storeNewJob(deps: JobsDeps, job: Job): Promise<void> {
  // Built before any write: a trigger that can no longer be scheduled (a past date) is a 400, not a compensation.
  const definition = toScheduleDefinition(job, deps.target, deps.clock.now());
  await deps.store.create(job);
  try {
    await deps.schedules.put(definition);
  } catch (error) {
    const deleted = await compensate(
      deps,
      job.id,
      'could not delete a job whose schedule failed; reconcile will create the schedule',
      () => deps.store.delete(job.id, job.version),
    );
    if (deleted) await settleAfterWrite(deps, job.id, job);
    throw new ScheduleWriteError(job.id, { cause: error });
  }
  await settleAfterWrite(deps, job.id, job);
  await sendFirstTick(deps, job);
}

/**
 * Replaces a stored job (conditional on the version read), then rewrites its schedule in full. If the schedule
 * cannot be written, the record is put back as it was (under a new version, so ETags never repeat); if that also
 * fails, reconcile rewrites the schedule from the record. After the schedule write, and after a compensation, the
 * schedule is checked against the record (settleAfterWrite): another writer's schedule write may have landed later.
 */
export async function storeReplacement(deps: JobsDeps, job: Job, previous: Job): Promise<void> {
  const definition = toScheduleDefinition(job, deps.target, deps.clock.now());
  await deps.store.replace(job, previous.version);
  try {
    await deps.schedules.put(definition);
  } catch (error) {
    const restored = await compensate(
      deps,
      job.id,
      'could not restore a job whose schedule failed; reconcile will rewrite the schedule',
      () =>
        deps.store.replace(
          { ...previous, version: job.version + 1, updatedAt: deps.clock.now().toISOString() },
          job.version,
        ),
    );
    if (restored) await settleAfterWrite(deps, job.id, job);
    throw new ScheduleWriteError(job.id, { cause: error });
  }
  await settleAfterWrite(deps, job.id, job);
  await sendFirstTick(deps, job);
}

/**
 * After a write that leaves a second-precision job enabled, a tick goes to the queue at once: the tick schedule
 * fires every 5 minutes, and the occurrences of the minutes until then must be on the queue before they are due
 * (docs/design.md#second-precision). The change is committed, so a failed send is logged, not returned: the next
 * scheduled tick enqueues what is still coming and hands what became due meanwhile to the misfire policy.
 */
async function sendFirstTick(deps: JobsDeps, job: Job): Promise<void> {
  if (job.state !== 'enabled' || effectivePrecision(job) !== 'second') return;
  try {
    await deps.queue.send({ v: 1, jobId: job.id, kind: 'tick', scheduledTime: deps.clock.now().toISOString() });
  } catch (error) {
    deps.log.warn('could not send the first tick of a second-precision job; its next scheduled tick covers it', {
      jobId: job.id,
      error,
    });
  }
}

/**
 * Puts a record back after its schedule write failed. If that fails too, it is logged and false returned: the
 * record is the source of truth and reconcile repairs the schedule from it. If it succeeds, the caller checks the
 * schedule against the record put back, as the failed write may have landed all the same (a timeout) and another
 * writer's may have landed since.
 */
async function compensate(
  deps: JobsDeps,
  jobId: string,
  failure: string,
  write: () => Promise<void>,
): Promise<boolean> {
  try {
    await write();
    return true;
  } catch (error) {
    deps.log.error(failure, { jobId, error });
    return false;
  }
}

/**
 * After a request's own schedule write (derived from `source`, or undefined after a delete): follows the job
 * until the schedule is derived from its newest record, as another request or reconcile may have written the
 * schedule in the meantime (settleSchedule). The request's change is committed and its own schedule write
 * landed, so a failure here is logged for reconcile to repair, not returned to the client.
 */
export async function settleAfterWrite(deps: JobsDeps, id: string, source: Job | undefined): Promise<void> {
  try {
    await settleSchedule(deps, id, source);
  } catch (error) {
    deps.log.error('could not check a schedule against the newest version of its job; reconcile will', {
      jobId: id,
      error,
    });
  }
}

/**
 * Publishes a lifecycle event. The change is already committed, so a bus failure is logged, not returned to the
 * client as a failure of the change itself.
 */
export async function announce(
  deps: JobsDeps,
  type: JobEventType,
  job: Pick<Job, 'id' | 'version' | 'state' | 'group'>,
  detail: Record<string, unknown> = {},
): Promise<void> {
  try {
    await deps.events.publish({
      type,
      jobId: job.id,
      detail: { version: job.version, state: job.state, group: job.group, ...detail },
    });
  } catch (error) {
    deps.log.warn('could not publish a job lifecycle event', { type, jobId: job.id, error });
  }
}

/** The stored job with a valid id, or JobNotFoundError; a malformed id is a 400 at `id`. */
export async function getExisting(deps: JobsDeps, id: string): Promise<Job> {
  parseWith(jobIdSchema, id, 'id');
  const job = await deps.store.get(id);
  if (job === undefined) throw new JobNotFoundError(id);
  return job;
}
