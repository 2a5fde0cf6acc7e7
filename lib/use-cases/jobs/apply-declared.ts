import { managedMarker, planApply, type PlanEntry } from '../../domain/declarations';
import { MAX_PAGE_SIZE } from '../../schemas/api';
import { declarationFileSchema } from '../../schemas/declarations';
import type { Job } from '../../schemas/job';
import { deleteJob } from './delete-job';
import type { JobsDeps } from './deps';
import { putJob } from './put-job';
import { parseWith } from './validate';

export interface ApplyDeclaredRequest {
  /** What the jobs are marked as declared by (a stack, a file). */
  readonly source: string;
  /** The declaration: `{ jobs: [...] }`, validated here. */
  readonly declaration: unknown;
  /** Delete jobs this source declared before and no longer does. */
  readonly prune: boolean;
  readonly caller: string;
}

export interface ApplyDeclaredResult {
  readonly plan: readonly PlanEntry[];
  readonly written: readonly string[];
  readonly failed: readonly { readonly id: string; readonly error: string }[];
}

/**
 * Applies jobs declared in code through the same use cases the API uses (docs/design.md#jobs-declared-in-code):
 * `cdk deploy` runs this from its custom resource, `sked apply` the same plan through the API. Jobs registered
 * through the API, and jobs of another source, are never written.
 */
export async function applyDeclared(deps: JobsDeps, request: ApplyDeclaredRequest): Promise<ApplyDeclaredResult> {
  const { jobs } = parseWith(declarationFileSchema, request.declaration, 'declaration');
  const existing: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list({ limit: MAX_PAGE_SIZE, ...(cursor !== undefined && { cursor }) });
    existing.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);

  const plan = planApply(request.source, jobs, existing, { prune: request.prune });
  const written: string[] = [];
  const failed: { id: string; error: string }[] = [];
  for (const entry of plan) {
    try {
      if (entry.action === 'create' || entry.action === 'update') {
        const body = { ...entry.job, managedBy: managedMarker(request.source, entry.job) };
        await putJob(deps, { id: entry.id, body, caller: request.caller, force: true });
        written.push(entry.id);
      } else if (entry.action === 'delete') {
        await deleteJob(deps, { id: entry.id, caller: request.caller, force: true });
        written.push(entry.id);
      }
    } catch (error) {
      failed.push({ id: entry.id, error: reasonOf(error) });
      deps.log.error('could not apply a declared job', { jobId: entry.id, action: entry.action, error });
    }
  }
  return { plan, written, failed };
}

/** An error's message with its cause's (a failed schedule write says what Scheduler answered). */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? `: ${error.cause.name}: ${error.cause.message}` : '';
  return `${error.message}${cause}`;
}
