/**
 * Section 7: second precision on the local cloud, against today's minute path, in one deployment. sked's real stacks
 * are deployed with cdklocal under a throwaway stage; jobs are created through API Gateway with sked's typed client
 * (so the API's first tick runs), and the stage's schedules are fired by sked's local scheduler with
 * `invocationSpreadSeconds` (60 by default): every FlexibleTimeWindow OFF delivery, minute-precision occurrences
 * and second-precision ticks alike, comes at a uniformly random moment within the minute after its time, as
 * EventBridge Scheduler's "within the minute" allows. Everything is read back from the run ledger:
 *
 * - The window: minute-precision jobs (`* * * * *`), second-precision cron jobs (distinct seconds of each minute, and
 *   one `* * * * *` with `precision: 'second'`) and one `interval seconds=5` job, all bounded by the same startAt
 *   and endAt over `windowMinutes`; long enough that occurrences past the first tick's horizon need the scheduled
 *   ticks (every 5 minutes). Start lag (ledger startedAt minus scheduledTime) by kind, and the history check: every
 *   occurrence of the window has exactly one terminal ledger item, ran at most once (side effects), none missing.
 * - The scale test: `scaleJobs` date jobs with `precision: 'second'` at the seconds of one coming minute, created
 *   through the API before it, drained with the history check, their lag and the drain time.
 *
 * The stage's API and reconcile functions are re-pointed to a schedule group named `sked-self-scheduled-...`, which
 * schedulers following every group (the test runs' ones) leave alone, so only this section's scheduler, with its
 * spread, fires them; reconcile's rule is disabled as in section 4b (the emulator lists only 100 schedules a group,
 * and reconcile would rewrite the rest as missing).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DisableRuleCommand, ListRulesCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListEventSourceMappingsCommand,
  ListFunctionsCommand,
  UpdateFunctionConfigurationCommand,
  waitUntilFunctionUpdatedV2,
} from '@aws-sdk/client-lambda';
import {
  CreateScheduleGroupCommand,
  DeleteScheduleGroupCommand,
  type SchedulerClient,
} from '@aws-sdk/client-scheduler';
import { createSkedClient, type Job, type JobInput, type SkedClient } from '../../lib/client';
import { RUNS_TABLE } from '../../lib/adapters/aws/table-layout';
import { scheduledRunId } from '../../lib/domain/run-id';
import { occurrencesBetween, TICK_HORIZON_MS } from '../../lib/domain/tick';
import { ENV } from '../../lib/schemas/config';
import { TERMINAL_STATUSES } from '../../lib/schemas/run';
import { PROJECT_ROOT } from '../../cdk/constructs/sked-function';
import { startLocalScheduler, SELF_SCHEDULED_GROUP_PREFIX } from '../../scripts/local/scheduler';
import { signedFetch, type SignedFetch } from '../../scripts/local/signed-fetch';
import { deploySked, destroySked, type LocalSked } from '../../test/support/e2e/deployment';
import { guardedClient } from '../../test/support/aws-clients';
import { REGION } from '../support/clients';
import { BENCH_TASK } from '../support/jobs';
import { percentileOf } from '../support/stats';

const TERMINAL: ReadonlySet<string> = new Set(TERMINAL_STATUSES);
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const MINUTE = 60_000;
const TICK_PERIOD_MS = 5 * MINUTE;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

export interface SecondPrecisionOptions {
  /** Minutes from the window's startAt to its endAt. */
  readonly windowMinutes: number;
  /** Minute-precision `* * * * *` jobs in the window. */
  readonly minuteJobs: number;
  /** Second-precision cron jobs in the window (one of them `* * * * *` with precision 'second'). */
  readonly secondJobs: number;
  /** Date jobs of the scale test, all in one minute. */
  readonly scaleJobs: number;
  /** API requests under way at once while creating. */
  readonly createConcurrency: number;
  /** The local scheduler's invocationSpreadSeconds. */
  readonly spreadSeconds: number;
  /**
   * Start the scale test's creates just after a 5-minute boundary and fire them in the fourth minute after it, so
   * that no scheduled tick falls between the creates and the runs: only the API's first tick enqueues them.
   */
  readonly alignScaleToTickPeriod: boolean;
  readonly log: (line: string) => void;
}

/** Lags in milliseconds. */
export interface LagSummary {
  readonly count: number;
  readonly min: number;
  readonly median: number;
  readonly p99: number;
  readonly max: number;
}

