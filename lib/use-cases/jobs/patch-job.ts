import { ValidationError, type FieldIssue } from '../../domain/errors';
import { MUTABLE_JOB_FIELDS } from '../../schemas/api';
import type { Job } from '../../schemas/job';
import type { IfMatch, JobsDeps, RequestContext } from './deps';
import {
  announce,
  assertIfMatch,
  assertMayChange,
  getExisting,
  storeReplacement,
  validateJob,
  withManagementAfterWrite,
} from './job-writes';

export interface PatchJobRequest extends RequestContext {
  readonly id: string;
  readonly patch: unknown;
  readonly ifMatch?: IfMatch;
}

const MUTABLE = new Set<string>(MUTABLE_JOB_FIELDS);

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** RFC 7396: members replace, null removes, objects merge recursively; anything else replaces the whole. */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = {};
  if (isObject(target)) for (const [key, value] of Object.entries(target)) define(result, key, value);
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else define(result, key, applyMergePatch(result[key], value));
  }
  return result;
}

// defineProperty, not assignment, so a `__proto__` member is data and never a prototype.
function define(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The job as a client would submit it: the mutable fields that are set. */
function editableView(job: Job): Record<string, unknown> {
  const view: Record<string, unknown> = { id: job.id };
  for (const field of MUTABLE_JOB_FIELDS) if (job[field] !== undefined) view[field] = job[field];
  return view;
}

/**
 * `trigger` and `target` are unions keyed by `type`: a patch that changes the type replaces the member whole, as
 * merging a cron trigger's fields into an interval trigger could never be valid. Same-type patches merge.
 */
function withUnionsReplaced(job: Job, patch: Record<string, unknown>): Record<string, unknown> {
  const result = { ...patch };
  for (const field of ['trigger', 'target'] as const) {
    const member = patch[field];
    if (isObject(member) && member.type !== undefined && member.type !== job[field].type) {
      result[field] = { ...Object.fromEntries(Object.keys(job[field]).map((key) => [key, null])), ...member };
    }
  }
  return result;
}

function patchIssues(patch: Record<string, unknown>): FieldIssue[] {
  return Object.keys(patch)
    .filter((key) => !MUTABLE.has(key))
    .map((key) => ({
      path: key,
      message: `${key} cannot be patched; mutable fields are ${MUTABLE_JOB_FIELDS.join(', ')}`,
    }));
}

/**
 * PATCH /jobs/{id}: merges the patch into the job's mutable fields and validates the result as a whole, as if
 * it had been PUT; the schedule is rewritten in full, so a new trigger reschedules.
 */
export async function patchJob(deps: JobsDeps, request: PatchJobRequest): Promise<Job> {
  const previous = await getExisting(deps, request.id);
  const { patch } = request;
  if (!isObject(patch)) throw ValidationError.at('body', 'a merge patch must be a JSON object');
  const issues = patchIssues(patch);
  if (issues.length > 0) throw new ValidationError(issues);
  assertIfMatch(previous, request.ifMatch);
  assertMayChange(previous, request, 'change');
  const merged = applyMergePatch(editableView(previous), withUnionsReplaced(previous, patch));
  const job = withManagementAfterWrite(await validateJob(deps, merged, previous), previous, request, deps.clock.now());
  await storeReplacement(deps, job, previous);
  await announce(deps, 'JobUpdated', job, { by: request.caller });
  return job;
}
