import { Aspects, Duration } from 'aws-cdk-lib';
import { PolicyStatement } from 'aws-cdk-lib/aws-iam';
import { Rule, Schedule } from 'aws-cdk-lib/aws-events';
import { LambdaFunction } from 'aws-cdk-lib/aws-events-targets';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { AcknowledgeScheduleWildcards, acknowledgeNag } from './nag';
import { METRICS_NAMESPACE } from '../../lib/adapters/observability/metrics';
import { ENV } from '../../lib/schemas/config';
import { SKED_DEFAULTS, type SkedSettings } from '../config';
import { SkedAlarms } from './sked-alarms';
import { SkedApi } from './sked-api';
import { SkedDashboard } from './sked-dashboard';
import { SkedDeclaredSchedules, type SkedSchedules } from './sked-declared-schedules';
import { SkedFunction } from './sked-function';
import { SkedQueues } from './sked-queues';
import { SkedScheduler } from './sked-scheduler';
import { SkedStorage } from './sked-storage';

/**
 * Props of the `Sked` construct. Every setting is optional; the defaults are `SKED_DEFAULTS` in cdk/config.ts
 * (production-safe: RETAIN, IAM auth, no test tasks, empty HTTP allow-list), documented field by field on
 * `SkedSettings`.
 */
export interface SkedProps extends Partial<SkedSettings> {
  /**
   * Tables and events bus to use, for example from a separate stateful stack.
   * @default created inside this construct with `removalPolicy`
   */
  readonly storage?: SkedStorage;
  /**
   * API Gateway stage name.
   * @default 'api'
   */
  readonly apiStageName?: string;
  /**
   * Where alarm descriptions point for the runbook.
   * @default 'README.md#runbook'
   */
  readonly runbookUrl?: string;
  /**
   * CloudWatch namespace of the worker's run metrics (and so of the run alarms and dashboard). Give each deployment
   * in one account and region its own, or their alarms watch each other's runs.
   * @default 'Sked'
   */
  readonly metricsNamespace?: string;
  /**
   * Jobs declared in code, applied by every deployment (a custom resource backed by the apply-schedules function):
   * created or updated, and those no longer declared deleted, as `sked apply --prune` would; deleting the stack
   * deletes them. `schedulesFromFile('sked.schedules.yaml')` reads them from a declaration file at synthesis.
   * @default none: no custom resource, no apply-schedules function
   */
  readonly schedules?: SkedSchedules;
}

/** The apply-schedules function's timeout: Lambda's longest, for large declarations (it answers 15 s before). */
export const APPLY_SCHEDULES_TIMEOUT = Duration.minutes(15);

/** Powertools service name of the worker: the `service` dimension of its metrics. */
export const WORKER_SERVICE_NAME = 'sked-worker';

/**
 * A complete sked deployment: jobs API, EventBridge Scheduler group and role, jobs queue with DLQs, worker and
 * reconcile Lambdas, webhook signing secret, alarms on two SNS topics (`page`, `ticket`) and a dashboard.
 *
 * ```ts
 * const sked = new Sked(this, 'Sked', { alarmSubscriptions: { page: [{ kind: 'email', address: 'oncall@example.com' }], ticket: [] } });
 * ```
 */