export interface HistoryCheck {
  readonly jobs: number;
  /** Occurrences the jobs' triggers give in the window. */
  readonly expected: number;
  /** Expected occurrences with a terminal ledger item. */
  readonly terminal: number;
  /** Ledger statuses of the expected occurrences (no item: `absent`). */
  readonly outcomes: Readonly<Record<string, number>>;
  /** Expected occurrences with no terminal ledger item. */
  readonly missing: number;
  /** Occurrences whose task ran more than once (side effects), or that took more than one attempt. */
  readonly ranTwice: number;
  readonly moreThanOneAttempt: number;
  /** Scheduled ledger items of these jobs at times their triggers do not give in the window. */
  readonly unexpected: number;
  /** Start lag of the occurrences that started. */
  readonly lag: LagSummary | undefined;
  /** The latest finishedAt, epoch ms. */
  readonly lastFinishedMs: number;
  /** A few expected occurrences without a terminal item, `jobId/runId status`, for the log. */
  readonly missingSample: readonly string[];
}

/** What the worker's log says of one phase. */
export interface WorkerLogCounts {
  /** Distinct Lambda request ids in the worker's log. */
  readonly invocations: number;
  /** Tick envelopes the worker handled. */
  readonly ticks: number;
  /** Occurrences ticks put on the jobs queue (SendMessageBatch entries). */
  readonly enqueued: number;
  /** Occurrences that arrived more than the worker waits early, and were put back until due. */
  readonly earlyPutBack: number;
  readonly duplicates: number;
  /** Log lines read, for the record. */
  readonly lines: number;
}

/** Deliveries the local scheduler made, with the delay it drew (delivery minus scheduled time). */
export interface SchedulerDeliveries {
  readonly count: number;
  readonly failedAttempts: number;
  readonly delay: LagSummary | undefined;
}

export interface PhaseCounts {
  readonly jobs: number;
  /** The scheduler's deliveries of the phase's schedules (EventBridge invocations). */
  readonly scheduler: SchedulerDeliveries;
  /** Ticks the API sent after creating a second-precision job. */
  readonly firstTicks: number;
  readonly worker: WorkerLogCounts | undefined;
}

export interface WindowResult {
  readonly start: string;
  readonly end: string;
  readonly minutes: number;
  readonly minute: HistoryCheck;
  readonly secondCron: HistoryCheck;
  readonly interval: HistoryCheck;
  /** The scheduled times of the interval job's tick deliveries. */
  readonly intervalTicks: readonly string[];
  /** The interval job's occurrences after its first tick's horizon (creation + 11 min): only scheduled ticks enqueue them. */
  readonly intervalPastFirstHorizon: number;
  /** Whether sked's evaluator gave the interval job exactly startAt + k x 5 s within the window. */
  readonly intervalMatchesArithmetic: boolean;
  readonly minuteCounts: PhaseCounts;
  readonly secondCounts: PhaseCounts;
}

export interface ScaleResult {
  readonly jobs: number;
  readonly created: number;
  readonly createFailures: readonly string[];
  readonly createSeconds: number;
  readonly createConcurrency: number;
  /** API answers 429 (retried by the client). */
  readonly throttled: number;
  readonly fireMinute: string;
  /** Seconds between the last create's answer and the fire minute. */
  readonly marginSeconds: number;
  /** 5-minute boundaries between the first create and the last occurrence (scheduled ticks that could fire). */
  readonly tickBoundariesBetween: number;
  readonly history: HistoryCheck;
  /** Last finishedAt minus the last scheduled second. */
  readonly drainSeconds: number;
  /** Last finishedAt minus the fire minute's start. */
  readonly spanSeconds: number;
  readonly counts: PhaseCounts;
}

export interface SecondPrecisionResult {
  readonly commit: string;
  readonly deploySeconds: number;
  readonly spreadSeconds: number;
  readonly batchSize: number;
  readonly maxConcurrency: number;
  readonly window: WindowResult | string;
  readonly scale: ScaleResult | string;
}

export function lagSummary(values: readonly number[]): LagSummary | undefined {
  if (values.length === 0) return undefined;
  return {
    count: values.length,
    min: Math.min(...values),
    median: percentileOf(values, 50),
    p99: percentileOf(values, 99),
    max: Math.max(...values),
  };
}

// ----------------------------------------------------------------------------------------------------------------
// The run ledger

