/** Marks a date job completed after its one occurrence succeeded (APScheduler removes such jobs). */
export interface JobCompletion {
  markCompleted(jobId: string, at: Date): Promise<void>;
}
