/**
 * Section 4b: the same drain as section 4, but by the DEPLOYED workers on the local cloud. sked's real stacks are
 * deployed under a throwaway stage (test tasks on) with cdklocal; the baseline is bundled like sked's functions and
 * created as a Lambda function with an SQS event source mapping configured like sked's (batch size, maximum
 * concurrency, partial batch responses). Jobs are written straight into each jobs table, scheduled envelopes (plus
 * duplicates) sent to each queue, and the emulator's event source mapping invokes the functions. Completion and the
 * history check come from DynamoDB: the task's side-effect items (`effect#<runId>#...`) and, for sked, its ledger.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import {
  CreateEventSourceMappingCommand,
  CreateFunctionCommand,
  DeleteEventSourceMappingCommand,
  DeleteFunctionCommand,
  GetEventSourceMappingCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  waitUntilFunctionActiveV2,
} from '@aws-sdk/client-lambda';
import { GetQueueAttributesCommand, SendMessageBatchCommand, type SQSClient } from '@aws-sdk/client-sqs';
import { DisableRuleCommand, ListRulesCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { build } from 'esbuild';
import { RUNS_TABLE } from '../../lib/adapters/aws/table-layout';
import { guardedClient } from '../../test/support/aws-clients';
import { scheduledRunId } from '../../lib/domain/run-id';
import { ENV } from '../../lib/schemas/config';
import { TERMINAL_STATUSES } from '../../lib/schemas/run';
import { lambdaBundleOptions, PROJECT_ROOT } from '../../cdk/constructs/sked-function';
import { deploySked, destroySked } from '../../test/support/e2e/deployment';
import { BASELINE_ENV } from '../deployed/baseline-env';
import { REGION } from '../support/clients';
import { writeJobs, type CloudResources, type Queue } from '../support/cloud-resources';
import { benchJob, scheduledEnvelope } from '../support/jobs';
import type { WorkerName } from '../support/workers';
import type { DrainCounts } from './throughput';

const run = promisify(execFile);
const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);

/** `seconds`: first send to the last side effect (sked: or ledger finish), whichever is later. */
export interface DeployedDrain extends DrainCounts {
  /** sked only: occurrences whose ledger item is terminal. */
  readonly terminal?: number;
  /** Messages still in the queue (visible or in flight) when the history was checked. */
  readonly unsettled: number;
  readonly timedOut: boolean;
}

export interface DeployedThroughputResult {
  readonly occurrences: number;
  readonly duplicates: number;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly visibilityTimeoutSeconds: number;
  readonly deploySeconds: number;
  readonly runs: readonly DeployedDrain[];
}

interface DeployedTarget {
  readonly name: WorkerName;
  readonly queueUrl: string;
  readonly jobsTable: string;
  /** Where the task writes its side effects (sked: the runs table, beside the ledger). */
  readonly effectsTable: string;
}

interface Clients {
  readonly dynamodb: DynamoDBClient;
  readonly sqs: SQSClient;
  readonly lambda: LambdaClient;
}

/** Reads every item of a table (few attributes), page by page. */
async function scanAll(dynamodb: DynamoDBClient, table: string): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        ExclusiveStartKey: start,
        ProjectionExpression: '#pk, #sk, #status, finishedAt, #at',
        ExpressionAttributeNames: {
          '#pk': RUNS_TABLE.partitionKey,
          '#sk': RUNS_TABLE.sortKey,
          '#status': 'status',
          '#at': 'at',
        },
      }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

interface History {
  /** Side effects per job id, for the bench's one run id. */
  readonly effects: Map<string, number>;
  readonly terminal: number;
  readonly lastFinishedMs: number;
}

async function readHistory(dynamodb: DynamoDBClient, table: string, runId: string): Promise<History> {
  const effects = new Map<string, number>();
  let terminal = 0;
  let lastFinishedMs = 0;
  for (const item of await scanAll(dynamodb, table)) {
    const jobId = item[RUNS_TABLE.partitionKey]?.S;
    const sk = item[RUNS_TABLE.sortKey]?.S;
    if (jobId === undefined || sk === undefined) continue;
    if (sk.startsWith(`effect#${runId}#`)) {
      effects.set(jobId, (effects.get(jobId) ?? 0) + 1);
      lastFinishedMs = Math.max(lastFinishedMs, Date.parse(item.at?.S ?? '') || 0);
    } else if (sk === `${RUNS_TABLE.runPrefix}${runId}` && TERMINAL.has(item.status?.S ?? '')) {
      terminal += 1;
      lastFinishedMs = Math.max(lastFinishedMs, Date.parse(item.finishedAt?.S ?? '') || 0);
    }
  }
  return { effects, terminal, lastFinishedMs };
}