interface LedgerItem {
  readonly jobId: string;
  readonly sk: string;
  readonly status?: string;
  readonly scheduledTime?: string;
  readonly startedAt?: string;
  readonly finishedAt?: string;
  readonly attempts?: number;
  readonly kind?: string;
}

async function scanLedger(dynamodb: DynamoDBClient, table: string): Promise<LedgerItem[]> {
  const items: LedgerItem[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await dynamodb.send(
      new ScanCommand({
        TableName: table,
        ExclusiveStartKey: start,
        ProjectionExpression: '#pk, #sk, #status, scheduledTime, startedAt, finishedAt, attempts, #kind',
        ExpressionAttributeNames: {
          '#pk': RUNS_TABLE.partitionKey,
          '#sk': RUNS_TABLE.sortKey,
          '#status': 'status',
          '#kind': 'kind',
        },
      }),
    );
    for (const item of page.Items ?? []) {
      const jobId = item[RUNS_TABLE.partitionKey]?.S;
      const sk = item[RUNS_TABLE.sortKey]?.S;
      if (jobId === undefined || sk === undefined) continue;
      items.push({
        jobId,
        sk,
        ...(item.status?.S !== undefined && { status: item.status.S }),
        ...(item.scheduledTime?.S !== undefined && { scheduledTime: item.scheduledTime.S }),
        ...(item.startedAt?.S !== undefined && { startedAt: item.startedAt.S }),
        ...(item.finishedAt?.S !== undefined && { finishedAt: item.finishedAt.S }),
        ...(item.attempts?.N !== undefined && { attempts: Number(item.attempts.N) }),
        ...(item.kind?.S !== undefined && { kind: item.kind.S }),
      });
    }
    start = page.LastEvaluatedKey;
  } while (start !== undefined);
  return items;
}

/** Occurrences expected per job id, as epoch ms. */
type Expected = ReadonlyMap<string, readonly number[]>;

export function checkHistory(expected: Expected, items: readonly LedgerItem[]): HistoryCheck {
  const runs = new Map<string, LedgerItem>();
  const effects = new Map<string, number>();
  for (const item of items) {
    if (!expected.has(item.jobId)) continue;
    if (item.sk.startsWith(RUNS_TABLE.runPrefix) && item.kind !== 'manual') {
      runs.set(`${item.jobId}/${item.sk.slice(RUNS_TABLE.runPrefix.length)}`, item);
    } else if (item.sk.startsWith('effect#')) {
      const runId = item.sk.slice('effect#'.length, item.sk.lastIndexOf('#'));
      const key = `${item.jobId}/${runId}`;
      effects.set(key, (effects.get(key) ?? 0) + 1);
    }
  }
  const outcomes: Record<string, number> = {};
  const lags: number[] = [];
  const seen = new Set<string>();
  let count = 0;
  let terminal = 0;
  let ranTwice = 0;
  let moreThanOneAttempt = 0;
  let lastFinishedMs = 0;
  const missingSample: string[] = [];
  for (const [jobId, times] of expected) {
    for (const time of times) {
      count += 1;
      const key = `${jobId}/${scheduledRunId(new Date(time))}`;
      seen.add(key);
      const run = runs.get(key);
      const status = run?.status ?? 'absent';
      outcomes[status] = (outcomes[status] ?? 0) + 1;
      if (TERMINAL.has(status)) terminal += 1;
      else if (missingSample.length < 5) missingSample.push(`${key} ${status}`);
      if ((effects.get(key) ?? 0) > 1) ranTwice += 1;
      if ((run?.attempts ?? 0) > 1) moreThanOneAttempt += 1;
      if (run?.startedAt !== undefined) lags.push(Date.parse(run.startedAt) - time);
      if (run?.finishedAt !== undefined) lastFinishedMs = Math.max(lastFinishedMs, Date.parse(run.finishedAt));
    }
  }
  const unexpected = [...runs.keys()].filter((key) => !seen.has(key)).length;
  return {
    jobs: expected.size,
    expected: count,
    terminal,
    outcomes,
    missing: count - terminal,
    ranTwice,
    moreThanOneAttempt,
    unexpected,
    lag: lagSummary(lags),
    lastFinishedMs,
    missingSample,
  };
}

const allTerminal = (expected: Expected, items: readonly LedgerItem[]) => {
  const check = checkHistory(expected, items);
  return check.terminal === check.expected;
};

// ----------------------------------------------------------------------------------------------------------------
// The local scheduler's deliveries and the worker's log

