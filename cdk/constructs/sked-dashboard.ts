import { Duration } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { Dashboard, GraphWidget, type IWidget, MathExpression, TextWidget } from 'aws-cdk-lib/aws-cloudwatch';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { WORKER_METRIC_NAMES, workerMetric } from './sked-metrics';

export interface SkedDashboardProps {
  readonly jobsQueue: IQueue;
  readonly jobsDlq: IQueue;
  readonly deliveryDlq: IQueue;
  readonly worker: IFunction;
  /** The API's stage (metrics by ApiName and Stage). */
  readonly apiStage: Stage;
  readonly metricsNamespace: string;
  readonly workerServiceName: string;
}

/** One screen for on-call: runs by outcome, schedule lag, queue depth and age, DLQs, worker and API health. */
export class SkedDashboard extends Construct {
  readonly dashboard: Dashboard;

  constructor(scope: Construct, id: string, props: SkedDashboardProps) {
    super(scope, id);
    const period = Duration.minutes(1);
    const run = (name: (typeof WORKER_METRIC_NAMES)[keyof typeof WORKER_METRIC_NAMES], statistic = 'Sum') =>
      workerMetric(props.metricsNamespace, props.workerServiceName, name, { period, statistic, label: name });
    const widgets: IWidget[][] = [
      [
        new TextWidget({
          markdown: '# sked\nRuns, schedule lag, queues and DLQs, worker and API. Alarms: see the README runbook.',
          width: 24,
          height: 2,
        }),
      ],
      [
        new GraphWidget({
          title: 'Runs by outcome',
          width: 12,
          left: [
            run(WORKER_METRIC_NAMES.runsSucceeded),
            run(WORKER_METRIC_NAMES.runsFailed),
            run(WORKER_METRIC_NAMES.runsMissed),
          ],
          right: [
            // Skips carry a `reason` dimension (paused, coalesced, overlap): one line per reason.
            new MathExpression({
              expression: `SEARCH('{${props.metricsNamespace},service,reason} MetricName="${WORKER_METRIC_NAMES.runsSkipped}" service="${props.workerServiceName}"', 'Sum', 60)`,
              label: 'skipped',
              period,
            }),
          ],
        }),
        new GraphWidget({
          title: 'Schedule lag (start minus scheduled time)',
          width: 12,
          left: [run(WORKER_METRIC_NAMES.scheduleLag, 'p50'), run(WORKER_METRIC_NAMES.scheduleLag, 'p99')],
        }),
      ],
      [
        new GraphWidget({
          title: 'Jobs queue depth and age of oldest message',
          width: 12,
          left: [props.jobsQueue.metricApproximateNumberOfMessagesVisible({ period, label: 'visible' })],
          right: [props.jobsQueue.metricApproximateAgeOfOldestMessage({ period, label: 'oldest (s)' })],
        }),
        new GraphWidget({
          title: 'DLQ depth',
          width: 12,
          left: [
            props.jobsDlq.metricApproximateNumberOfMessagesVisible({ period, label: 'jobs DLQ' }),
            props.deliveryDlq.metricApproximateNumberOfMessagesVisible({ period, label: 'delivery DLQ' }),
          ],
        }),
      ],
      [
        new GraphWidget({
          title: 'Worker duration and errors',
          width: 12,
          left: [
            props.worker.metricDuration({ period, statistic: 'p50' }),
            props.worker.metricDuration({ period, statistic: 'p99' }),
          ],
          right: [props.worker.metricErrors({ period }), props.worker.metricThrottles({ period })],
        }),
        new GraphWidget({
          title: 'API latency and 5xx',
          width: 12,
          left: [
            props.apiStage.metricLatency({ period, statistic: 'p50' }),
            props.apiStage.metricLatency({ period, statistic: 'p99' }),
          ],
          right: [props.apiStage.metricServerError({ period }), props.apiStage.metricClientError({ period })],
        }),
      ],
    ];
    this.dashboard = new Dashboard(this, 'Dashboard', { widgets });
  }
}
