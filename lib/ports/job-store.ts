import type { Job, JobState } from '../schemas/job';

export interface JobListQuery {
  readonly group?: string;
  readonly state?: JobState;
  readonly tag?: string;
  readonly limit: number;
  /** Opaque, from a previous page's nextCursor. */
  readonly cursor?: string;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/** The jobs table: the source of truth (DESIGN.md decision 1). Writes are conditional on `version`. */
export interface JobStore {
  get(id: string): Promise<Job | undefined>;
  /** Throws JobConflictError when a job with this id exists. */
  create(job: Job): Promise<void>;
  /** Writes `job` only if the stored version is `expectedVersion`; throws StaleVersionError otherwise. */
  replace(job: Job, expectedVersion: number): Promise<void>;
  /** Deletes only if the stored version is `expectedVersion` (when given); throws StaleVersionError otherwise. */
  delete(id: string, expectedVersion?: number): Promise<void>;
  /** A page of jobs ordered by group then id. Never scans the table. */
  list(query: JobListQuery): Promise<Page<Job>>;
}