interface Delivery {
  readonly schedule: string;
  readonly scheduledMs: number;
  readonly deliveredMs: number;
  readonly ok: boolean;
}

const DELIVERY_LINE = /^local scheduler: ([^/\s]+)\/(\S+) at (\S+) attempt \d+: (delivered|failed)/;

/** Collects the local scheduler's delivery lines (the time a line is logged is the delivery's). */
class DeliveryLog {
  readonly deliveries: Delivery[] = [];
  readonly other: string[] = [];
  line = (text: string): void => {
    const match = DELIVERY_LINE.exec(text);
    if (match === null) {
      if (this.other.length < 50) this.other.push(text);
      return;
    }
    const [, , schedule = '', at = '', result] = match;
    this.deliveries.push({
      schedule,
      scheduledMs: Date.parse(at),
      deliveredMs: Date.now(),
      ok: result === 'delivered',
    });
  };

  of(ids: ReadonlySet<string>): SchedulerDeliveries {
    const mine = this.deliveries.filter((delivery) => ids.has(delivery.schedule));
    const ok = mine.filter((delivery) => delivery.ok);
    return {
      count: ok.length,
      failedAttempts: mine.length - ok.length,
      delay: lagSummary(ok.map((delivery) => delivery.deliveredMs - delivery.scheduledMs)),
    };
  }
}

/** Reads the worker's log events in [from, to] through FilterLogEvents, 10,000 at a time (the emulator's page). */
async function workerLog(
  logsFetch: SignedFetch,
  endpoint: string,
  logGroupName: string,
  from: number,
  to: number,
  jobIds: ReadonlySet<string>,
): Promise<WorkerLogCounts> {
  const requestIds = new Set<string>();
  const seen = new Set<string>();
  let ticks = 0;
  let enqueued = 0;
  let earlyPutBack = 0;
  let duplicates = 0;
  let lines = 0;
  let startTime = from;
  for (let page = 0; page < 100; page++) {
    const response = await logsFetch(endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.FilterLogEvents' },
      body: JSON.stringify({ logGroupName, startTime, endTime: to, limit: 10_000 }),
    });
    if (!response.ok) throw new Error(`FilterLogEvents answered ${response.status}: ${await response.text()}`);
    const body = (await response.json()) as { events?: { eventId?: string; timestamp?: number; message?: string }[] };
    const events = body.events ?? [];
    let fresh = 0;
    for (const event of events) {
      const id = event.eventId ?? `${event.timestamp}:${event.message}`;
      if (seen.has(id)) continue;
      seen.add(id);
      fresh += 1;
      if (typeof event.timestamp === 'number') startTime = Math.max(startTime, event.timestamp);
      const message = event.message ?? '';
      const start = message.indexOf('{');
      if (start < 0) continue;
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(message.slice(start)) as Record<string, unknown>;
      } catch {
        continue;
      }
      const jobId = typeof record.jobId === 'string' ? record.jobId : undefined;
      const requestId = record.function_request_id;
      if (jobId === undefined || !jobIds.has(jobId)) continue;
      if (typeof requestId === 'string') requestIds.add(requestId);
      lines += 1;
      const text = typeof record.message === 'string' ? record.message : '';
      if (typeof record.tick === 'string' && isTickOutcome(text)) {
        ticks += 1;
        if (typeof record.enqueued === 'number') enqueued += record.enqueued;
      }
      if (text.startsWith('occurrence arrived before its time')) earlyPutBack += 1;
      if (text.startsWith('duplicate delivery')) duplicates += 1;
    }
    if (events.length < 10_000 || fresh === 0) break;
  }
  return { invocations: requestIds.size, ticks, enqueued, earlyPutBack, duplicates, lines };
}

/** The lines that end a tick's handling (tick.ts), one per tick handled. */
function isTickOutcome(message: string): boolean {
  return (
    message.startsWith('tick enqueued the coming occurrences') ||
    message.startsWith('occurrences up to this tick are already enqueued') ||
    message.startsWith('another tick moved the coverage first') ||
    message.startsWith('occurrences were already due when their tick ran') ||
    message.startsWith('job no longer exists; tick dropped') ||
    message.startsWith('job is not an enabled second-precision job')
  );
}

// ----------------------------------------------------------------------------------------------------------------
// Creating jobs through the API

interface CreateOutcome {
  readonly ids: string[];
  readonly jobs: Map<string, Job>;
  readonly failures: string[];
  readonly seconds: number;
  readonly lastAnsweredMs: number;
}

