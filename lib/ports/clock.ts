export interface Clock {
  now(): Date;
}

export interface Ids {
  /** A new job id, usable as a schedule name. */
  jobId(): string;
  /** A short random suffix for run-now ids. */
  suffix(): string;
}
