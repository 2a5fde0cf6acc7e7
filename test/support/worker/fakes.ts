import { LeaseLostError } from '../../../lib/domain/worker-errors';
import { TaskRegistry, type TaskDefinition } from '../../../lib/domain/task';
import type { Clock } from '../../../lib/ports/clock';
import type { EventPublisher, LifecycleEvent } from '../../../lib/ports/events';
import type { JobStore, Page } from '../../../lib/ports/job-store';
import type {
  Claim,
  ClaimRequest,
  ClaimResult,
  FinishedRun,
  LedgerEntry,
  LedgerExpectation,
  Occurrence,
  RecordResult,
  RecordedOutcome,
  RunLedger,
  RunListQuery,
} from '../../../lib/ports/run-ledger';
import type { JobCompletion } from '../../../lib/ports/worker-job-completion';
import type { WorkerLog } from '../../../lib/ports/worker-log';
import type { DeadLetterNote, InboundMessage, MessageActions } from '../../../lib/ports/worker-message-actions';
import type { WorkerMetrics } from '../../../lib/ports/worker-metrics';
import type { WebhookCaller, WebhookRequest, WebhookResponse } from '../../../lib/ports/worker-webhook';
import type { Job } from '../../../lib/schemas/job';
import type { ErrorCategory, Run, RunError, SkipReason } from '../../../lib/schemas/run';
import { DEFAULT_WORKER_SETTINGS, type WorkerDeps, type WorkerSettings } from '../../../lib/use-cases/run-occurrence';

export class FakeClock implements Clock {
  constructor(private current: Date) {}
  now(): Date {
    return new Date(this.current);
  }
  set(instant: Date | string): void {
    this.current = new Date(instant);
  }
  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

interface StoredRun {
  jobId: string;
  runId: string;
  scheduledTime: string;
  kind: 'schedule' | 'manual';
  status: Run['status'];
  reason?: string;
  attempts: number;
  startedAt?: string;
  finishedAt?: string;
  durationMs?: number;
  error?: RunError;
  result?: unknown;
  leaseUntil?: number;
  token?: string;
  redrives?: number;
  failedMessageId?: string;
}

interface StoredSlot {
  holder?: string;
  token?: string;
  leaseUntil?: number;
}

/** The run ledger's conditions, in memory: the same answers the DynamoDB adapter gives. */
export class InMemoryRunLedger implements RunLedger {
  readonly runs = new Map<string, StoredRun>();
  readonly slots = new Map<string, StoredSlot>();
  /** Every write attempted, in order, for assertions on what was tried. */
  readonly writes: string[] = [];

  constructor(private readonly clock: Clock) {}

  private key(jobId: string, runId: string): string {
    return `${jobId}|${runId}`;
  }

  private entry(run: StoredRun | undefined): LedgerEntry | undefined {
    if (run === undefined) return undefined;
    return {
      status: run.status,
      attempts: run.attempts,
      redrives: run.redrives ?? 0,
      ...(run.leaseUntil !== undefined && { leaseUntil: new Date(run.leaseUntil) }),
      ...(run.failedMessageId !== undefined && { failedMessageId: run.failedMessageId }),
      ...(run.error !== undefined && { error: run.error }),
    };
  }

  private matches(run: StoredRun | undefined, expect: LedgerExpectation, now: Date): boolean {
    if (expect.kind === 'absent') return run === undefined;
    if (expect.kind === 'failed') return run?.status === 'failed' && (run.redrives ?? 0) === expect.redrives;
    return (
      run !== undefined &&
      run.status === 'running' &&
      (run.leaseUntil ?? 0) < now.getTime() &&
      run.attempts === expect.attempts
    );
  }

  claim(request: ClaimRequest): Promise<ClaimResult> {
    const { occurrence, expect, now } = request;
    this.writes.push(`claim ${occurrence.runId} slot ${request.slot}`);
    const key = this.key(occurrence.jobId, occurrence.runId);
    const run = this.runs.get(key);
    if (!this.matches(run, expect, now)) return Promise.resolve({ kind: 'conflict', current: this.entry(run) });
    const slotKey = `${occurrence.jobId}|${request.slot}`;
    if (request.slot !== undefined) {
      const slot = this.slots.get(slotKey);
      const free =
        slot === undefined ||
        slot.leaseUntil === undefined ||
        slot.leaseUntil < now.getTime() ||
        slot.holder === occurrence.runId;
      if (!free) return Promise.resolve({ kind: 'slot-taken' });
      this.slots.set(slotKey, {
        holder: occurrence.runId,
        token: request.token,
        leaseUntil: request.leaseUntil.getTime(),
      });
    }
    const attempts = expect.kind === 'lapsed' ? expect.attempts + 1 : 1;
    const redrives = expect.kind === 'failed' ? expect.redrives + 1 : (run?.redrives ?? 0);
    const { failedMessageId: _failed, ...kept } = run ?? {};
    this.runs.set(key, {
      ...kept,
      ...(redrives > 0 && { redrives }),
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime.toISOString(),
      kind: occurrence.kind,
      status: 'running',
      attempts,
      startedAt: now.toISOString(),
      leaseUntil: request.leaseUntil.getTime(),
      token: request.token,
    });
    return Promise.resolve({ kind: 'claimed', attempt: attempts, redrives });
  }

