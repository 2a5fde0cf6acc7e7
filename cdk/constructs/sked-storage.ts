import { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, ProjectionType, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { EventBus } from 'aws-cdk-lib/aws-events';
import { Grant, type IGrantable } from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { JOBS_TABLE, RUNS_TABLE } from '../../lib/adapters/aws/table-layout';

export interface SkedStorageProps {
  /**
   * What deleting the stack does to the tables. RETAIN also turns on deletion protection; DESTROY is for
   * throwaway stages only.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

const TABLE_READ_ACTIONS = [
  'dynamodb:GetItem',
  'dynamodb:BatchGetItem',
  'dynamodb:Query',
  'dynamodb:ConditionCheckItem',
  'dynamodb:DescribeTable',
];
const TABLE_WRITE_ACTIONS = [
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
  'dynamodb:BatchWriteItem',
];

/**
 * sked's state: the jobs table (source of truth), the run ledger and the lifecycle events bus.
 *
 * Both tables are encrypted at rest with the AWS managed key for DynamoDB (`aws/dynamodb`): encryption and key
 * usage auditing in CloudTrail without a key policy to maintain or per-request KMS charges; nothing outside the
 * account reads these tables, so a customer managed key would add cost without narrowing access. Point-in-time
 * recovery is on for both; the run ledger expires items through DynamoDB TTL.
 */
export class SkedStorage extends Construct {
  readonly jobsTable: Table;
  readonly runsTable: Table;
  readonly eventBus: EventBus;

  constructor(scope: Construct, id: string, props: SkedStorageProps = {}) {
    super(scope, id);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const retained = removalPolicy === RemovalPolicy.RETAIN;

    this.jobsTable = new Table(this, 'JobsTable', {
      partitionKey: { name: JOBS_TABLE.partitionKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: retained,
      removalPolicy,
    });
    this.jobsTable.addGlobalSecondaryIndex({
      indexName: JOBS_TABLE.listIndex.name,
      partitionKey: { name: JOBS_TABLE.listIndex.partitionKey, type: AttributeType.STRING },
      sortKey: { name: JOBS_TABLE.listIndex.sortKey, type: AttributeType.STRING },
      projectionType: ProjectionType.ALL,
    });

    this.runsTable = new Table(this, 'RunsTable', {
      partitionKey: { name: RUNS_TABLE.partitionKey, type: AttributeType.STRING },
      sortKey: { name: RUNS_TABLE.sortKey, type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: RUNS_TABLE.ttlAttribute,
      deletionProtection: retained,
      removalPolicy,
    });

    this.eventBus = new EventBus(this, 'EventBus', {
      description: 'sked job and run lifecycle events (source "sked"); attach rules to listen',
    });
  }

  /** Read and write jobs, including queries of the list index (named, not `index/*`). */
  grantJobsReadWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: [...TABLE_READ_ACTIONS, ...TABLE_WRITE_ACTIONS],
      resourceArns: [this.jobsTable.tableArn, `${this.jobsTable.tableArn}/index/${JOBS_TABLE.listIndex.name}`],
    });
  }
}
