/**
 * The baseline worker as a Lambda entry, for the deployed throughput measurement: the same handler the in-process
 * measurement runs, with the task's side effects written to a DynamoDB table (the runs-table layout) so the history
 * check can count them from outside the function.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import * as z from 'zod';
import { DynamoDbJobStore } from '../../lib/adapters/aws/dynamodb-job-store';
import { DynamoDbRunReports } from '../../lib/adapters/aws/dynamodb-run-reports';
import { guardedClient } from '../../test/support/aws-clients';
import { makeBaselineHandler } from '../baseline-worker';
import { benchRegistry } from '../support/workers';
import { BASELINE_ENV } from './baseline-env';

const config = z
  .object({
    [BASELINE_ENV.jobsTable]: z.string().min(1),
    [BASELINE_ENV.idempotencyTable]: z.string().min(1),
    [BASELINE_ENV.effectsTable]: z.string().min(1),
  })
  .parse(process.env);

// Deployed to the local cloud only: it refuses what AWS would refuse, as sked's local stage does.
const dynamodb = guardedClient(DynamoDBClient);

export const handler = makeBaselineHandler({
  dynamodb,
  idempotencyTable: config[BASELINE_ENV.idempotencyTable],
  jobs: new DynamoDbJobStore(dynamodb, config[BASELINE_ENV.jobsTable]),
  tasks: benchRegistry(new DynamoDbRunReports(dynamodb, config[BASELINE_ENV.effectsTable], 1)),
  logger: new Logger({ serviceName: 'baseline-worker' }),
});
