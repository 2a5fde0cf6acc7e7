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
  /**
   * A tick put `enqueued` occurrences on the jobs queue, `late` of them already due (ticks that arrived late or
   * stopped: the misfire policy decides those).
   */
  ticked(enqueued: number, late: number): void;
  /** Occurrences a tick could not enqueue any more: ticks stopped for longer than the backfill reaches. */
  notEnqueued(count: number): void;
}