/** PUTs the jobs `concurrency` at a time; a job the API refuses is reported, not retried beyond the client's own. */
async function createJobs(
  client: SkedClient,
  inputs: readonly (JobInput & { id: string })[],
  concurrency: number,
): Promise<CreateOutcome> {
  const started = Date.now();
  const jobs = new Map<string, Job>();
  const failures: string[] = [];
  let next = 0;
  let lastAnsweredMs = 0;
  await Promise.all(
    Array.from({ length: Math.max(1, concurrency) }, async () => {
      for (let index = next++; index < inputs.length; index = next++) {
        const input = inputs[index];
        if (input === undefined) continue;
        const { id, ...body } = input;
        try {
          const written = await client.putJob(id, body);
          jobs.set(id, written.job);
        } catch (error) {
          if (failures.length < 20) failures.push(`${id}: ${error instanceof Error ? error.message : String(error)}`);
          else failures.push(id);
        }
        lastAnsweredMs = Date.now();
      }
    }),
  );
  return {
    ids: inputs.map((input) => input.id),
    jobs,
    failures,
    seconds: (Date.now() - started) / 1000,
    lastAnsweredMs,
  };
}

/** A fetch that counts 429 answers (the client retries them). */
function countingFetch(): { fetch: typeof fetch; throttled: () => number } {
  let throttled = 0;
  return {
    fetch: async (input, init) => {
      const response = await fetch(input, init);
      if (response.status === 429) throttled += 1;
      return response;
    },
    throttled: () => throttled,
  };
}

const task = { type: 'task', task: BENCH_TASK, payload: {} } as const;
const minuteStart = (ms: number) => Math.floor(ms / MINUTE) * MINUTE;
const iso = (ms: number) => new Date(ms).toISOString();

/** Occurrences of the created jobs in [from, until], by sked's own evaluator. */
function expectedOf(jobs: ReadonlyMap<string, Job>, from: number, until: number): Map<string, number[]> {
  const expected = new Map<string, number[]>();
  for (const [id, job] of jobs) {
    expected.set(
      id,
      occurrencesBetween(job, new Date(from), new Date(until + 1), 100_000).map((time) => time.getTime()),
    );
  }
  return expected;
}

const subset = (expected: Expected, ids: readonly string[]): Expected =>
  new Map(ids.flatMap((id) => (expected.has(id) ? [[id, expected.get(id) ?? []] as const] : [])));

async function waitForTerminal(
  dynamodb: DynamoDBClient,
  table: string,
  expected: Expected,
  deadline: number,
  log: (line: string) => void,
): Promise<LedgerItem[]> {
  for (;;) {
    const items = await scanLedger(dynamodb, table);
    if (allTerminal(expected, items) || Date.now() > deadline) {
      // Late duplicates get a few seconds to show up as second executions.
      await sleep(5_000);
      return scanLedger(dynamodb, table);
    }
    const check = checkHistory(expected, items);
    log(
      `    ${new Date().toISOString().slice(11, 19)}: ${check.terminal} / ${check.expected} terminal; ` +
        `not yet: ${check.missingSample.join(', ')}`,
    );
    await sleep(15_000);
  }
}

// ----------------------------------------------------------------------------------------------------------------
// The phases

interface Stage {
  readonly endpoint: string;
  readonly sked: LocalSked;
  readonly client: SkedClient;
  readonly dynamodb: DynamoDBClient;
  readonly runsTable: string;
  readonly deliveries: DeliveryLog;
  readonly logsFetch: SignedFetch;
  readonly tag: string;
}

