/**
 * Section 5: the Jobs API handler in this process against the local cloud (DynamoDB, EventBridge Scheduler, SQS,
 * EventBridge): latency of creating jobs one by one and of listing them page by page, and a check that listing a
 * large table reads it with Query, never Scan.
 */
import { CreateScheduleGroupCommand, DeleteScheduleGroupCommand } from '@aws-sdk/client-scheduler';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { makeApiHandler } from '../../lib/handlers/api-handler';
import { awsJobsDeps } from '../../lib/composition/aws-jobs-deps';
import { apiConfigSchema, ENV, parseConfig } from '../../lib/schemas/config';
import { DEFAULT_JOB_POLICIES } from '../../lib/schemas/job';
import { summarise, type CallSummary } from '../support/call-counter';
import { cloudClients } from '../support/clients';
import { benchName, writeJobs, type CloudResources } from '../support/cloud-resources';
import { benchJob, BENCH_TASK } from '../support/jobs';
import { lambdaContext, OutputCapture } from '../support/lambda';
import { percentileOf } from '../support/stats';
import { benchRegistry, InMemorySideEffects } from '../support/workers';

export interface LatencySet {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface ApiResult {
  readonly create: LatencySet;
  readonly createCalls: CallSummary;
  readonly listPage: LatencySet;
  readonly pageSize: number;
  readonly bulk: {
    readonly jobs: number;
    readonly pages: number;
    readonly listed: number;
    readonly queries: number;
    readonly scans: number;
    readonly seconds: number;
  };
}

const latencies = (values: number[]): LatencySet => ({
  count: values.length,
  p50: percentileOf(values, 50),
  p99: percentileOf(values, 99),
  max: Math.max(...values),
});

function apiEvent(method: string, path: string, body?: unknown, query?: Record<string, string>): APIGatewayProxyEvent {
  return {
    httpMethod: method,
    path,
    resource: path,
    body: body === undefined ? null : JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
    multiValueHeaders: {},
    queryStringParameters: query ?? null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    isBase64Encoded: false,
    requestContext: {
      identity: { userArn: 'arn:aws:iam::000000000000:user/bench' },
    } as APIGatewayProxyEvent['requestContext'],
  };
}

export async function measureApi(
  endpoint: string,
  resources: CloudResources,
  options: { creates: number; bulkJobs: number; pageSize: number; log: (s: string) => void },
): Promise<ApiResult> {
  const clients = cloudClients(endpoint);
  const jobsTable = await resources.jobsTable();
  const runsTable = await resources.runsTable();
  const queue = await resources.queue('api-jobs', 30);
  const dlq = await resources.queue('api-delivery-dlq', 30);
  const eventBus = await resources.eventBus();
  const group = benchName('group');
  await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
  try {
    const config = parseConfig(apiConfigSchema, {
      [ENV.jobsTable]: jobsTable,
      [ENV.runsTable]: runsTable,
      [ENV.scheduleGroup]: group,
      [ENV.jobsQueueUrl]: queue.url,
      [ENV.jobsQueueArn]: queue.arn,
      [ENV.deliveryDlqArn]: dlq.arn,
      [ENV.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/bench-scheduler',
      [ENV.eventBusName]: eventBus,
      [ENV.jobDefaults]: JSON.stringify(DEFAULT_JOB_POLICIES),
      [ENV.includeTestTasks]: 'true',
    });
    const logger = new Logger({ serviceName: 'sked-api' });
    const handler = makeApiHandler({
      deps: awsJobsDeps(config, benchRegistry(new InMemorySideEffects()), logger, clients),
      logger,
      openApiDocument: () => ({}),
    });
    const capture = new OutputCapture();
    const call = async (event: APIGatewayProxyEvent): Promise<{ ms: number; result: APIGatewayProxyResult }> => {
      const started = performance.now();
      capture.start();
      try {
        const result = await handler(event, lambdaContext('bench-api', 29_000));
        return { ms: performance.now() - started, result };
      } finally {
        capture.stop();
      }
    };

    // Creates: the yearly cron never fires while the bench runs.
    const createMs: number[] = [];
    clients.counter.take();
    for (let i = 0; i < options.creates; i++) {
      const { ms, result } = await call(
        apiEvent('POST', '/jobs', {
          id: `api-${String(i).padStart(5, '0')}`,
          group: 'bench',
          trigger: { type: 'cron', expression: '0 0 1 1 *' },
          target: { type: 'task', task: BENCH_TASK, payload: {} },
        }),
      );
      if (result.statusCode !== 201) throw new Error(`POST /jobs answered ${result.statusCode}: ${result.body}`);
      createMs.push(ms);
    }
    const createCalls = summarise(clients.counter.take());

    // Listing the created jobs, page by page, a few times over.
    const listMs: number[] = [];
    for (let round = 0; round < 5; round++) {
      let cursor: string | undefined;
      do {
        const query: Record<string, string> = { limit: String(options.pageSize), ...(cursor && { cursor }) };
        const { ms, result } = await call(apiEvent('GET', '/jobs', undefined, query));
        if (result.statusCode !== 200) throw new Error(`GET /jobs answered ${result.statusCode}: ${result.body}`);
        listMs.push(ms);
        const page: unknown = JSON.parse(result.body);
        const next = typeof page === 'object' && page !== null && 'nextCursor' in page ? page.nextCursor : undefined;
        cursor = typeof next === 'string' ? next : undefined;
      } while (cursor !== undefined);
    }

    // The large table: items written straight in the job store's format, then listed through the API.
    options.log(`  writing ${options.bulkJobs} job items with BatchWriteItem`);
    await writeJobs(
      clients.dynamodb,
      jobsTable,
      Array.from({ length: options.bulkJobs }, (_, i) => benchJob(`bulk-${String(i).padStart(6, '0')}`)),
    );
    clients.counter.take();
    let pages = 0;
    let listed = 0;
    let cursor: string | undefined;
    const started = performance.now();
    do {
      const query: Record<string, string> = { limit: String(options.pageSize), ...(cursor && { cursor }) };
      const { result } = await call(apiEvent('GET', '/jobs', undefined, query));
      if (result.statusCode !== 200) throw new Error(`GET /jobs answered ${result.statusCode}: ${result.body}`);
      const page: unknown = JSON.parse(result.body);
      if (typeof page !== 'object' || page === null || !('items' in page) || !Array.isArray(page.items)) {
        throw new Error('GET /jobs returned no items');
      }
      pages += 1;
      listed += page.items.length;
      const next = 'nextCursor' in page ? page.nextCursor : undefined;
      cursor = typeof next === 'string' ? next : undefined;
    } while (cursor !== undefined);
    const seconds = (performance.now() - started) / 1000;
    const listCalls = summarise(clients.counter.take());
    const scans = listCalls.byOperation['DynamoDB.Scan'] ?? 0;
    const queries = listCalls.byOperation['DynamoDB.Query'] ?? 0;
    if (scans > 0) throw new Error(`listing ${listed} jobs made ${scans} Scan calls`);
    if (listed !== options.bulkJobs + options.creates) {
      throw new Error(`listed ${listed} jobs, expected ${options.bulkJobs + options.creates}`);
    }
    return {
      create: latencies(createMs),
      createCalls,
      listPage: latencies(listMs),
      pageSize: options.pageSize,
      bulk: { jobs: options.bulkJobs + options.creates, pages, listed, queries, scans, seconds },
    };
  } finally {
    await clients.scheduler.send(new DeleteScheduleGroupCommand({ Name: group })).catch(() => undefined);
  }
}
