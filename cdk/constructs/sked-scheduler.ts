import { ArnFormat, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Effect, type IGrantable, PolicyStatement, Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ScheduleGroup } from 'aws-cdk-lib/aws-scheduler';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

export interface SkedSchedulerProps {
  /** Where every job schedule delivers its run envelope. */
  readonly jobsQueue: IQueue;
  /** Where EventBridge Scheduler puts what it could not deliver. */
  readonly deliveryDlq: IQueue;
  /**
   * What deleting the stack does to the schedule group, and with it every job's schedule. DESTROY for throwaway
   * stages, so that their schedules stop firing once the queue they deliver to is gone.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The schedule group holding one schedule per job (named by the job id), and the role EventBridge Scheduler assumes
 * to deliver: exactly sqs:SendMessage on the jobs queue and the delivery DLQ. The queues use SQS managed encryption,
 * so no KMS permission is needed. The trust policy only lets schedules of this account's group assume the role.
 */
export class SkedScheduler extends Construct {
  readonly group: ScheduleGroup;
  readonly role: Role;

  constructor(scope: Construct, id: string, props: SkedSchedulerProps) {
    super(scope, id);
    const stack = Stack.of(this);

    this.group = new ScheduleGroup(this, 'Group', { removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN });
    const groupArn = stack.formatArn({
      service: 'scheduler',
      resource: 'schedule-group',
      resourceName: this.group.scheduleGroupName,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });

    this.role = new Role(this, 'ExecutionRole', {
      description: 'Assumed by EventBridge Scheduler to deliver sked run envelopes to the jobs queue',
      assumedBy: new ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnLike: { 'aws:SourceArn': groupArn },
        },
      }),
    });
    this.role.addToPolicy(
      new PolicyStatement({
        effect: Effect.ALLOW,
        actions: ['sqs:SendMessage'],
        resources: [props.jobsQueue.queueArn, props.deliveryDlq.queueArn],
      }),
    );
  }

  /** ARN pattern of the schedules in this group. */
  schedulesArn(): string {
    return Stack.of(this).formatArn({
      service: 'scheduler',
      resource: 'schedule',
      resourceName: `${this.group.scheduleGroupName}/*`,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  }

  /** What the API and reconcile need: manage the group's schedules and pass the execution role to Scheduler. */
  grantManageSchedules(grantee: IGrantable): void {
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: [
          'scheduler:CreateSchedule',
          'scheduler:UpdateSchedule',
          'scheduler:DeleteSchedule',
          'scheduler:GetSchedule',
        ],
        resources: [this.schedulesArn()],
      }),
    );
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        // ListSchedules has no resource type: it cannot be scoped by ARN (the group is a request parameter).
        actions: ['scheduler:ListSchedules'],
        resources: ['*'],
      }),
    );
    // Only to EventBridge Scheduler: the execution role is never handed to another service.
    grantee.grantPrincipal.addToPrincipalPolicy(
      new PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } },
      }),
    );
  }
}