async function measureWindow(stage: Stage, options: SecondPrecisionOptions): Promise<WindowResult> {
  const { client, deliveries, tag } = stage;
  const phaseStarted = Date.now();
  const start = minuteStart(Date.now()) + 2 * MINUTE;
  const end = start + options.windowMinutes * MINUTE;
  const bounds = { startAt: iso(start), endAt: iso(end) };
  const minuteIds = Array.from({ length: options.minuteJobs }, (_, k) => `${tag}-minute-${k}`);
  const secondIds = Array.from({ length: options.secondJobs }, (_, k) => `${tag}-second-${k}`);
  const intervalId = `${tag}-every-5s`;
  const inputs: (JobInput & { id: string })[] = [
    ...minuteIds.map(
      (id) => ({ id, trigger: { type: 'cron', expression: '* * * * *' }, target: task, ...bounds }) as const,
    ),
    ...secondIds.map((id, k) =>
      k === 0
        ? ({
            id,
            trigger: { type: 'cron', expression: '* * * * *' },
            precision: 'second',
            target: task,
            ...bounds,
          } as const)
        : ({ id, trigger: { type: 'cron', second: (1 + 6 * k) % 60 }, target: task, ...bounds } as const),
    ),
    { id: intervalId, trigger: { type: 'interval', seconds: 5 }, target: task, ...bounds },
  ];
  options.log(`  window ${iso(start)} to ${iso(end)}: creating ${inputs.length} jobs...`);
  const created = await createJobs(client, inputs, options.createConcurrency);
  if (created.failures.length > 0) throw new Error(`creating the window's jobs failed: ${created.failures.join('; ')}`);
  const expected = expectedOf(created.jobs, start, end);
  const intervalTimes = expected.get(intervalId) ?? [];
  const arithmetic = Array.from({ length: Math.floor((end - start) / 5000) + 1 }, (_, k) => start + k * 5000);
  const intervalMatchesArithmetic =
    intervalTimes.length === arithmetic.length && intervalTimes.every((time, k) => time === arithmetic[k]);

  options.log(`  waiting for the window to pass (until ${iso(end)}, then up to ${options.spreadSeconds} s more)...`);
  await sleep(end - Date.now());
  const items = await waitForTerminal(
    stage.dynamodb,
    stage.runsTable,
    expected,
    end + (options.spreadSeconds + 120) * 1000,
    options.log,
  );
  const phaseEnded = Date.now();
  const minuteSet = new Set(minuteIds);
  const secondSet = new Set([...secondIds, intervalId]);
  const [minuteWorker, secondWorker] = await Promise.all([
    workerLog(
      stage.logsFetch,
      stage.endpoint,
      stage.sked.outputs.WorkerLogGroupName,
      phaseStarted,
      phaseEnded,
      minuteSet,
    ),
    workerLog(
      stage.logsFetch,
      stage.endpoint,
      stage.sked.outputs.WorkerLogGroupName,
      phaseStarted,
      phaseEnded,
      secondSet,
    ),
  ]).catch((error: unknown) => {
    options.log(`  reading the worker's log failed: ${error instanceof Error ? error.message : String(error)}`);
    return [undefined, undefined];
  });
  const intervalTicks = deliveries.deliveries
    .filter((delivery) => delivery.ok && delivery.schedule === intervalId)
    .map((delivery) => iso(delivery.scheduledMs));
  const result: WindowResult = {
    start: iso(start),
    end: iso(end),
    minutes: options.windowMinutes,
    minute: checkHistory(subset(expected, minuteIds), items),
    secondCron: checkHistory(subset(expected, secondIds), items),
    interval: checkHistory(subset(expected, [intervalId]), items),
    intervalTicks,
    intervalPastFirstHorizon: intervalTimes.filter(
      (time) => time >= Date.parse(created.jobs.get(intervalId)?.createdAt ?? '') + TICK_HORIZON_MS,
    ).length,
    intervalMatchesArithmetic,
    minuteCounts: {
      jobs: minuteIds.length,
      scheduler: deliveries.of(minuteSet),
      firstTicks: 0,
      worker: minuteWorker,
    },
    secondCounts: {
      jobs: secondSet.size,
      scheduler: deliveries.of(secondSet),
      firstTicks: secondSet.size,
      worker: secondWorker,
    },
  };
  // The window's jobs go, so that their schedules do not count against the emulator's 100 listed per group.
  for (const id of created.ids) await client.deleteJob(id).catch(() => undefined);
  return result;
}

/**
 * The fire minute of the scale test: far enough ahead for the creates (estimated at `createsPerSecond`, plus a
 * minute of margin). Aligned: the fourth minute after a 5-minute boundary, creates starting just after it, so no
 * scheduled tick falls between the creates and the runs (it waits for the next boundary when the present one is
 * too far gone).
 */
async function chooseFireMinute(options: SecondPrecisionOptions, createsPerSecond: number): Promise<number> {
  const budgetMs = (options.scaleJobs / createsPerSecond) * 1000 + MINUTE;
  if (!options.alignScaleToTickPeriod) return minuteStart(Date.now() + budgetMs) + MINUTE;
  const boundary = Math.floor(Date.now() / TICK_PERIOD_MS) * TICK_PERIOD_MS;
  if (Date.now() + budgetMs <= boundary + 4 * MINUTE) return boundary + 4 * MINUTE;
  const next = boundary + TICK_PERIOD_MS;
  if (budgetMs > 4 * MINUTE - 5_000) throw new Error(`creating ${options.scaleJobs} jobs would take too long`);
  options.log(`  waiting for the 5-minute boundary ${iso(next)} to start creating...`);
  await sleep(next + 3_000 - Date.now());
  return next + 4 * MINUTE;
}

