/**
 * Control over a deployed stage's second-precision ticks, for the end-to-end tests that play a tick delivered twice,
 * late, lost or half processed (docs/design.md#second-precision), and the history check those tests end with.
 *
 * The local scheduler the test layers' global setup starts follows every schedule group of the emulator but those
 * named SELF_SCHEDULED_GROUP_PREFIX..., and a stage's group cannot be named so: CloudFormation generates it from the
 * stack's name (`Sked<stage>Stateless-Sked-Scheduler-Group-...`). So a test that controls the ticks of a job keeps the
 * job's life clear of a 5-minute boundary, where tick schedules fire, takes the tick the API sends after the write
 * off the jobs queue while the worker's event source mapping is disabled (withFirstTicksHeld), and then delivers
 * ticks and occurrences itself.
 */
import { DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  UpdateEventSourceMappingCommand,
} from '@aws-sdk/client-lambda';
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { RUNS_TABLE } from '../../../lib/adapters/aws/table-layout';
import type { Run, SkedClient } from '../../../lib/client';
import { TICK_PERIOD_MINUTES } from '../../../lib/domain/tick';
import { ENV } from '../../../lib/schemas/config';
import { tickEnvelopeSchema, type ScheduledEnvelope, type TickEnvelope } from '../../../lib/schemas/envelope';
import { TERMINAL_STATUSES } from '../../../lib/schemas/run';
import type { SignedFetch } from '../../../scripts/local/signed-fetch';
import { guardedClient } from '../aws-clients';
import type { LocalSked } from './deployment';
import { eventually } from './eventually';
import { sideEffectsByRunId } from './side-effects';

const TICK_PERIOD_MS = TICK_PERIOD_MINUTES * 60_000;