  record(occurrence: Occurrence, expect: LedgerExpectation, outcome: RecordedOutcome): Promise<RecordResult> {
    this.writes.push(`record ${occurrence.runId} ${outcome.status}`);
    const key = this.key(occurrence.jobId, occurrence.runId);
    const run = this.runs.get(key);
    if (!this.matches(run, expect, this.clock.now())) {
      return Promise.resolve({ kind: 'conflict', current: this.entry(run) });
    }
    this.runs.set(key, {
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime.toISOString(),
      kind: occurrence.kind,
      attempts: run?.attempts ?? 0,
      status: outcome.status,
      ...(outcome.reason !== undefined && { reason: outcome.reason }),
      ...(outcome.error !== undefined && { error: outcome.error }),
      finishedAt: outcome.at.toISOString(),
    });
    return Promise.resolve({ kind: 'recorded' });
  }

  private held(claim: Claim): StoredRun {
    const run = this.runs.get(this.key(claim.occurrence.jobId, claim.occurrence.runId));
    if (run === undefined || run.token !== claim.token || run.status !== 'running') {
      throw new LeaseLostError(claim.occurrence.jobId, claim.occurrence.runId);
    }
    return run;
  }

  private freeSlot(claim: Claim): void {
    if (claim.slot === undefined) return;
    const key = `${claim.occurrence.jobId}|${claim.slot}`;
    if (this.slots.get(key)?.token === claim.token) this.slots.set(key, {});
  }

  finish(claim: Claim, result: FinishedRun): Promise<void> {
    this.writes.push(`finish ${claim.occurrence.runId} ${result.status}`);
    const run = this.held(claim);
    const { leaseUntil: _lease, error: _previous, ...rest } = run;
    this.runs.set(this.key(claim.occurrence.jobId, claim.occurrence.runId), {
      ...rest,
      status: result.status,
      finishedAt: result.finishedAt.toISOString(),
      durationMs: result.durationMs,
      ...(result.result !== undefined && { result: result.result }),
      ...(result.error !== undefined && { error: result.error }),
      ...(result.messageId !== undefined && { failedMessageId: result.messageId }),
    });
    this.freeSlot(claim);
    return Promise.resolve();
  }

  release(claim: Claim, error: RunError, _at: Date): Promise<void> {
    this.writes.push(`release ${claim.occurrence.runId}`);
    const run = this.held(claim);
    this.runs.set(this.key(claim.occurrence.jobId, claim.occurrence.runId), { ...run, error, leaseUntil: 0 });
    this.freeSlot(claim);
    return Promise.resolve();
  }

  get(jobId: string, runId: string): Promise<Run | undefined> {
    const run = this.runs.get(this.key(jobId, runId));
    if (run === undefined) return Promise.resolve(undefined);
    const { leaseUntil: _lease, token: _token, redrives: _redrives, failedMessageId: _failed, ...visible } = run;
    return Promise.resolve(visible as Run);
  }

  list(jobId: string, query: RunListQuery): Promise<Page<Run>> {
    const items = [...this.runs.values()]
      .filter((run) => run.jobId === jobId && (query.status === undefined || run.status === query.status))
      .sort((a, b) => b.runId.localeCompare(a.runId))
      .slice(0, query.limit)
      .map(
        ({ leaseUntil: _lease, token: _token, redrives: _redrives, failedMessageId: _failed, ...visible }) =>
          visible as Run,
      );
    return Promise.resolve({ items });
  }

  /** Pretends another worker crashed while holding the run: a running item with a lease that ends at `until`. */
  seedRunning(occurrence: Occurrence, attempts: number, until: Date): void {
    this.runs.set(this.key(occurrence.jobId, occurrence.runId), {
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime.toISOString(),
      kind: occurrence.kind,
      status: 'running',
      attempts,
      leaseUntil: until.getTime(),
      token: 'crashed-worker',
    });
  }