async function measureScale(
  stage: Stage,
  options: SecondPrecisionOptions,
  createsPerSecond: number,
): Promise<ScaleResult> {
  const { deliveries, tag } = stage;
  const fire = await chooseFireMinute(options, createsPerSecond);
  const phaseStarted = Date.now();
  const ids = Array.from({ length: options.scaleJobs }, (_, i) => `${tag}-scale-${i}`);
  const inputs = ids.map(
    (id, i) =>
      ({
        id,
        trigger: { type: 'date', runAt: `${iso(fire + (i % 60) * 1000).slice(0, 19)}Z` },
        precision: 'second',
        target: task,
      }) as const,
  );
  options.log(`  creating ${ids.length} date jobs firing in the minute of ${iso(fire)}...`);
  const counter = countingFetch();
  const scaleClient = createSkedClient({
    baseUrl: stage.sked.apiBaseUrl,
    region: REGION,
    auth: { kind: 'iam', credentials: CREDENTIALS },
    fetch: counter.fetch,
    retry: { attempts: 8 },
  });
  const created = await createJobs(scaleClient, inputs, options.createConcurrency);
  options.log(
    `  created ${created.jobs.size} in ${created.seconds.toFixed(0)} s (${counter.throttled()} throttled), ` +
      `${((fire - created.lastAnsweredMs) / 1000).toFixed(0)} s before the minute`,
  );
  const expected = expectedOf(created.jobs, fire, fire + MINUTE - 1);
  await sleep(fire + MINUTE - Date.now());
  const items = await waitForTerminal(stage.dynamodb, stage.runsTable, expected, fire + 5 * MINUTE, options.log);
  const phaseEnded = Date.now();
  const idSet = new Set(ids);
  const worker = await workerLog(
    stage.logsFetch,
    stage.endpoint,
    stage.sked.outputs.WorkerLogGroupName,
    phaseStarted,
    phaseEnded,
    idSet,
  ).catch((error: unknown) => {
    options.log(`  reading the worker's log failed: ${error instanceof Error ? error.message : String(error)}`);
    return undefined;
  });
  // Every job the API did not create counts as lost: the expectation is the whole minute's.
  const all = new Map(expectedOf(created.jobs, fire, fire + MINUTE - 1));
  ids.forEach((id, i) => {
    if (!all.has(id)) all.set(id, [fire + (i % 60) * 1000]);
  });
  const history = checkHistory(all, items);
  const lastScheduled = fire + Math.min(59, options.scaleJobs - 1) * 1000;
  const boundaries = Math.floor(lastScheduled / TICK_PERIOD_MS) - Math.floor(phaseStarted / TICK_PERIOD_MS);
  return {
    jobs: ids.length,
    created: created.jobs.size,
    createFailures: created.failures,
    createSeconds: created.seconds,
    createConcurrency: options.createConcurrency,
    throttled: counter.throttled(),
    fireMinute: iso(fire),
    marginSeconds: (fire - created.lastAnsweredMs) / 1000,
    tickBoundariesBetween: boundaries,
    history,
    drainSeconds: (history.lastFinishedMs - lastScheduled) / 1000,
    spanSeconds: (history.lastFinishedMs - fire) / 1000,
    counts: { jobs: ids.length, scheduler: deliveries.of(idSet), firstTicks: created.jobs.size, worker },
  };
}

function headCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: PROJECT_ROOT }).toString().trim();
  } catch {
    return 'unknown';
  }
}

/** Points the stage's API and reconcile functions at `group` (they create and rewrite the schedules). */
async function repointScheduleGroup(lambda: LambdaClient, stage: string, group: string): Promise<number> {
  const { Functions } = await lambda.send(new ListFunctionsCommand({ MaxItems: 1000 }));
  const names = (Functions ?? [])
    .map((fn) => fn.FunctionName ?? '')
    .filter((name) => name.startsWith(`Sked-${stage}-Stateless-`));
  let updated = 0;
  for (const name of names) {
    const { Environment } = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: name }));
    const variables = Environment?.Variables ?? {};
    if (variables[ENV.scheduleGroup] === undefined) continue;
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: name,
        Environment: { Variables: { ...variables, [ENV.scheduleGroup]: group } },
      }),
    );
    await waitUntilFunctionUpdatedV2({ client: lambda, maxWaitTime: 120 }, { FunctionName: name });
    updated += 1;
  }
  return updated;
}

