import type { AttributeDefinition, CreateTableCommandInput, KeySchemaElement } from '@aws-sdk/client-dynamodb';
import { JOBS_TABLE, RUNS_TABLE } from '../../lib/adapters/aws/table-layout';

/** Key attributes are strings in both tables. */
const strings = (...names: string[]): AttributeDefinition[] =>
  names.map((AttributeName) => ({ AttributeName, AttributeType: 'S' }));

/** Key schema elements: the partition key (HASH) and the sort key (RANGE). */
const hash = (AttributeName: string): KeySchemaElement => ({ AttributeName, KeyType: 'HASH' });
const range = (AttributeName: string): KeySchemaElement => ({ AttributeName, KeyType: 'RANGE' });

/** The jobs table as the stack creates it (key layout from table-layout.ts), for tests on the local cloud. */
export function jobsTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, listIndex } = JOBS_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: strings(partitionKey, listIndex.partitionKey, listIndex.sortKey),
    KeySchema: [hash(partitionKey)],
    GlobalSecondaryIndexes: [
      {
        IndexName: listIndex.name,
        KeySchema: [hash(listIndex.partitionKey), range(listIndex.sortKey)],
        Projection: { ProjectionType: 'ALL' },
      },
    ],
  };
}

/** The run ledger table as the stack creates it. */
export function runsTableInput(tableName: string): CreateTableCommandInput {
  const { partitionKey, sortKey } = RUNS_TABLE;
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: strings(partitionKey, sortKey),
    KeySchema: [hash(partitionKey), range(sortKey)],
  };
}
