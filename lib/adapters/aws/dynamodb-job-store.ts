import {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  paginateQuery,
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
import {
  and,
  attributeExists,
  attributeNotExists,
  beginsWith,
  contains,
  equals,
  expressions,
  plus,
  type Condition,
} from './dynamodb-expression';
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
          ...expressions({ condition: attributeNotExists(partitionKey) }),
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
          ...expressions({ condition: equals('version', expectedVersion) }),
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
          ...expressions({
            condition:
              expectedVersion === undefined ? attributeExists(partitionKey) : equals('version', expectedVersion),
          }),
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
    const inEntity = equals(listIndex.partitionKey, entity);
    const filters: Condition[] = [];
    if (query.state !== undefined) filters.push(equals('state', query.state));
    if (query.tag !== undefined) filters.push(contains('tags', query.tag));
    const queryExpressions = expressions({
      keyCondition:
        query.group === undefined ? inEntity : and(inEntity, beginsWith(listIndex.sortKey, `${query.group}#`)),
      filter: filters.length > 0 ? and(...filters) : undefined,
    });

    const items: Job[] = [];
    const startKey: Record<string, AttributeValue> | undefined =
      query.cursor === undefined
        ? undefined
        : marshall(decodeCursor(query.cursor, [partitionKey, listIndex.partitionKey, listIndex.sortKey]));
    // One API page: reading stops once it is full (one item more tells whether another page follows).
    const pages = paginateQuery(
      { client: this.client, startingToken: startKey },
      { TableName: this.tableName, IndexName: listIndex.name, ...queryExpressions, Limit: query.limit + 1 },
    );
    for await (const page of pages) {
      for (const item of page.Items ?? []) items.push(fromItem(item));
      if (items.length > query.limit) break;
    }

    if (items.length > query.limit) {
      const kept = items.slice(0, query.limit);
      const last = kept[kept.length - 1];
      return { items: kept, ...(last !== undefined && { nextCursor: encodeCursor(listKeyOf(last)) }) };
    }
    return { items };
  }

  /** The worker's one write to a job: an enabled date job, unchanged since its run read it, becomes completed. */
  async markCompleted(id: string, version: number, at: Date): Promise<boolean> {
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: { [partitionKey]: { S: id } },
          ...expressions({
            update: { set: { state: 'completed', version: plus('version', 1), updatedAt: at.toISOString() } },
            condition: and(equals('state', 'enabled'), equals('version', version)),
          }),
        }),
      );
      return true;
    } catch (error) {
      // Deleted, paused, changed or already completed in the meantime: nothing to do.
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