export async function measureSecondPrecision(
  endpoint: string,
  clients: { dynamodb: DynamoDBClient; eventbridge: EventBridgeClient; scheduler: SchedulerClient },
  options: SecondPrecisionOptions,
): Promise<SecondPrecisionResult> {
  const lambda = guardedClient(LambdaClient, { region: REGION, endpoint });
  const suffix = Math.random().toString(36).slice(2, 8);
  const stageName = `local-sp-${suffix}`;
  const group = `${SELF_SCHEDULED_GROUP_PREFIX}bench-${suffix}`;
  const stateDir = mkdtempSync(join(tmpdir(), 'sked-bench-scheduler-'));
  const commit = headCommit();
  options.log(`  deploying sked stage ${stageName} (commit ${commit})...`);
  const deployStarted = Date.now();
  let scheduler: { stop(): Promise<void> } | undefined;
  try {
    const sked = await deploySked(stageName, endpoint);
    const deploySeconds = (Date.now() - deployStarted) / 1000;
    const { Rules } = await clients.eventbridge.send(new ListRulesCommand({ NamePrefix: sked.stackNames[1] }));
    for (const rule of Rules ?? []) {
      if (rule.Name !== undefined) await clients.eventbridge.send(new DisableRuleCommand({ Name: rule.Name }));
    }
    await clients.scheduler.send(new CreateScheduleGroupCommand({ Name: group }));
    const repointed = await repointScheduleGroup(lambda, stageName, group);
    options.log(`  schedules go to ${group} (${repointed} functions re-pointed); reconcile's rule disabled`);
    const { Environment } = await lambda.send(
      new GetFunctionConfigurationCommand({ FunctionName: sked.outputs.WorkerFunctionName }),
    );
    const runsTable = Environment?.Variables?.[ENV.runsTable];
    if (runsTable === undefined) throw new Error('the deployed worker names no runs table');
    const { EventSourceMappings } = await lambda.send(
      new ListEventSourceMappingsCommand({ FunctionName: sked.outputs.WorkerFunctionName }),
    );
    const mapping = EventSourceMappings?.[0];

    const deliveries = new DeliveryLog();
    scheduler = await startLocalScheduler({
      endpoint,
      groups: [group],
      stateDir,
      metrics: false,
      invocationSpreadSeconds: options.spreadSeconds,
      log: deliveries.line,
    });
    const client = createSkedClient({
      baseUrl: sked.apiBaseUrl,
      region: REGION,
      auth: { kind: 'iam', credentials: CREDENTIALS },
    });
    const stage: Stage = {
      endpoint,
      sked,
      client,
      dynamodb: clients.dynamodb,
      runsTable,
      deliveries,
      logsFetch: signedFetch({ region: REGION, service: 'logs', credentials: CREDENTIALS }),
      tag: `sp${suffix}`,
    };

    const window: WindowResult | string = await measureWindow(stage, options).catch((error: unknown) => {
      options.log(`  window FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return `not measured: ${error instanceof Error ? error.message : String(error)}`;
    });
    // The scale test's creates are budgeted at a conservative 8 a second.
    const scale: ScaleResult | string = await measureScale(stage, options, 8).catch((error: unknown) => {
      options.log(`  scale FAILED: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      return `not measured: ${error instanceof Error ? error.message : String(error)}`;
    });
    if (deliveries.other.length > 0)
      options.log(`  local scheduler said: ${deliveries.other.slice(0, 10).join(' | ')}`);
    return {
      commit,
      deploySeconds,
      spreadSeconds: options.spreadSeconds,
      batchSize: mapping?.BatchSize ?? 10,
      maxConcurrency: mapping?.ScalingConfig?.MaximumConcurrency ?? 0,
      window,
      scale,
    };
  } finally {
    await scheduler?.stop().catch(() => undefined);
    rmSync(stateDir, { recursive: true, force: true });
    options.log(`  destroying sked stage ${stageName}...`);
    await destroySked(stageName, endpoint).catch((error: unknown) =>
      options.log(`  destroying ${stageName} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    await clients.scheduler.send(new DeleteScheduleGroupCommand({ Name: group })).catch(() => undefined);
  }
}
