import { RunNotFoundError } from '../../domain/errors';
import type { Page } from '../../ports/job-store';
import { runIdSchema, runListQuerySchema } from '../../schemas/api';
import type { Run } from '../../schemas/run';
import type { JobsDeps } from './deps';
import { getExisting } from './job-writes';
import { parseWith } from './validate';

/** GET /jobs/{id}/runs: the job's runs from the ledger, newest first. */
export async function listRuns(deps: JobsDeps, id: string, query: unknown): Promise<Page<Run>> {
  const parsed = parseWith(runListQuerySchema, query, 'query');
  await getExisting(deps, id);
  const page = await deps.runs.list(id, parsed);
  return { items: page.items, ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) };
}

/** GET /jobs/{id}/runs/{runId}. */
export async function getRun(deps: JobsDeps, id: string, runId: string): Promise<Run> {
  parseWith(runIdSchema, runId, 'runId');
  await getExisting(deps, id);
  const run = await deps.runs.get(id, runId);
  if (run === undefined) throw new RunNotFoundError(id, runId);
  return run;
}
