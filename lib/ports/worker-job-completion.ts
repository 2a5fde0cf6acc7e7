/** Marks a date job completed after its one occurrence succeeded (APScheduler removes such jobs). */
export interface JobCompletion {
  /**
   * Completes the job only while it is enabled and still at `version`, the definition the run was read from: a job
   * changed while its run was in flight (to another date, or to cron) keeps its new definition and schedule.
   * True when this call completed it.
   */
  markCompleted(jobId: string, version: number, at: Date): Promise<boolean>;
}
