import type { WorkerMetrics } from '../../../lib/ports/worker-metrics';
import type { ErrorCategory, SkipReason } from '../../../lib/schemas/run';

/** The worker's metrics as counts by name (`RunsFailed:timeout`, ...), with the durations and lags seen. */
export class RecordingMetrics implements WorkerMetrics {
  readonly counts = new Map<string, number>();
  readonly durations: number[] = [];
  readonly lags: number[] = [];
  private bump(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  succeeded(durationMs: number): void {
    this.bump('RunsSucceeded');
    this.durations.push(durationMs);
  }
  failed(category: ErrorCategory): void {
    this.bump(`RunsFailed:${category}`);
  }
  retried(category: ErrorCategory): void {
    this.bump(`RunsRetried:${category}`);
  }
  missed(): void {
    this.bump('RunsMissed');
  }
  skipped(reason: SkipReason): void {
    this.bump(`RunsSkipped:${reason}`);
  }
  scheduleLag(lagMs: number): void {
    this.lags.push(lagMs);
  }
  rejected(): void {
    this.bump('EnvelopesRejected');
  }
  workerError(category: ErrorCategory): void {
    this.bump(`WorkerErrors:${category}`);
  }
  ticked(enqueued: number, late: number): void {
    this.counts.set('OccurrencesEnqueued', this.count('OccurrencesEnqueued') + enqueued);
    this.counts.set('OccurrencesEnqueuedLate', this.count('OccurrencesEnqueuedLate') + late);
  }
  notEnqueued(count: number): void {
    this.counts.set('OccurrencesNotEnqueued', this.count('OccurrencesNotEnqueued') + count);
  }
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}
