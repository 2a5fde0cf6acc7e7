import type { ErrorCategory, SkipReason } from '../schemas/run';

/** The worker's metrics (Embedded Metric Format in production). */
export interface WorkerMetrics {
  succeeded(durationMs: number): void;
  failed(category: ErrorCategory): void;
  retried(category: ErrorCategory): void;
  missed(): void;
  skipped(reason: SkipReason): void;
  /** Start of the first attempt minus the scheduled time. */
  scheduleLag(lagMs: number): void;
  /** A message that is not a run envelope. */
  rejected(): void;
  /** A worker-side failure (DynamoDB, SQS, events) by category, apart from the targets' own failures. */
  workerError(category: ErrorCategory): void;
}
