import {
  ConditionalCheckFailedException,
  PutItemCommand,
  QueryCommand,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { Report, ReportSink, SideEffectLog } from '../../ports/worker-task-services';
import { and, attributeNotExists, beginsWith, equals, expressions } from './dynamodb-expression';
import { RUNS_TABLE } from './table-layout';

const { partitionKey, sortKey, ttlAttribute } = RUNS_TABLE;
const DAY_MS = 86_400_000;

/**
 * Items the example tasks write beside the ledger in the runs table (the worker may already write there):
 * `report#${runId}` for reports and, in test deployments, `effect#${runId}#${n}` per execution. Neither prefix is
 * read by the ledger's `run#` queries.
 */
export class DynamoDbRunReports implements ReportSink, SideEffectLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly retentionDays: number,
  ) {}

  private ttl(from: Date): number {
    return Math.floor((from.getTime() + this.retentionDays * DAY_MS) / 1000);
  }

  async put(report: Report): Promise<void> {
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: marshall(
            {
              [partitionKey]: report.jobId,
              [sortKey]: `report#${report.runId}`,
              runId: report.runId,
              title: report.title,
              body: report.body,
              generatedAt: report.generatedAt.toISOString(),
              [ttlAttribute]: this.ttl(report.generatedAt),
            },
            { removeUndefinedValues: true },
          ),
          ...expressions({ condition: attributeNotExists(sortKey) }),
        }),
      );
    } catch (error) {
      // The run's report is already there: a repeated execution keeps the first.
      if (error instanceof ConditionalCheckFailedException) return;
      throw error;
    }
  }

  async record(jobId: string, runId: string, note: string): Promise<void> {
    const now = new Date();
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: marshall({
          [partitionKey]: jobId,
          [sortKey]: `effect#${runId}#${now.getTime()}-${Math.random().toString(36).slice(2, 10)}`,
          note,
          at: now.toISOString(),
          [ttlAttribute]: this.ttl(now),
        }),
      }),
    );
  }

  async count(jobId: string, runId: string): Promise<number> {
    const { Count } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        ...expressions({ keyCondition: and(equals(partitionKey, jobId), beginsWith(sortKey, `effect#${runId}#`)) }),
        Select: 'COUNT',
        ConsistentRead: true,
      }),
    );
    return Count ?? 0;
  }
}
