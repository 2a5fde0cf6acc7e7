import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import type { Stage } from 'aws-cdk-lib/aws-apigateway';
import { Alarm, ComparisonOperator, type IMetric, MathExpression, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import type { IScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import { Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription, SqsSubscription, UrlSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import { type IQueue, Queue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { AlarmSubscription, AlarmThresholds } from '../config';
import { WORKER_METRIC_NAMES, workerMetric } from './sked-metrics';

export type Severity = 'page' | 'ticket';

/**
 * How long due runs have waited in the jobs queue. ApproximateAgeOfOldestMessage counts in-flight messages too, and
 * a run waiting out a retry backoff stays in flight in the jobs queue for up to 12 hours, so the age alone pages
 * while nothing is late. It counts here only while messages stayed visible (received by no one) through the whole
 * minute: a worker that keeps up leaves none visible for long, one that does not leaves the due runs waiting.
 */
export function dueRunsWaiting(queue: IQueue): IMetric {
  const minute = Duration.minutes(1);
  return new MathExpression({
    expression: 'IF(visible >= 1, age, 0)',
    usingMetrics: {
      age: queue.metricApproximateAgeOfOldestMessage({ period: minute, statistic: 'Maximum' }),
      visible: queue.metricApproximateNumberOfMessagesVisible({ period: minute, statistic: 'Minimum' }),
    },
    period: minute,
    label: 'Age of the oldest message while due messages wait (s)',
  });
}

export interface SkedAlarmsProps {
  /**
   * Use CloudWatch metric math where an alarm needs it (QueueAge). Off only for a local emulator that refuses it:
   * QueueAge then watches the plain age of the oldest message.
   * @default true
   */
  readonly metricMath?: boolean;
  readonly thresholds: AlarmThresholds;
  readonly subscriptions: {
    readonly page: readonly AlarmSubscription[];
    readonly ticket: readonly AlarmSubscription[];
  };
  readonly jobsQueue: IQueue;
  readonly jobsDlq: IQueue;
  readonly deliveryDlq: IQueue;
  readonly worker: IFunction;
  readonly reconcile: IFunction;
  /** The API's stage: its metrics carry the ApiName and Stage dimensions. */
  readonly apiStage: Stage;
  readonly scheduleGroup: IScheduleGroup;
  /** Namespace and service of the worker's EMF metrics. */
  readonly metricsNamespace: string;
  readonly workerServiceName: string;
  /** Of the topics' KMS key. */
  readonly removalPolicy: RemovalPolicy;
  /** Where the runbook lives; each alarm's description names its section (the alarm id). @default 'README.md#runbook' */
  readonly runbookUrl?: string;
}

interface AlarmSpec {
  readonly id: string;
  readonly severity: Severity;
  readonly metric: IMetric;
  readonly threshold: number;
  readonly evaluationPeriods?: number;
  readonly comparison?: ComparisonOperator;
  /** What it means and what to do, first words of the notification. */
  readonly description: string;
}

/**
 * sked's alarms in two severities, each with its own SNS topic: `page` (runs are being lost or not happening; a person
 * now) and `ticket` (degraded, self-healing or one job's problem; can wait). Topics are encrypted with a customer
 * managed key, because CloudWatch can only publish to encrypted topics whose key policy lets it use the key.
 */
export class SkedAlarms extends Construct {
  readonly key: Key;
  readonly topics: Readonly<Record<Severity, Topic>>;
  readonly alarms: readonly Alarm[];

  constructor(scope: Construct, id: string, props: SkedAlarmsProps) {
    super(scope, id);
    const runbookUrl = props.runbookUrl ?? 'README.md#runbook';

    this.key = new Key(this, 'TopicKey', {
      description: 'Encrypts the sked alarm topics',
      enableKeyRotation: true,
      removalPolicy: props.removalPolicy,
    });
    this.key.grant(new ServicePrincipal('cloudwatch.amazonaws.com'), 'kms:Decrypt', 'kms:GenerateDataKey*');

    const topic = (severity: Severity, subscriptions: readonly AlarmSubscription[]): Topic => {
      const created = new Topic(this, severity === 'page' ? 'PageTopic' : 'TicketTopic', {
        displayName: `sked ${severity}`,
        masterKey: this.key,
        enforceSSL: true,
      });
      subscriptions.forEach((subscription, index) => {
        switch (subscription.kind) {
          case 'email':
            created.addSubscription(new EmailSubscription(subscription.address));
            return;
          case 'https':
            created.addSubscription(new UrlSubscription(subscription.url));
            return;
          case 'sqs':
            created.addSubscription(
              new SqsSubscription(Queue.fromQueueArn(this, `${severity}Subscriber${index}`, subscription.queueArn)),
            );
            return;
        }
      });
      return created;
    };
    this.topics = {
      page: topic('page', props.subscriptions.page),
      ticket: topic('ticket', props.subscriptions.ticket),
    };

    const t = props.thresholds;
    const fiveMinutes = { period: Duration.minutes(5) };
    const worker = (name: (typeof WORKER_METRIC_NAMES)[keyof typeof WORKER_METRIC_NAMES]) =>
      workerMetric(props.metricsNamespace, props.workerServiceName, name, fiveMinutes);
    const specs: AlarmSpec[] = [
      {
        id: 'JobsDlqDepth',
        severity: 'page',
        metric: props.jobsDlq.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        description:
          'Runs are in the jobs DLQ: a job failed after all its retries, an envelope was unparseable, or the worker crash-looped. Read the message and its error, fix the cause, then redrive.',
      },
      {
        id: 'DeliveryDlqDepth',
        severity: 'page',
        metric: props.deliveryDlq.metricApproximateNumberOfMessagesVisible({
          period: Duration.minutes(1),
          statistic: 'Maximum',
        }),
        threshold: 1,
        description:
          'EventBridge Scheduler could not deliver occurrences to the jobs queue (role, queue policy or queue deleted). Fix the delivery path, then redrive the delivery DLQ into the jobs queue.',
      },
      {
        id: 'QueueAge',
        severity: 'page',
        metric:
          props.metricMath === false
            ? props.jobsQueue.metricApproximateAgeOfOldestMessage({ period: Duration.minutes(1), statistic: 'Maximum' })
            : dueRunsWaiting(props.jobsQueue),
        threshold: t.queueAgeSeconds,
        evaluationPeriods: 3,
        comparison: ComparisonOperator.GREATER_THAN_THRESHOLD,
        description: `Run envelopes that are due have waited in the jobs queue for more than ${t.queueAgeSeconds} s: runs are late and will be recorded missed. Check worker errors, throttles and concurrency.`,
      },
      {
        id: 'WorkerErrors',
        severity: 'page',
        metric: props.worker.metricErrors(fiveMinutes),
        threshold: t.workerErrors,
        description:
          'The worker Lambda crashed or timed out (failed runs are not errors). Read its logs for the invocation, fix, and watch the jobs DLQ.',
      },
      {
        id: 'WorkerThrottles',
        severity: 'ticket',
        metric: props.worker.metricThrottles(fiveMinutes),
        threshold: t.workerThrottles,
        description:
          'The worker was throttled: account concurrency is exhausted. Raise the account limit or lower other functions; runs wait meanwhile.',
      },
      {
        id: 'RunsFailed',
        severity: 'ticket',
        metric: worker(WORKER_METRIC_NAMES.runsFailed),
        threshold: t.runsFailed,
        description:
          "Runs ended failed after their retries. Look up the job's runs (GET /jobs/{id}/runs?status=failed) for the error class and message.",
      },
      {
        id: 'RunsMissed',
        severity: 'ticket',
        metric: worker(WORKER_METRIC_NAMES.runsMissed),
        threshold: t.runsMissed,
        description:
          'Runs started later than their misfire grace and were recorded missed. Check queue age and worker concurrency, or raise the job misfireGraceSeconds.',
      },
      {
        id: 'SchedulerTargetErrors',
        severity: 'ticket',
        metric: props.scheduleGroup.metricTargetErrors({ ...fiveMinutes, statistic: 'Sum' }),
        threshold: t.schedulerTargetErrors,
        description:
          'EventBridge Scheduler got errors sending to the jobs queue and is retrying. Check the scheduler role and the queue; if it persists, occurrences land in the delivery DLQ.',
      },
      {
        id: 'SchedulerDropped',
        severity: 'page',
        // InvocationDroppedCount also counts the occurrences that reached the delivery DLQ (DeliveryDlqDepth pages for
        // those); the ones that are lost are those Scheduler could not put in the DLQ either.
        metric: props.scheduleGroup.metricFailedToBeSentToDLQ(undefined, { ...fiveMinutes, statistic: 'Sum' }),
        threshold: 1,
        description:
          'EventBridge Scheduler gave up on occurrences and could not put them in the delivery DLQ either: those runs are lost. Fix the delivery path (scheduler role, delivery DLQ) and run the affected jobs manually.',
      },
      {
        id: 'TicksLate',
        severity: 'ticket',
        metric: worker(WORKER_METRIC_NAMES.occurrencesEnqueuedLate),
        threshold: 1,
        description:
          "A second-precision job's ticks arrived late or stopped for longer than their 11-minute look-ahead covers: occurrences were put on the jobs queue after their time, to run late or be recorded missed. Check SchedulerTargetErrors, the delivery DLQ and the worker's errors.",
      },
      {
        id: 'OccurrencesNotEnqueued',
        severity: 'page',
        metric: worker(WORKER_METRIC_NAMES.occurrencesNotEnqueued),
        threshold: 1,
        description:
          "A second-precision job's ticks stopped for more than an hour: the occurrences older than that were never enqueued and have no run record (the worker logged each range). Find why ticks stopped (schedule disabled or deleted, delivery failing, worker failing; reconcile recreates a missing schedule), then run what must still run with POST /jobs/{id}/run.",
      },
      {
        id: 'Api5xx',
        severity: 'ticket',
        metric: props.apiStage.metricServerError({ ...fiveMinutes, statistic: 'Sum' }),
        threshold: t.api5xx,
        description:
          'The jobs API answered with 5xx: clients cannot change jobs. Read the API Lambda logs by request id; if Scheduler calls fail, run reconcile afterwards.',
      },
      {
        id: 'ReconcileErrors',
        severity: 'ticket',
        metric: props.reconcile.metricErrors(fiveMinutes),
        threshold: 1,
        description:
          'The reconcile run that repairs drift between the jobs table and the schedules failed. Read its logs; drift is not repaired until it succeeds.',
      },
    ];

    this.alarms = specs.map((spec) => {
      const alarm = new Alarm(this, spec.id, {
        metric: spec.metric,
        threshold: spec.threshold,
        evaluationPeriods: spec.evaluationPeriods ?? 1,
        comparisonOperator: spec.comparison ?? ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
        alarmDescription: `[${spec.severity}] ${spec.description} Runbook: ${runbookUrl}, section ${spec.id}.`,
      });
      const action = new SnsAction(this.topics[spec.severity]);
      alarm.addAlarmAction(action);
      alarm.addOkAction(action);
      return alarm;
    });
  }
}
