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

  /**
   * What the API needs on jobs: get, create and replace (conditional PutItem), delete, and queries of the list index
   * (named, not `index/*`).
   */
  grantJobsReadWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:Query'],
      resourceArns: this.jobsTableAndListIndex(),
    });
  }

  /** What reconcile needs on jobs: get and list, never write. */
  grantJobsRead(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:Query'],
      resourceArns: this.jobsTableAndListIndex(),
    });
  }

  /** What the worker needs on jobs: read a job, and mark a date job completed after it ran (UpdateItem). */
  grantJobsRunUpdates(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.jobsTable.tableArn],
    });
  }

  /**
   * What the API needs on the run ledger: get a run, query a job's runs, and record a run-now run as `queued`
   * (conditional PutItem), withdrawing it (conditional DeleteItem) when its message could not be sent.
   */
  grantRunsReadAndQueue(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resourceArns: [this.runsTable.tableArn],
    });
  }

  /**
   * What the worker needs on the run ledger: claim, update and record runs. TransactWriteItems has no IAM action of
   * its own; each item in it is authorized as its UpdateItem.
   */
  grantRunsReadWrite(grantee: IGrantable): Grant {
    return Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      resourceArns: [this.runsTable.tableArn],
    });
  }

  private jobsTableAndListIndex(): string[] {
    return [this.jobsTable.tableArn, `${this.jobsTable.tableArn}/index/${JOBS_TABLE.listIndex.name}`];
  }
}