async function queueDepth(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

async function send(sqs: SQSClient, queueUrl: string, bodies: readonly string[]): Promise<void> {
  const chunks: string[][] = [];
  for (let i = 0; i < bodies.length; i += 10) chunks.push(bodies.slice(i, i + 10));
  for (let i = 0; i < chunks.length; i += 10) {
    await Promise.all(
      chunks.slice(i, i + 10).map((chunk) =>
        sqs.send(
          new SendMessageBatchCommand({
            QueueUrl: queueUrl,
            Entries: chunk.map((body, k) => ({ Id: String(k), MessageBody: body })),
          }),
        ),
      ),
    );
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function drain(
  target: DeployedTarget,
  clients: Clients,
  options: { occurrences: number; duplicateShare: number; timeoutMs: number; log: (s: string) => void },
): Promise<DeployedDrain> {
  const prefix = `dep-${target.name}-${randomUUID().slice(0, 6)}`;
  const ids = Array.from({ length: options.occurrences }, (_, i) => `${prefix}-${i}`);
  await writeJobs(
    clients.dynamodb,
    target.jobsTable,
    ids.map((id) => benchJob(id)),
  );
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const runId = scheduledRunId(at);
  const bodies = ids.map((id) => scheduledEnvelope(id, at));
  const duplicates = Math.round(options.occurrences * options.duplicateShare);
  // Duplicates spread through the queue, not all at its end.
  for (let k = 0; k < duplicates; k++) {
    const source = bodies[Math.floor((k * options.occurrences) / duplicates)];
    if (source !== undefined) bodies.splice(Math.floor(((k + 0.5) * bodies.length) / duplicates), 0, source);
  }

  const started = Date.now();
  await send(clients.sqs, target.queueUrl, bodies);
  const deadline = started + options.timeoutMs;
  const mine = (history: History) => ids.filter((id) => (history.effects.get(id) ?? 0) > 0).length;
  let history = await readHistory(clients.dynamodb, target.effectsTable, runId);
  let timedOut = false;
  for (;;) {
    const ran = mine(history);
    if (ran >= options.occurrences && (target.name !== 'sked' || history.terminal >= options.occurrences)) break;
    if (Date.now() > deadline) {
      timedOut = true;
      break;
    }
    await sleep(2000);
    history = await readHistory(clients.dynamodb, target.effectsTable, runId);
  }
  const seconds = (history.lastFinishedMs - started) / 1000;
  // Late duplicates get a few seconds to show up as second executions before the history check.
  await sleep(5000);
  history = await readHistory(clients.dynamodb, target.effectsTable, runId);
  let lost = 0;
  let ranTwice = 0;
  for (const id of ids) {
    const count = history.effects.get(id) ?? 0;
    if (count === 0) lost += 1;
    if (count > 1) ranTwice += 1;
  }
  const unsettled = await queueDepth(clients.sqs, target.queueUrl);
  const result: DeployedDrain = {
    worker: target.name,
    occurrences: options.occurrences,
    duplicates,
    seconds,
    runsPerSecond: seconds > 0 ? (options.occurrences - lost) / seconds : 0,
    lost,
    ranTwice,
    ...(target.name === 'sked' && { terminal: history.terminal }),
    unsettled,
    timedOut,
  };
  options.log(
    `  deployed ${target.name}: ${options.occurrences} runs in ${seconds.toFixed(1)} s ` +
      `(${result.runsPerSecond.toFixed(0)}/s), lost ${lost}, ran twice ${ranTwice}, unsettled ${unsettled}` +
      `${timedOut ? ', TIMED OUT' : ''}`,
  );
  return result;
}

/** The baseline bundled as SkedFunction bundles sked's functions, zipped as a Lambda deployment package. */
async function baselineZip(work: string): Promise<Uint8Array> {
  await build(
    lambdaBundleOptions(join(PROJECT_ROOT, 'bench', 'deployed', 'baseline-function.ts'), join(work, 'index.mjs')),
  );
  await run('zip', ['-q', '-j', join(work, 'baseline.zip'), join(work, 'index.mjs'), join(work, 'index.mjs.map')]);
  return readFileSync(join(work, 'baseline.zip'));
}

async function deployBaseline(
  clients: Clients,
  resources: CloudResources,
  settings: { batchSize: number; maxConcurrency: number; visibilityTimeoutSeconds: number; timeoutSeconds: number },
): Promise<{ target: DeployedTarget; dispose: () => Promise<void> }> {
  const jobsTable = await resources.jobsTable();
  const effectsTable = await resources.runsTable();
  const idempotencyTable = await resources.idempotencyTable();
  const queue: Queue = await resources.queue('baseline-deployed', settings.visibilityTimeoutSeconds);
  const work = mkdtempSync(join(tmpdir(), 'sked-bench-baseline-'));
  const functionName = `bench-baseline-${randomUUID().slice(0, 8)}`;
  let mappingId: string | undefined;
  const dispose = async () => {
    if (mappingId !== undefined)
      await clients.lambda.send(new DeleteEventSourceMappingCommand({ UUID: mappingId })).catch(() => undefined);
    await clients.lambda.send(new DeleteFunctionCommand({ FunctionName: functionName })).catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  try {
    await clients.lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Runtime: 'nodejs24.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        // IAM is not enforced on the local cloud.
        Role: 'arn:aws:iam::000000000000:role/bench-baseline',
        Code: { ZipFile: await baselineZip(work) },
        MemorySize: 512,
        Timeout: settings.timeoutSeconds,
        Environment: {
          Variables: {
            [BASELINE_ENV.jobsTable]: jobsTable,
            [BASELINE_ENV.idempotencyTable]: idempotencyTable,
            [BASELINE_ENV.effectsTable]: effectsTable,
            NODE_OPTIONS: '--enable-source-maps',
            POWERTOOLS_SERVICE_NAME: 'baseline-worker',
            POWERTOOLS_LOG_LEVEL: 'WARN',
          },
        },
      }),
    );
    await waitUntilFunctionActiveV2({ client: clients.lambda, maxWaitTime: 120 }, { FunctionName: functionName });
    const mapping = await clients.lambda.send(
      new CreateEventSourceMappingCommand({
        FunctionName: functionName,
        EventSourceArn: queue.arn,
        BatchSize: settings.batchSize,
        ScalingConfig: { MaximumConcurrency: settings.maxConcurrency },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        Enabled: true,
      }),
    );
    mappingId = mapping.UUID;
    for (let tries = 0; tries < 60 && mappingId !== undefined; tries++) {
      const { State } = await clients.lambda.send(new GetEventSourceMappingCommand({ UUID: mappingId }));
      if (State === 'Enabled') break;
      await sleep(500);
    }
  } catch (error) {
    await dispose();
    throw error;
  }
  return {
    target: { name: 'baseline', queueUrl: queue.url, jobsTable, effectsTable },
    dispose,
  };
}

export async function measureDeployedThroughput(
  endpoint: string,
  clients: { dynamodb: DynamoDBClient; sqs: SQSClient; eventbridge: EventBridgeClient },
  resources: () => CloudResources,
  options: {
    occurrences: number;
    duplicateShare: number;
    repetitions: number;
    timeoutMs: number;
    log: (s: string) => void;
  },
): Promise<DeployedThroughputResult> {
  const lambda = guardedClient(LambdaClient, { region: REGION, endpoint });
  const all: Clients = { dynamodb: clients.dynamodb, sqs: clients.sqs, lambda };
  const stage = `local-bench-${randomUUID().slice(0, 8)}`;
  const deployStarted = Date.now();
  options.log(`  deploying sked stage ${stage}...`);
  try {
    const sked = await deploySked(stage, endpoint);
    const deploySeconds = (Date.now() - deployStarted) / 1000;
    // The stage's periodic reconcile would create a schedule per bench job mid-drain, loading the emulator.
    const { Rules } = await clients.eventbridge.send(new ListRulesCommand({ NamePrefix: sked.stackNames[1] }));
    for (const rule of Rules ?? []) {
      if (rule.Name !== undefined) await clients.eventbridge.send(new DisableRuleCommand({ Name: rule.Name }));
    }
    options.log(`  disabled ${Rules?.length ?? 0} rule(s) of the stage`);
    const { Environment, Timeout } = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: sked.outputs.WorkerFunctionName }),
    );
    const variables = Environment?.Variables ?? {};
    const jobsTable = variables[ENV.jobsTable];
    const runsTable = variables[ENV.runsTable];
    if (jobsTable === undefined || runsTable === undefined) throw new Error('the deployed worker names no tables');
    const { EventSourceMappings } = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: sked.outputs.WorkerFunctionName }),
    );
    const mapping = EventSourceMappings?.[0];
    const batchSize = mapping?.BatchSize ?? 10;
    const maxConcurrency = mapping?.ScalingConfig?.MaximumConcurrency ?? 5;
    const { Attributes } = await clients.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: sked.outputs.JobsQueueUrl, AttributeNames: ['VisibilityTimeout'] }),
    );
    const visibilityTimeoutSeconds = Number(Attributes?.VisibilityTimeout ?? 30);
    const skedTarget: DeployedTarget = {
      name: 'sked',
      queueUrl: sked.outputs.JobsQueueUrl,
      jobsTable,
      effectsTable: runsTable,
    };

    const scope = resources();
    const baseline = await deployBaseline(all, scope, {
      batchSize,
      maxConcurrency,
      visibilityTimeoutSeconds,
      timeoutSeconds: Timeout ?? 30,
    });
    const runs: DeployedDrain[] = [];
    try {
      for (let r = 0; r < options.repetitions; r++) {
        const order = r % 2 === 0 ? [skedTarget, baseline.target] : [baseline.target, skedTarget];
        for (const target of order) runs.push(await drain(target, all, options));
      }
    } finally {
      await baseline.dispose();
      await scope.dispose();
    }
    return {
      occurrences: options.occurrences,
      duplicates: Math.round(options.occurrences * options.duplicateShare),
      batchSize,
      maxConcurrency,
      visibilityTimeoutSeconds,
      deploySeconds,
      runs,
    };
  } finally {
    options.log(`  destroying sked stage ${stage}...`);
    await destroySked(stage, endpoint).catch((error: unknown) =>
      options.log(`  destroying ${stage} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
  }
}
