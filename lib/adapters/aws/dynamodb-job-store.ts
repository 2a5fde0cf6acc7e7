import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall, unmarshall } from '@aws-sdk/util-dynamodb';
import { JobConflictError, JobNotFoundError, StaleVersionError } from '../../domain/errors';
import type { JobListQuery, JobStore, Page } from '../../ports/job-store';
import type { JobCompletion } from '../../ports/worker-job-completion';
import { jobSchema, type Job } from '../../schemas/job';
import { decodeCursor, encodeCursor } from './cursor';
import { JOBS_TABLE } from './table-layout';

const { partitionKey, listIndex, entity } = JOBS_TABLE;

function toItem(job: Job): Record<string, AttributeValue> {
  return marshall(
    { ...job, [listIndex.partitionKey]: entity, [listIndex.sortKey]: `${job.group}#${job.id}` },
    { removeUndefinedValues: true },
  );
}

function fromItem(item: Record<string, AttributeValue>): Job {
  const { [listIndex.partitionKey]: _entity, [listIndex.sortKey]: _groupId, ...job } = unmarshall(item);
  return jobSchema.parse(job);
}

function listKeyOf(job: Job): Record<string, string> {
  return { [partitionKey]: job.id, [listIndex.partitionKey]: entity, [listIndex.sortKey]: `${job.group}#${job.id}` };
}

function versionCondition(expectedVersion: number) {
  return {
    ConditionExpression: '#version = :expected',
    ExpressionAttributeNames: { '#version': 'version' },
    ExpressionAttributeValues: { ':expected': { N: String(expectedVersion) } },
  };
}

/** Runs a write conditional on the job's version; a failed condition means the job is gone or changed. */
async function versioned(
  id: string,
  expectedVersion: number | undefined,
  write: () => Promise<unknown>,
): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (error instanceof ConditionalCheckFailedException) {
      if (error.Item === undefined) throw new JobNotFoundError(id);
      throw new StaleVersionError(id, String(expectedVersion));
    }
    throw error;
  }
}

export class DynamoDbJobStore implements JobStore, JobCompletion {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<Job | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: { [partitionKey]: { S: id } }, ConsistentRead: true }),
    );
    return Item === undefined ? undefined : fromItem(Item);
  }

  async create(job: Job): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(job),
          ConditionExpression: 'attribute_not_exists(#id)',
          ExpressionAttributeNames: { '#id': partitionKey },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new JobConflictError(job.id);
      throw error;
    }
  }

  async replace(job: Job, expectedVersion: number): Promise<void> {
    await versioned(job.id, expectedVersion, () =>
      this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: toItem(job),
          ...versionCondition(expectedVersion),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  async delete(id: string, expectedVersion?: number): Promise<void> {
    await versioned(id, expectedVersion, () =>
      this.client.send(
        new DeleteItemCommand({
          TableName: this.tableName,
          Key: { [partitionKey]: { S: id } },
          ...(expectedVersion === undefined
            ? { ConditionExpression: 'attribute_exists(#id)', ExpressionAttributeNames: { '#id': partitionKey } }
            : versionCondition(expectedVersion)),
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      ),
    );
  }

  /**
   * Queries the list index (never a Scan). Filters on state and tag are applied by DynamoDB after the key
   * condition, so pages are read until `limit` jobs are found; the cursor is the key of the last job returned.
   */
  async list(query: JobListQuery): Promise<Page<Job>> {
    const names: Record<string, string> = { '#entity': listIndex.partitionKey };
    const values: Record<string, AttributeValue> = { ':entity': { S: entity } };
    let keyCondition = '#entity = :entity';
    if (query.group !== undefined) {
      names['#groupId'] = listIndex.sortKey;
      values[':groupPrefix'] = { S: `${query.group}#` };
      keyCondition += ' AND begins_with(#groupId, :groupPrefix)';
    }
    const filters: string[] = [];
    if (query.state !== undefined) {
      names['#state'] = 'state';
      values[':state'] = { S: query.state };
      filters.push('#state = :state');
    }
    if (query.tag !== undefined) {
      names['#tags'] = 'tags';
      values[':tag'] = { S: query.tag };
      filters.push('contains(#tags, :tag)');
    }

    const items: Job[] = [];
    let startKey: Record<string, AttributeValue> | undefined =
      query.cursor === undefined
        ? undefined
        : marshall(decodeCursor(query.cursor, [partitionKey, listIndex.partitionKey, listIndex.sortKey]));
    do {
      const page = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: listIndex.name,
          KeyConditionExpression: keyCondition,
          ...(filters.length > 0 && { FilterExpression: filters.join(' AND ') }),
          ExpressionAttributeNames: names,
          ExpressionAttributeValues: values,
          ExclusiveStartKey: startKey,
          Limit: query.limit + 1,
        }),
      );
      for (const item of page.Items ?? []) items.push(fromItem(item));
      startKey = page.LastEvaluatedKey;
    } while (items.length <= query.limit && startKey !== undefined);

    if (items.length > query.limit) {
      const kept = items.slice(0, query.limit);
      const last = kept[kept.length - 1];
      return { items: kept, ...(last !== undefined && { nextCursor: encodeCursor(listKeyOf(last)) }) };
    }
    return { items };
  }

  /** The worker's one write to a job: an enabled date job becomes completed (a new version) after it ran. */
  async markCompleted(id: string, at: Date): Promise<void> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [partitionKey]: { S: id } },
          UpdateExpression: 'SET #state = :completed, #version = #version + :one, #updatedAt = :at',
          ConditionExpression: '#state = :enabled',
          ExpressionAttributeNames: { '#state': 'state', '#version': 'version', '#updatedAt': 'updatedAt' },
          ExpressionAttributeValues: {
            ':completed': { S: 'completed' },
            ':enabled': { S: 'enabled' },
            ':one': { N: '1' },
            ':at': { S: at.toISOString() },
          },
        }),
      );
    } catch (error) {
      // Deleted, paused or already completed in the meantime: nothing to do.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }
}
