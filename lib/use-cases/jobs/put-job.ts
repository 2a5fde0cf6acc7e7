import { StaleVersionError, ValidationError } from '../../domain/errors';
import { jobIdSchema } from '../../schemas/api';
import type { IfMatch, JobsDeps, JobWriteResult, RequestContext } from './deps';
import {
  announce,
  assertIfMatch,
  assertMayChange,
  getExisting,
  storeNewJob,
  storeReplacement,
  validateJob,
  withManagementAfterWrite,
} from './job-writes';
import { parseWith } from './validate';

export interface PutJobRequest extends RequestContext {
  readonly id: string;
  readonly body: unknown;
  readonly ifMatch?: IfMatch;
}

function withPathId(id: string, body: unknown): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  if ('id' in body && body.id !== undefined && body.id !== id) {
    throw ValidationError.at('id', `the body's id must match the id in the path (${id}) or be left out`);
  }
  return { ...body, id };
}

/** Replaces an existing job in full (keeping its state), rewriting the schedule. */
export async function replaceJob(deps: JobsDeps, request: PutJobRequest): Promise<JobWriteResult> {
  const previous = await getExisting(deps, request.id);
  assertIfMatch(previous, request.ifMatch);
  assertMayChange(previous, request, 'change');
  const validated = await validateJob(deps, withPathId(request.id, request.body), previous);
  const job = withManagementAfterWrite(validated, previous, request, deps.clock.now());
  await storeReplacement(deps, job, previous);
  await announce(deps, 'JobUpdated', job, { by: request.caller });
  return { job, created: false };
}

/** PUT /jobs/{id}: creates the job (201) or replaces it (200). */
export async function putJob(deps: JobsDeps, request: PutJobRequest): Promise<JobWriteResult> {
  parseWith(jobIdSchema, request.id, 'id');
  const body = withPathId(request.id, request.body);
  const existing = await deps.store.get(request.id);
  if (existing !== undefined) return replaceJob(deps, { ...request, body });
  // If-Match names a version; with no job there is no version to match (RFC 9110 13.1.1).
  if (request.ifMatch !== undefined) throw new StaleVersionError(request.id, String(request.ifMatch));
  const job = await validateJob(deps, body);
  await storeNewJob(deps, job);
  await announce(deps, 'JobCreated', job, { by: request.caller });
  return { job, created: true };
}
