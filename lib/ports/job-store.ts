import type { Job, JobState } from '../schemas/job';

/** A listing's filters; a filter that is absent or undefined does not apply (they come from query strings). */
export interface JobListQuery {
  readonly group?: string | undefined;
  readonly state?: JobState | undefined;
  readonly tag?: string | undefined;
  readonly limit: number;
  /** Opaque, from a previous page's nextCursor. */
  readonly cursor?: string | undefined;
}

export interface Page<T> {
  readonly items: readonly T[];
  readonly nextCursor?: string;
}

/** The jobs table: the source of truth (docs/design.md#the-job-store-and-the-schedules). Writes are conditional on `version`. */
export interface JobStore {
  /** A strongly consistent read: it sees every write acknowledged before it, which settleSchedule relies on. */
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
