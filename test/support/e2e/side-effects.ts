import {
  QueryCommand,
  type AttributeValue,
  type DynamoDBClient,
  type QueryCommandOutput,
} from '@aws-sdk/client-dynamodb';
import { RUNS_TABLE } from '../../../lib/adapters/aws/table-layout';

/**
 * How many side effects test.record-side-effect recorded per run id of a job: its `effect#<runId>#...` items in the
 * stage's runs table, read consistently, every page.
 */
export async function sideEffectsByRunId(
  dynamodb: DynamoDBClient,
  runsTable: string,
  jobId: string,
): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let startKey: Record<string, AttributeValue> | undefined;
  do {
    const page: QueryCommandOutput = await dynamodb.send(
      new QueryCommand({
        TableName: runsTable,
        KeyConditionExpression: '#pk = :jobId AND begins_with(#sk, :effect)',
        ExpressionAttributeNames: { '#pk': RUNS_TABLE.partitionKey, '#sk': RUNS_TABLE.sortKey },
        ExpressionAttributeValues: { ':jobId': { S: jobId }, ':effect': { S: 'effect#' } },
        ConsistentRead: true,
        ExclusiveStartKey: startKey,
      }),
    );
    for (const item of page.Items ?? []) {
      const runId = item[RUNS_TABLE.sortKey]?.S?.split('#')[1] ?? '';
      counts.set(runId, (counts.get(runId) ?? 0) + 1);
    }
    startKey = page.LastEvaluatedKey;
  } while (startKey !== undefined);
  return counts;
}
