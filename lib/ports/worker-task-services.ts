/** A report item written by the example report task. */
export interface Report {
  readonly jobId: string;
  readonly runId: string;
  readonly title: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly generatedAt: Date;
}

export interface ReportSink {
  /** Idempotent per (jobId, runId): a repeated write of the same run's report keeps the first. */
  put(report: Report): Promise<void>;
}

/** Test-only: counts each execution of a run, so the history check can find a run that executed twice. */
export interface SideEffectLog {
  record(jobId: string, runId: string, note: string): Promise<void>;
  count(jobId: string, runId: string): Promise<number>;
}