  holdSlot(jobId: string, slot: number, holder: string, until: Date): void {
    this.slots.set(`${jobId}|${slot}`, { holder, token: `token-${holder}`, leaseUntil: until.getTime() });
  }
}

export class InMemoryJobs implements Pick<JobStore, 'get'>, JobCompletion {
  readonly jobs = new Map<string, Job>();
  readonly completed: string[] = [];
  get(id: string): Promise<Job | undefined> {
    return Promise.resolve(this.jobs.get(id));
  }
  put(job: Job): void {
    this.jobs.set(job.id, job);
  }
  markCompleted(jobId: string): Promise<void> {
    const job = this.jobs.get(jobId);
    if (job !== undefined) this.jobs.set(jobId, { ...job, state: 'completed', version: job.version + 1 });
    this.completed.push(jobId);
    return Promise.resolve();
  }
}

export class RecordingMessages implements MessageActions {
  readonly retries: { messageId: string; delaySeconds: number }[] = [];
  readonly deadLetters: { messageId: string; body: string; note: DeadLetterNote }[] = [];
  retryLater(message: InboundMessage, delaySeconds: number): Promise<void> {
    this.retries.push({ messageId: message.messageId, delaySeconds });
    return Promise.resolve();
  }
  /** How many of the next deadLetter calls fail, as an SQS outage would. */
  failingDeadLetters = 0;
  deadLetter(message: InboundMessage, note: DeadLetterNote): Promise<void> {
    if (this.failingDeadLetters > 0) {
      this.failingDeadLetters -= 1;
      return Promise.reject(Object.assign(new Error('injected'), { name: 'InternalError' }));
    }
    this.deadLetters.push({ messageId: message.messageId, body: message.body, note });
    return Promise.resolve();
  }
}

export class RecordingEvents implements EventPublisher {
  readonly events: LifecycleEvent[] = [];
  publish(event: LifecycleEvent): Promise<void> {
    this.events.push(event);
    return Promise.resolve();
  }
  types(): string[] {
    return this.events.map((event) => event.type);
  }
}

export class RecordingMetrics implements WorkerMetrics {
  readonly counts = new Map<string, number>();
  readonly durations: number[] = [];
  readonly lags: number[] = [];
  private bump(name: string): void {
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
  }
  succeeded(durationMs: number): void {
    this.bump('RunsSucceeded');
    this.durations.push(durationMs);
  }
  failed(category: ErrorCategory): void {
    this.bump(`RunsFailed:${category}`);
  }
  retried(category: ErrorCategory): void {
    this.bump(`RunsRetried:${category}`);
  }
  missed(): void {
    this.bump('RunsMissed');
  }
  skipped(reason: SkipReason): void {
    this.bump(`RunsSkipped:${reason}`);
  }
  scheduleLag(lagMs: number): void {
    this.lags.push(lagMs);
  }
  rejected(): void {
    this.bump('EnvelopesRejected');
  }
  workerError(category: ErrorCategory): void {
    this.bump(`WorkerErrors:${category}`);
  }
  count(name: string): number {
    return this.counts.get(name) ?? 0;
  }
}

export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

export class RecordingLog implements WorkerLog {
  constructor(
    readonly lines: LogLine[] = [],
    private readonly keys: Readonly<Record<string, string>> = {},
  ) {}
  private write(level: string, message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.lines.push({ level, message, ...this.keys, ...extra });
  }
  debug(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.write('DEBUG', message, extra);
  }
  info(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.write('INFO', message, extra);
  }
  warn(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.write('WARN', message, extra);
  }
  error(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.write('ERROR', message, extra);
  }
  child(keys: Readonly<Record<string, string>>): WorkerLog {
    return new RecordingLog(this.lines, { ...this.keys, ...keys });
  }
}

export class ScriptedWebhooks implements WebhookCaller {
  readonly calls: WebhookRequest[] = [];
  constructor(private readonly answer: (request: WebhookRequest) => Promise<WebhookResponse>) {}
  call(request: WebhookRequest): Promise<WebhookResponse> {
    this.calls.push(request);
    return this.answer(request);
  }
}

export interface FakeWorld {
  readonly clock: FakeClock;
  readonly ledger: InMemoryRunLedger;
  readonly jobs: InMemoryJobs;
  readonly messages: RecordingMessages;
  readonly events: RecordingEvents;
  readonly metrics: RecordingMetrics;
  readonly log: RecordingLog;
  readonly webhooks: ScriptedWebhooks;
  readonly deps: WorkerDeps;
}

export function fakeWorld(options: {
  now: string;
  tasks?: readonly TaskDefinition[];
  settings?: Partial<WorkerSettings>;
  webhook?: (request: WebhookRequest) => Promise<WebhookResponse>;
}): FakeWorld {
  const clock = new FakeClock(new Date(options.now));
  const ledger = new InMemoryRunLedger(clock);
  const jobs = new InMemoryJobs();
  const messages = new RecordingMessages();
  const events = new RecordingEvents();
  const metrics = new RecordingMetrics();
  const log = new RecordingLog();
  const webhooks = new ScriptedWebhooks(options.webhook ?? (() => Promise.resolve({ status: 200, body: 'ok' })));
  let tokens = 0;
  const deps: WorkerDeps = {
    jobs,
    completion: jobs,
    ledger,
    tasks: new TaskRegistry(options.tasks ?? []),
    webhooks,
    messages,
    events,
    metrics,
    log,
    clock,
    newToken: () => `token-${++tokens}`,
    sleep: () => Promise.resolve(),
    settings: { ...DEFAULT_WORKER_SETTINGS, ...options.settings },
  };
  return { clock, ledger, jobs, messages, events, metrics, log, webhooks, deps };
}
