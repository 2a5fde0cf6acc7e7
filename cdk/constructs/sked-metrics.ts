import { Duration } from 'aws-cdk-lib';
import { Metric, type MetricOptions } from 'aws-cdk-lib/aws-cloudwatch';

/**
 * The worker's Embedded Metric Format metrics (lib/adapters/observability/metrics.ts): names, and the one dimension
 * set alarms match exactly (`service`). RunsSkipped carries a `reason` dimension as well.
 */
export const WORKER_METRIC_NAMES = {
  runsSucceeded: 'RunsSucceeded',
  runsFailed: 'RunsFailed',
  runsMissed: 'RunsMissed',
  runsSkipped: 'RunsSkipped',
  runDuration: 'RunDuration',
  scheduleLag: 'ScheduleLag',
  occurrencesEnqueued: 'OccurrencesEnqueued',
  occurrencesEnqueuedLate: 'OccurrencesEnqueuedLate',
  occurrencesNotEnqueued: 'OccurrencesNotEnqueued',
} as const;

export type WorkerMetricName = (typeof WORKER_METRIC_NAMES)[keyof typeof WORKER_METRIC_NAMES];

export function workerMetric(
  namespace: string,
  serviceName: string,
  metricName: WorkerMetricName,
  options: MetricOptions = {},
): Metric {
  return new Metric({
    namespace,
    metricName,
    dimensionsMap: { service: serviceName },
    statistic: 'Sum',
    period: Duration.minutes(1),
    ...options,
  });
}
