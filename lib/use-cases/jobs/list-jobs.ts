import type { Page } from '../../ports/job-store';
import { jobListQuerySchema } from '../../schemas/api';
import type { Job } from '../../schemas/job';
import type { JobsDeps } from './deps';
import { parseWith } from './validate';

/** GET /jobs: a page of jobs by group then id, filtered by group, state and tag (a Query, never a Scan). */
export async function listJobs(deps: JobsDeps, query: unknown): Promise<Page<Job>> {
  const parsed = parseWith(jobListQuerySchema, query, 'query');
  const page = await deps.store.list(parsed);
  return { items: page.items, ...(page.nextCursor !== undefined && { nextCursor: page.nextCursor }) };
}