/** The first instant after `time` at which tick schedules fire (every 5 minutes on the clock, UTC). */
export function nextTickBoundary(time: number): number {
  return (Math.floor(time / TICK_PERIOD_MS) + 1) * TICK_PERIOD_MS;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
export const sleepUntil = (time: number): Promise<void> => sleep(time - Date.now());

/** One occurrence as a tick puts it on the jobs queue. */
export interface QueuedOccurrence {
  readonly envelope: ScheduledEnvelope;
  readonly delaySeconds: number;
}

/** Where a job's ticks stopped, as the worker keeps it in the runs table. */
export interface Coverage {
  readonly coveredUntil: Date;
  readonly basis: string;
}

export class TickControl {
  private constructor(
    private readonly lambda: LambdaClient,
    private readonly sqs: SQSClient,
    private readonly dynamodb: DynamoDBClient,
    private readonly queueUrl: string,
    private readonly mappingId: string,
    /** The runs table, where the worker keeps tick coverage and the test task its side effects. */
    readonly runsTable: string,
  ) {}

  /** Finds the worker's event source mapping on the jobs queue and the runs table of a deployed stage. */
  static async connect(sked: LocalSked): Promise<TickControl> {
    const lambda = guardedClient(LambdaClient);
    const functionName = sked.outputs.WorkerFunctionName;
    const { EventSourceMappings = [] } = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: functionName }),
    );
    const mappingId = EventSourceMappings[0]?.UUID;
    if (EventSourceMappings.length !== 1 || mappingId === undefined) {
      throw new Error(`expected one event source mapping on ${functionName}, found ${EventSourceMappings.length}`);
    }
    const configuration = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: functionName }));
    const runsTable = configuration.Environment?.Variables?.[ENV.runsTable];
    if (runsTable === undefined) throw new Error(`${functionName} has no ${ENV.runsTable}`);
    return new TickControl(
      lambda,
      guardedClient(SQSClient),
      guardedClient(DynamoDBClient),
      sked.outputs.JobsQueueUrl,
      mappingId,
      runsTable,
    );
  }

  /**
   * Runs `write` (job writes that each send a first tick) with the worker's event source mapping disabled, and takes
   * the first tick of each of `jobIds` off the jobs queue before enabling it again; returns those ticks by job id.
   * MiniStack's poller skips a disabled mapping (`Enabled` in lambda_svc.py's _poll_sqs). Any other message received
   * meanwhile is made visible again.
   */
  async withFirstTicksHeld(
    jobIds: readonly string[],
    write: () => Promise<void>,
    timeoutMs = 15_000,
  ): Promise<Map<string, TickEnvelope>> {
    await this.lambda.send(new UpdateEventSourceMappingCommand({ UUID: this.mappingId, Enabled: false }));
    const others: Message[] = [];
    try {
      await write();
      const held = new Map<string, TickEnvelope>();
      const deadline = Date.now() + timeoutMs;
      while (held.size < jobIds.length && Date.now() < deadline) {
        const { Messages = [] } = await this.sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            VisibilityTimeout: 60,
          }),
        );
        for (const message of Messages) {
          const tick = parseTick(message.Body);
          if (tick !== undefined && jobIds.includes(tick.jobId) && !held.has(tick.jobId)) {
            held.set(tick.jobId, tick);
            await this.sqs.send(
              new DeleteMessageCommand({ QueueUrl: this.queueUrl, ReceiptHandle: message.ReceiptHandle }),
            );
          } else {
            others.push(message);
          }
        }
      }
      const missing = jobIds.filter((id) => !held.has(id));
      if (missing.length > 0) {
        throw new Error(`no first tick on the jobs queue for ${missing.join(', ')}: did the worker take it?`);
      }
      return held;
    } finally {
      await this.release(others);
      await this.lambda.send(new UpdateEventSourceMappingCommand({ UUID: this.mappingId, Enabled: true }));
    }
  }

  private async release(messages: readonly Message[]): Promise<void> {
    for (let index = 0; index < messages.length; index += 10) {
      await this.sqs.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: messages.slice(index, index + 10).map((message, entry) => ({
            Id: String(entry),
            ReceiptHandle: message.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }

  /** Delivers a tick to the jobs queue, as the job's tick schedule does. */
  async sendTick(tick: TickEnvelope): Promise<void> {
    await this.sqs.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(tick) }));
  }

  /** Puts occurrences on the jobs queue as a tick does: one batch of at most 10, each with its DelaySeconds. */
  async sendOccurrences(occurrences: readonly QueuedOccurrence[]): Promise<void> {
    const { Failed = [] } = await this.sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: this.queueUrl,
        Entries: occurrences.map((occurrence, index) => ({
          Id: String(index),
          MessageBody: JSON.stringify(occurrence.envelope),
          DelaySeconds: occurrence.delaySeconds,
        })),
      }),
    );
    if (Failed.length > 0) throw new Error(`SQS refused ${Failed.length} occurrences: ${JSON.stringify(Failed)}`);
  }

  /** The job's tick coverage item (`sk = 'tick'`), or undefined when no tick has covered the job yet. */
  async coverage(jobId: string): Promise<Coverage | undefined> {
    const { Item } = await this.dynamodb.send(
      new GetItemCommand({
        TableName: this.runsTable,
        Key: { [RUNS_TABLE.partitionKey]: { S: jobId }, [RUNS_TABLE.sortKey]: { S: RUNS_TABLE.tickCoverageKey } },
        ConsistentRead: true,
      }),
    );
    const coveredUntil = Item?.coveredUntil?.N;
    const basis = Item?.basis?.S;
    if (coveredUntil === undefined || basis === undefined) return undefined;
    return { coveredUntil: new Date(Number(coveredUntil)), basis };
  }

  /** How many side effects test.record-side-effect recorded per run id of the job (`effect#<runId>#...` items). */
  sideEffects(jobId: string): Promise<Map<string, number>> {
    return sideEffectsByRunId(this.dynamodb, this.runsTable, jobId);
  }
}

