import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE } from '../../lib/adapters/observability/metrics';
import type { SkedStageConfig } from '../config';
import { Sked } from '../constructs/sked';
import type { SkedSchedules } from '../constructs/sked-declared-schedules';
import type { SkedStorage } from '../constructs/sked-storage';

export interface StatelessStackProps extends StackProps {
  readonly config: SkedStageConfig;
  /** The stateful stack's tables and bus. */
  readonly storage: SkedStorage;
  /** Jobs declared in code, applied by each deployment of this stack. @default none */
  readonly schedules?: SkedSchedules;
}

/** Everything that can be replaced freely: API, functions, queues, schedule group, alarms and dashboard. */
export class StatelessStack extends Stack {
  readonly sked: Sked;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { stage, ...settings } = props.config;
    // Each stage its own metrics namespace: stages sharing an account and region would otherwise raise each other's
    // run alarms (RunsFailed, RunsMissed), whose metrics carry no other dimension than the worker's service name.
    this.sked = new Sked(this, 'Sked', {
      ...settings,
      storage: props.storage,
      metricsNamespace: `${METRICS_NAMESPACE}/${stage}`,
      ...(props.schedules !== undefined && { schedules: props.schedules }),
    });

    const outputs: Record<string, string> = {
      ApiUrl: this.sked.api.restApi.url,
      ApiId: this.sked.api.restApi.restApiId,
      ApiStage: this.sked.api.restApi.deploymentStage.stageName,
      ScheduleGroupName: this.sked.scheduler.group.scheduleGroupName,
      JobsQueueUrl: this.sked.queues.jobsQueue.queueUrl,
      JobsDlqUrl: this.sked.queues.jobsDlq.queueUrl,
      DeliveryDlqUrl: this.sked.queues.deliveryDlq.queueUrl,
      PageTopicArn: this.sked.alarms.topics.page.topicArn,
      TicketTopicArn: this.sked.alarms.topics.ticket.topicArn,
      WorkerFunctionName: this.sked.workerFunction.functionName,
      WorkerLogGroupName: this.sked.workerFunction.logGroup.logGroupName,
      MetricsNamespace: this.sked.metricsNamespace,
    };
    for (const [name, value] of Object.entries(outputs)) new CfnOutput(this, name, { value });
    for (const alarm of this.sked.alarms.alarms) {
      new CfnOutput(this, `${alarm.node.id}AlarmName`, { value: alarm.alarmName });
    }
  }
}