export class Sked extends Construct {
  readonly storage: SkedStorage;
  readonly queues: SkedQueues;
  readonly scheduler: SkedScheduler;
  readonly api: SkedApi;
  readonly apiFunction: SkedFunction;
  readonly workerFunction: SkedFunction;
  readonly reconcileFunction: SkedFunction;
  /** The function behind the declared schedules' custom resource; only with `schedules`. */
  readonly applySchedulesFunction?: SkedFunction;
  /** The custom resource applying `schedules`; only with them. */
  readonly declaredSchedules?: SkedDeclaredSchedules;
  readonly webhookSecret: Secret;
  readonly alarms: SkedAlarms;
  readonly dashboard: SkedDashboard;
  /** Namespace of the worker's run metrics (set in the worker's code; the `service` dimension is the worker's name). */
  readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: SkedProps = {}) {
    super(scope, id);
    const settings: SkedSettings = { ...SKED_DEFAULTS, ...props };
    this.metricsNamespace = props.metricsNamespace ?? METRICS_NAMESPACE;

    this.storage = props.storage ?? new SkedStorage(this, 'Storage', { removalPolicy: settings.removalPolicy });
    const { jobsTable, runsTable, eventBus } = this.storage;
    this.queues = new SkedQueues(this, 'Queues', { workerTimeout: settings.worker.timeout });
    const { jobsQueue, jobsDlq, deliveryDlq } = this.queues;
    this.scheduler = new SkedScheduler(this, 'Scheduler', {
      jobsQueue,
      deliveryDlq,
      removalPolicy: settings.removalPolicy,
    });

    this.webhookSecret = new Secret(this, 'WebhookSigningSecret', {
      description: 'HMAC-SHA256 key sked signs webhook requests with; share it with webhook receivers',
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy: settings.removalPolicy,
    });

    const common = {
      logLevel: settings.logLevel,
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
      metricsNamespace: this.metricsNamespace,
      awsLimitsGuard: settings.awsLimitsGuard,
    };
    const shared = {
      [ENV.jobsTable]: jobsTable.tableName,
      [ENV.runsTable]: runsTable.tableName,
      [ENV.jobsQueueUrl]: jobsQueue.queueUrl,
      [ENV.eventBusName]: eventBus.eventBusName,
      [ENV.httpAllowlist]: settings.httpAllowlist.join(','),
      [ENV.allowHttp]: String(settings.allowPlainHttp),
      [ENV.includeTestTasks]: String(settings.includeTestTasks),
      // Set only where the guard is on, so a production function's environment never mentions it.
      ...(settings.awsLimitsGuard && { [ENV.awsLimitsGuard]: 'on' }),
    };
    const control = {
      ...shared,
      [ENV.scheduleGroup]: this.scheduler.group.scheduleGroupName,
      [ENV.jobsQueueArn]: jobsQueue.queueArn,
      [ENV.deliveryDlqArn]: deliveryDlq.queueArn,
      [ENV.schedulerRoleArn]: this.scheduler.role.roleArn,
      [ENV.jobDefaults]: JSON.stringify(settings.jobDefaults),
    };

    this.apiFunction = new SkedFunction(this, 'ApiFunction', {
      ...common,
      entry: 'api',
      description: 'sked jobs API (API Gateway REST proxy)',
      timeout: Duration.seconds(29),
      serviceName: 'sked-api',
      // The DLQ operations (GET /dlq, POST /dlq/redrive, DELETE /dlq) read both DLQs; reconcile does not.
      environment: { ...control, [ENV.jobsDlqUrl]: jobsDlq.queueUrl, [ENV.deliveryDlqUrl]: deliveryDlq.queueUrl },
    });
    this.reconcileFunction = new SkedFunction(this, 'ReconcileFunction', {
      ...common,
      entry: 'reconcile',
      description: 'sked reconcile: repairs drift between the jobs table and the schedules',
      timeout: Duration.minutes(5),
      memorySize: 256,
      serviceName: 'sked-reconcile',
      environment: control,
    });
    this.workerFunction = new SkedFunction(this, 'WorkerFunction', {
      ...common,
      entry: 'worker',
      description: 'sked worker: runs scheduled and manual job runs from the jobs queue',
      timeout: settings.worker.timeout,
      memorySize: settings.worker.memorySize,
      serviceName: WORKER_SERVICE_NAME,
      environment: {
        ...shared,
        [ENV.jobsDlqUrl]: jobsDlq.queueUrl,
        [ENV.webhookSecretArn]: this.webhookSecret.secretArn,
        [ENV.runRetentionDays]: String(settings.runRetentionDays),
        [ENV.maskPatterns]: JSON.stringify(settings.logMaskPatterns),
      },
    });

    // Each function gets what its code calls, nothing more (reconcile reads jobs and manages schedules only).
    this.storage.grantJobsReadWrite(this.apiFunction);
    this.storage.grantRunsReadAndQueue(this.apiFunction);
    jobsQueue.grantSendMessages(this.apiFunction);
    eventBus.grantPutEventsTo(this.apiFunction);
    this.scheduler.grantManageSchedules(this.apiFunction);
    // The DLQ operations: receive with a hide, make visible again, delete, and the approximate counts; a redrive
    // sends to the jobs queue, granted above.
    for (const dlq of [jobsDlq, deliveryDlq]) {
      dlq.grant(
        this.apiFunction,
        'sqs:ReceiveMessage',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
      );
    }
    this.storage.grantJobsRead(this.reconcileFunction);
    this.scheduler.grantManageSchedules(this.reconcileFunction);
    this.storage.grantJobsRunUpdates(this.workerFunction);
    this.storage.grantRunsReadWrite(this.workerFunction);
    jobsDlq.grantSendMessages(this.workerFunction);
    // Second precision: a job's tick puts its coming occurrences on the jobs queue.
    jobsQueue.grantSendMessages(this.workerFunction);
    eventBus.grantPutEventsTo(this.workerFunction);
    this.webhookSecret.grantRead(this.workerFunction);
    this.workerFunction.addEventSource(
      new SqsEventSource(jobsQueue, {
        batchSize: settings.worker.batchSize,
        maxConcurrency: settings.worker.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    if (props.schedules !== undefined) {
      this.applySchedulesFunction = new SkedFunction(this, 'ApplySchedulesFunction', {
        ...common,
        entry: 'apply-schedules',
        description: 'sked apply schedules: applies the jobs the stack declares (custom resource)',
        timeout: APPLY_SCHEDULES_TIMEOUT,
        memorySize: 256,
        serviceName: 'sked-apply-schedules',
        environment: control,
      });
      this.grantApplySchedules(this.applySchedulesFunction);
      this.declaredSchedules = new SkedDeclaredSchedules(this, 'DeclaredSchedules', {
        handler: this.applySchedulesFunction,
        schedules: props.schedules,
        serviceTimeout: APPLY_SCHEDULES_TIMEOUT.plus(Duration.minutes(1)),
      });
      // The function names the schedule group as a literal, not a reference: without this, the apply could run
      // before the group exists (and, on delete, after it is gone).
      this.declaredSchedules.node.addDependency(this.scheduler.group);
    }

    new Rule(this, 'ReconcileSchedule', {
      description: 'Runs sked reconcile',
      schedule: Schedule.rate(settings.reconcileEvery),
      targets: [
        new LambdaFunction(this.reconcileFunction, {
          deadLetterQueue: deliveryDlq,
          retryAttempts: 2,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    this.api = new SkedApi(this, 'Api', {
      handler: this.apiFunction,
      stageName: props.apiStageName ?? 'api',
      authorization: settings.api.authorization,
      throttleRateLimit: settings.api.throttleRateLimit,
      throttleBurstLimit: settings.api.throttleBurstLimit,
      logRetention: settings.logRetention,
      removalPolicy: settings.removalPolicy,
    });

    this.alarms = new SkedAlarms(this, 'Alarms', {
      thresholds: settings.alarms,
      metricMath: settings.alarmMetricMath,
      subscriptions: settings.subscriptions,
      jobsQueue,
      jobsDlq,
      deliveryDlq,
      worker: this.workerFunction,
      reconcile: this.reconcileFunction,
      apiStage: this.api.restApi.deploymentStage,
      scheduleGroup: this.scheduler.group,
      metricsNamespace: this.metricsNamespace,
      workerServiceName: WORKER_SERVICE_NAME,
      removalPolicy: settings.removalPolicy,
      ...(props.runbookUrl !== undefined && { runbookUrl: props.runbookUrl }),
    });
    this.dashboard = new SkedDashboard(this, 'Dashboard', {
      jobsQueue,
      jobsDlq,
      deliveryDlq,
      worker: this.workerFunction,
      apiStage: this.api.restApi.deploymentStage,
      metricsNamespace: this.metricsNamespace,
      workerServiceName: WORKER_SERVICE_NAME,
    });

    this.acknowledgeNagFindings();
  }

  /**
   * What applyDeclared calls: list, read and write jobs; create, update and delete their schedules (never list or
   * read them) with the scheduler role; send a second-precision job's first tick; announce each change.
   */
  private grantApplySchedules(fn: SkedFunction): void {
    this.storage.grantJobsReadWrite(fn);
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['scheduler:CreateSchedule', 'scheduler:UpdateSchedule', 'scheduler:DeleteSchedule'],
        resources: [this.scheduler.schedulesArn()],
      }),
    );
    fn.addToRolePolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.scheduler.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
    this.queues.jobsQueue.grant(fn, 'sqs:SendMessage');
    this.storage.eventBus.grantPutEventsTo(fn);
  }

  /** cdk-nag findings accepted on purpose, each with its reason. */
  private acknowledgeNagFindings(): void {
    Aspects.of(this).add(new AcknowledgeScheduleWildcards());
    acknowledgeNag(this.webhookSecret, {
      id: 'AwsSolutions-SMG4',
      reason:
        'The webhook signing key is shared with every webhook receiver; rotating it must be coordinated with them (README runbook: rotating the webhook signing secret), so it is not rotated automatically.',
    });
    const functions = [this.apiFunction, this.workerFunction, this.reconcileFunction];
    if (this.applySchedulesFunction !== undefined) functions.push(this.applySchedulesFunction);
    for (const fn of functions) {
      acknowledgeNag(
        fn,
        {
          id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
          reason: 'AWSLambdaBasicExecutionRole only lets the function write its own logs.',
        },
        {
          id: 'AwsSolutions-IAM5[Resource::*]',
          reason:
            'Only actions without a resource type use "*": X-Ray PutTraceSegments/PutTelemetryRecords and scheduler:ListSchedules (the group is a request parameter).',
        },
      );
    }
    if (this.applySchedulesFunction !== undefined) {
      acknowledgeNag(this.applySchedulesFunction, {
        id: 'Serverless-LambdaDLQ',
        reason:
          'Invoked by CloudFormation for the declared schedules custom resource only; it answers every request on its ResponseURL, a failure failing (and rolling back) the deployment, so there is no event to redrive.',
      });
    }
    acknowledgeNag(this.apiFunction, {
      id: 'Serverless-LambdaDLQ',
      reason: 'Invoked synchronously by API Gateway only; a failed request is answered to its caller.',
    });
    acknowledgeNag(
      this.workerFunction,
      {
        id: 'Serverless-LambdaDLQ',
        reason: 'Invoked by the SQS event source mapping only; failed records go to the jobs queue redrive DLQ.',
      },
      {
        id: 'Serverless-LambdaEventSourceMappingDestination',
        reason:
          'SQS event source mappings do not support on-failure destinations; the jobs queue redrive policy (and the worker itself) move failed runs to the jobs DLQ.',
      },
    );
    acknowledgeNag(this.reconcileFunction, {
      id: 'Serverless-LambdaDLQ',
      reason:
        'Invoked by an EventBridge rule whose target has retries and a dead-letter queue (the delivery DLQ); the next run repairs what a failed one did not.',
    });
  }
}