function parseTick(body: string | undefined): TickEnvelope | undefined {
  try {
    const parsed = tickEnvelopeSchema.safeParse(JSON.parse(body ?? ''));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** How long after its scheduled time a run started, in milliseconds; undefined for one that did not start. */
export function startLagMs(run: Run): number | undefined {
  return run.startedAt === undefined ? undefined : Date.parse(run.startedAt) - Date.parse(run.scheduledTime);
}

/**
 * Waits until each of `expected` (a job's fire times in the window checked) has a run in a terminal state (up to
 * `settleMs` after the last of them), then
 * makes the history check: exactly one run per occurrence and none at another time, and per run at most one side
 * effect — one for a run that succeeded, none for one that did not run. Returns the runs by scheduled time.
 */
export async function settledHistory(
  client: SkedClient,
  ticks: TickControl,
  jobId: string,
  expected: readonly Date[],
  settleMs = 30_000,
): Promise<Run[]> {
  const wanted = new Set(expected.map((time) => time.getTime()));
  const lastDue = Math.max(...wanted);
  const timeoutMs = Math.max(0, lastDue - Date.now()) + settleMs;
  const runs = await eventually(
    async () => {
      const all: Run[] = [];
      for await (const run of client.iterateRuns(jobId, { limit: 100 })) all.push(run);
      return all;
    },
    (all) =>
      [...wanted].every((time) =>
        all.some((run) => Date.parse(run.scheduledTime) === time && TERMINAL_STATUSES.includes(run.status)),
      ),
    { timeoutMs, intervalMs: 1_000 },
  );
  const sideEffects = await ticks.sideEffects(jobId);
  const problems: string[] = [];
  const byTime = new Map<number, Run[]>();
  for (const run of runs) {
    const time = Date.parse(run.scheduledTime);
    byTime.set(time, [...(byTime.get(time) ?? []), run]);
    if (run.kind !== 'schedule') problems.push(`${run.runId}: a ${run.kind} run`);
    if (!wanted.has(time)) problems.push(`${run.runId}: no occurrence at ${run.scheduledTime}`);
    if (!TERMINAL_STATUSES.includes(run.status)) problems.push(`${run.runId}: not terminal (${run.status})`);
    const effects = sideEffects.get(run.runId) ?? 0;
    const wantedEffects = run.status === 'succeeded' ? 1 : 0;
    if (effects !== wantedEffects) problems.push(`${run.runId}: ${run.status} with ${effects} side effects`);
  }
  for (const time of wanted) {
    const count = byTime.get(time)?.length ?? 0;
    if (count !== 1) problems.push(`${new Date(time).toISOString()}: ${count} runs`);
  }
  for (const runId of sideEffects.keys()) {
    if (!runs.some((run) => run.runId === runId)) problems.push(`${runId}: side effect without a run`);
  }
  if (problems.length > 0) throw new Error(`history check failed for ${jobId}:\n${problems.join('\n')}`);
  return [...runs].sort((a, b) => Date.parse(a.scheduledTime) - Date.parse(b.scheduledTime));
}

const logLineSchema = z.looseObject({
  level: z.string(),
  message: z.string(),
  jobId: z.string().optional(),
  runId: z.string().optional(),
});
/** One line the worker logged (Powertools JSON), with the keys it bound. */
export type WorkerLogLine = z.infer<typeof logLineSchema>;

/** Every JSON line of the worker's log group so far (FilterLogEvents, paged); other lines are left out. */
export async function workerLogLines(
  logsFetch: SignedFetch,
  endpoint: string,
  sked: LocalSked,
): Promise<WorkerLogLine[]> {
  const lines: WorkerLogLine[] = [];
  let nextToken: string | undefined;
  do {
    const response = await logsFetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.FilterLogEvents' },
      body: JSON.stringify({ logGroupName: sked.outputs.WorkerLogGroupName, ...(nextToken && { nextToken }) }),
    });
    if (!response.ok) throw new Error(`FilterLogEvents: ${response.status} ${await response.text()}`);
    const page = z
      .object({ events: z.array(z.object({ message: z.string() })).optional(), nextToken: z.string().optional() })
      .parse(await response.json());
    for (const event of page.events ?? []) {
      for (const text of event.message.split('\n')) {
        const line = parseLogLine(text);
        if (line !== undefined) lines.push(line);
      }
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return lines;
}

function parseLogLine(text: string): WorkerLogLine | undefined {
  if (!text.trimStart().startsWith('{')) return undefined;
  try {
    const parsed = logLineSchema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
