import type { CreateTableCommandInput } from '@aws-sdk/client-dynamodb';
import { JOBS_TABLE, RUNS_TABLE } from '../../lib/adapters/aws/table-layout';

/** The jobs table as the stack creates it (key layout from table-layout.ts), for tests on the local cloud. */
export function jobsTableInput(tableName: string): CreateTableCommandInput {
  const { listIndex } = JOBS_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: JOBS_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: listIndex.partitionKey, AttributeType: 'S' },
      { AttributeName: listIndex.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [{ AttributeName: JOBS_TABLE.partitionKey, KeyType: 'HASH' }],
    GlobalSecondaryIndexes: [
      {
        IndexName: listIndex.name,
        KeySchema: [
          { AttributeName: listIndex.partitionKey, KeyType: 'HASH' },
          { AttributeName: listIndex.sortKey, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** The run ledger table as the stack creates it. */
export function runsTableInput(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: RUNS_TABLE.partitionKey, AttributeType: 'S' },
      { AttributeName: RUNS_TABLE.sortKey, AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: RUNS_TABLE.partitionKey, KeyType: 'HASH' },
      { AttributeName: RUNS_TABLE.sortKey, KeyType: 'RANGE' },
    ],
  };
}
