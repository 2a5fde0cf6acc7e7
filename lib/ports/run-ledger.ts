import type { Page } from './job-store';
import type { Run, RunStatus } from '../schemas/run';

export interface RunListQuery {
  readonly status?: RunStatus;
  readonly limit: number;
  readonly cursor?: string;
}

/** Read side of the run ledger, used by the API. The worker's write side extends it. */
export interface RunReader {
  get(jobId: string, runId: string): Promise<Run | undefined>;
  /** Newest first. */
  list(jobId: string, query: RunListQuery): Promise<Page<Run>>;
}
