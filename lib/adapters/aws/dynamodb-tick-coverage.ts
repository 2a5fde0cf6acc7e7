import {
  ConditionalCheckFailedException,
  GetItemCommand,
  UpdateItemCommand,
  type AttributeValue,
  type DynamoDBClient,
} from '@aws-sdk/client-dynamodb';
import type { TickCoverage } from '../../domain/tick';
import type { TickCoverageStore } from '../../ports/run-ledger';
import { and, attributeNotExists, equals, expressions } from './dynamodb-expression';
import { RUNS_TABLE } from './table-layout';

const { partitionKey, sortKey, tickCoverageKey, ttlAttribute } = RUNS_TABLE;
/**
 * A coverage item outlives its last tick by 30 days, so that ticks that stopped for days still find where they
 * stopped; a job deleted (or moved to minute precision) leaves none behind for longer.
 */
const COVERAGE_TTL_MS = 30 * 86_400_000;

/**
 * A second-precision job's tick coverage: one item in the job's partition of the runs table (`tick`), holding the
 * instant up to which occurrences are enqueued, the job record it was computed for and that record's schedule
 * fingerprint. Advances are conditional on the instant and the record, as read.
 */
export class DynamoDbTickCoverage implements TickCoverageStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private key(jobId: string): Record<string, AttributeValue> {
    return { [partitionKey]: { S: jobId }, [sortKey]: { S: tickCoverageKey } };
  }

  async coverage(jobId: string): Promise<TickCoverage | undefined> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.key(jobId), ConsistentRead: true }),
    );
    const coveredUntil = Item?.['coveredUntil']?.N;
    const basis = Item?.['basis']?.S;
    const fingerprint = Item?.['fingerprint']?.S;
    if (coveredUntil === undefined || basis === undefined || fingerprint === undefined) return undefined;
    return { coveredUntil: new Date(Number(coveredUntil)), basis, fingerprint };
  }

  async advanceCoverage(jobId: string, expected: TickCoverage | undefined, next: TickCoverage): Promise<boolean> {
    const condition =
      expected === undefined
        ? attributeNotExists(sortKey)
        : and(equals('coveredUntil', expected.coveredUntil.getTime()), equals('basis', expected.basis));
    try {
      await this.client.send(
        new UpdateItemCommand({
          TableName: this.tableName,
          Key: this.key(jobId),
          ...expressions({
            update: {
              set: {
                coveredUntil: next.coveredUntil.getTime(),
                basis: next.basis,
                fingerprint: next.fingerprint,
                [ttlAttribute]: Math.floor((next.coveredUntil.getTime() + COVERAGE_TTL_MS) / 1000),
              },
            },
            condition,
          }),
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
