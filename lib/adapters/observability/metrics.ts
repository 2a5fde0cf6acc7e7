import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { WorkerMetrics } from '../../ports/worker-metrics';
import type { ErrorCategory, SkipReason } from '../../schemas/run';

export const METRICS_NAMESPACE = 'Sked';

/**
 * Embedded Metric Format through Powertools. Metrics without a dimension of their own are buffered and flushed
 * at the end of the invocation (the logMetrics middleware); metrics dimensioned by reason or error category are
 * written at once as single metrics, so concurrent records cannot mix dimension sets.
 */
export class EmfWorkerMetrics implements WorkerMetrics {
  constructor(readonly metrics: Metrics) {}

  private single(dimension: string, value: string, name: string): void {
    const single = this.metrics.singleMetric();
    single.addDimension(dimension, value);
    single.addMetric(name, MetricUnit.Count, 1);
  }

  succeeded(durationMs: number): void {
    this.metrics.addMetric('RunsSucceeded', MetricUnit.Count, 1);
    this.metrics.addMetric('RunDuration', MetricUnit.Milliseconds, durationMs);
  }
  failed(category: ErrorCategory): void {
    this.metrics.addMetric('RunsFailed', MetricUnit.Count, 1);
    this.single('category', category, 'RunsFailedByCategory');
  }
  retried(category: ErrorCategory): void {
    this.single('category', category, 'RunsRetried');
  }
  missed(): void {
    this.metrics.addMetric('RunsMissed', MetricUnit.Count, 1);
  }
  skipped(reason: SkipReason): void {
    this.single('reason', reason, 'RunsSkipped');
  }
  scheduleLag(lagMs: number): void {
    this.metrics.addMetric('ScheduleLag', MetricUnit.Milliseconds, Math.max(0, lagMs));
  }
  rejected(): void {
    this.metrics.addMetric('EnvelopesRejected', MetricUnit.Count, 1);
  }
  workerError(category: ErrorCategory): void {
    this.single('category', category, 'WorkerErrors');
  }
  ticked(enqueued: number, late: number): void {
    this.metrics.addMetric('OccurrencesEnqueued', MetricUnit.Count, enqueued);
    this.metrics.addMetric('OccurrencesEnqueuedLate', MetricUnit.Count, late);
  }
  notEnqueued(count: number): void {
    this.metrics.addMetric('OccurrencesNotEnqueued', MetricUnit.Count, count);
  }
}

export function createMetrics(serviceName: string, namespace: string = METRICS_NAMESPACE): Metrics {
  return new Metrics({ namespace, serviceName });
}
