import { scheduledRunId } from '../domain/run-id';
import type { TaskRegistry } from '../domain/task';
import { LeaseLostError, PayloadValidationError, TaskTimeoutError } from '../domain/worker-errors';
import {
  classifyError,
  decideAfterFailure,
  isCoalesced,
  isMisfired,
  resolveScheduledTime,
  slotOrder,
  targetBudgetMs,
  truncateResult,
} from '../domain/worker-policies';
import type { Clock } from '../ports/clock';
import type { EventPublisher, LifecycleEvent } from '../ports/events';
import type { JobStore } from '../ports/job-store';
import type {
  Claim,
  LedgerEntry,
  LedgerExpectation,
  Occurrence,
  RecordedOutcome,
  RunLedger,
} from '../ports/run-ledger';
import type { JobCompletion } from '../ports/worker-job-completion';
import type { WorkerLog } from '../ports/worker-log';
import { DEAD_LETTER_ATTRIBUTES, type InboundMessage, type MessageActions } from '../ports/worker-message-actions';
import type { WorkerMetrics } from '../ports/worker-metrics';
import type { WebhookCaller } from '../ports/worker-webhook';
import { runEnvelopeSchema, type RunEnvelope } from '../schemas/envelope';
import type { Job } from '../schemas/job';
import type { RunError, SkipReason } from '../schemas/run';

export interface WorkerSettings {
  /** Kept free before the invocation's deadline to record an outcome after a target times out. */
  readonly reserveMs: number;
  /** How long an occurrence waits for a free slot under `overlap: queue`. */
  readonly overlapRetrySeconds: number;
  /**
   * Deliveries after which an occurrence that never started stops waiting for a slot and is recorded skipped
   * (`overlap`). Kept well below the queue's maxReceiveCount, so the redrive policy never takes a waiting
   * occurrence to the DLQ unrecorded.
   */
  readonly overlapMaxDeliveries: number;
  /** Tries of a completion write before the record is left for SQS to redeliver. */
  readonly completionWriteAttempts: number;
  /** Pause between claim tries when DynamoDB reports a transaction conflict. */
  readonly contentionPauseMs: number;
}

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  reserveMs: 5_000,
  overlapRetrySeconds: 30,
  overlapMaxDeliveries: 8,
  completionWriteAttempts: 3,
  contentionPauseMs: 50,
};

export interface WorkerDeps {
  readonly jobs: Pick<JobStore, 'get'>;
  readonly completion: JobCompletion;
  readonly ledger: RunLedger;
  readonly tasks: TaskRegistry;
  readonly webhooks: WebhookCaller;
  readonly messages: MessageActions;
  readonly events: EventPublisher;
  readonly metrics: WorkerMetrics;
  readonly log: WorkerLog;
  readonly clock: Clock;
  readonly newToken: () => string;
  readonly sleep: (ms: number) => Promise<void>;
  readonly settings: WorkerSettings;
}

/** What the invocation tells the use case about its own deadline. */
export interface Invocation {
  remainingMs(): number;
}

/** `done`: acknowledge (the batch response leaves it out); `retry`: report it failed so SQS delivers it again. */
export type RecordOutcome = 'done' | 'retry';

/** The ids of the records to report in `batchItemFailures`. One record's failure never affects another. */
export async function processBatch(
  deps: WorkerDeps,
  messages: readonly InboundMessage[],
  invocation: Invocation,
): Promise<string[]> {
  const settled = await Promise.allSettled(messages.map((message) => processMessage(deps, message, invocation)));
  const failed: string[] = [];
  settled.forEach((result, index) => {
    const message = messages[index];
    if (message === undefined) return;
    if (result.status === 'rejected') {
      deps.log.error('record failed; SQS will deliver it again', {
        messageId: message.messageId,
        error: describe(result.reason),
      });
      deps.metrics.workerError(classifyError(result.reason).category);
      failed.push(message.messageId);
    } else if (result.value === 'retry') {
      failed.push(message.messageId);
    }
  });
  return failed;
}

interface RecordContext {
  readonly deps: WorkerDeps;
  readonly message: InboundMessage;
  readonly invocation: Invocation;
  readonly envelope: RunEnvelope;
  readonly occurrence: Occurrence;
  readonly log: WorkerLog;
  /** Set when the message is a DLQ copy an operator moved back: the redrive count the copy was made at. */
  readonly redriveOf?: number;
}

interface Redrive {
  readonly runId: string;
  readonly scheduledTime?: Date;
  readonly redrives: number;
}

/** A DLQ copy of an exhausted run, moved back to the jobs queue (its message attributes survive the move). */
function redriveOf(message: InboundMessage): Redrive | undefined {
  const attributes = message.attributes;
  if (attributes[DEAD_LETTER_ATTRIBUTES.reason] !== 'exhausted') return undefined;
  const runId = attributes[DEAD_LETTER_ATTRIBUTES.runId];
  if (runId === undefined) return undefined;
  // Copies made before the counter existed count as never redriven.
  const redrives = Number(attributes[DEAD_LETTER_ATTRIBUTES.redrives] ?? '0');
  const scheduledText = attributes[DEAD_LETTER_ATTRIBUTES.scheduledTime];
  const scheduledMs = scheduledText === undefined ? Number.NaN : Date.parse(scheduledText);
  return {
    runId,
    redrives: Number.isInteger(redrives) && redrives >= 0 ? redrives : 0,
    ...(!Number.isNaN(scheduledMs) && { scheduledTime: new Date(scheduledMs) }),
  };
}

/** The numbered behaviour of issue 4 for one record. Throws only for failures SQS should redeliver. */
export async function processMessage(
  deps: WorkerDeps,
  message: InboundMessage,
  invocation: Invocation,
): Promise<RecordOutcome> {
  const parsed = parseEnvelope(message.body);
  if (!parsed.ok) return rejectMessage(deps, message, parsed.reason);
  const envelope = parsed.envelope;
  const redrive = redriveOf(message);

  let occurrence: Occurrence;
  let log: WorkerLog;
  if (envelope.kind === 'schedule' && redrive?.scheduledTime !== undefined) {
    // A redriven copy is a new message: its SentTimestamp no longer tells the occurrence, its attributes do.
    occurrence = {
      jobId: envelope.jobId,
      runId: redrive.runId,
      scheduledTime: redrive.scheduledTime,
      kind: 'schedule',
    };
    log = bindLog(deps.log, occurrence, message);
  } else if (envelope.kind === 'schedule') {
    const resolved = resolveScheduledTime(envelope.scheduledTime, message.sentAt.getTime());
    if (resolved === undefined) {
      return rejectMessage(deps, message, `scheduledTime '${envelope.scheduledTime}' is not an ISO-8601 instant`);
    }
    occurrence = {
      jobId: envelope.jobId,
      runId: scheduledRunId(resolved.scheduledTime),
      scheduledTime: resolved.scheduledTime,
      kind: 'schedule',
    };
    log = bindLog(deps.log, occurrence, message);
    if (resolved.fromSentTimestamp) {
      log.warn('scheduled time placeholder was not substituted; using the message SentTimestamp', {
        sentTimestamp: message.sentAt.toISOString(),
      });
    }
  } else {
    occurrence = {
      jobId: envelope.jobId,
      runId: envelope.runId,
      scheduledTime: new Date(envelope.requestedAt),
      kind: 'manual',
    };
    log = bindLog(deps.log, occurrence, message);
  }

  const context: RecordContext = {
    deps,
    message,
    invocation,
    envelope,
    occurrence,
    log,
    ...(redrive !== undefined && { redriveOf: redrive.redrives }),
  };
  if (redrive !== undefined) log.info('redriven from the DLQ', { redrives: redrive.redrives });
  const job = await deps.jobs.get(occurrence.jobId);
  if (job === undefined) {
    log.info('job no longer exists; message dropped');
    return 'done';
  }
  return handleOccurrence(context, job);
}

async function handleOccurrence(context: RecordContext, job: Job): Promise<RecordOutcome> {
  const { deps, occurrence, message } = context;
  const now = deps.clock.now();
  let expect: LedgerExpectation = { kind: 'absent' };

  if (context.redriveOf !== undefined) {
    // An operator asked for this run: no paused, misfire or coalesce check, and a fresh attempt budget.
    expect = { kind: 'failed', redrives: context.redriveOf };
  } else if (occurrence.kind === 'schedule') {
    if (job.state === 'paused') {
      return recordWithoutRun(context, expect, { status: 'skipped', reason: 'paused', at: now }, 'paused');
    }
    // Misfire and coalesce judge a first attempt only: a run that has started is never abandoned by them.
    // A redelivery (after a passing DynamoDB error, or while waiting for a slot) is judged by when its first
    // delivery arrived, so a worker-side retry never turns an on-time occurrence into a missed one.
    const firstAttemptAt = message.receiveCount > 1 ? message.firstReceivedAt : now;
    if (isMisfired(job, occurrence.scheduledTime, firstAttemptAt)) {
      const result = await recordFirst(context, { status: 'missed', reason: 'misfire', at: now });
      if (result.kind === 'settled') return 'done';
      expect = result.expect;
    } else if (isCoalesced(job, occurrence.scheduledTime, now)) {
      const result = await recordFirst(context, { status: 'skipped', reason: 'coalesced', at: now }, 'coalesced');
      if (result.kind === 'settled') return 'done';
      expect = result.expect;
    }
  }

  const claimed = await claimOccurrence(context, job, expect);
  if (claimed.kind === 'settled') return claimed.outcome;
  return runClaimed(context, job, claimed.claim);
}

type FirstRecordResult =
  { readonly kind: 'settled' } | { readonly kind: 'started'; readonly expect: LedgerExpectation };

/** Records a first-attempt outcome; when an attempt already exists, the occurrence carries on to the claim. */
async function recordFirst(
  context: RecordContext,
  outcome: RecordedOutcome,
  skipReason?: SkipReason,
): Promise<FirstRecordResult> {
  const result = await context.deps.ledger.record(context.occurrence, { kind: 'absent' }, outcome);
  if (result.kind === 'recorded') {
    await announceRecorded(context, outcome, skipReason);
    return { kind: 'settled' };
  }
  const current = result.current;
  if (current === undefined || current.status !== 'running') {
    await settleDuplicate(context, current);
    return { kind: 'settled' };
  }
  return { kind: 'started', expect: { kind: 'lapsed', attempts: current.attempts, redrives: current.redrives } };
}

/** Records an outcome over a first attempt or a lapsed run; a conflict means another delivery settled it. */
async function recordWithoutRun(
  context: RecordContext,
  expect: LedgerExpectation,
  outcome: RecordedOutcome,
  skipReason?: SkipReason,
): Promise<RecordOutcome> {
  let currentExpect = expect;
  for (let tries = 0; tries < 3; tries++) {
    const result = await context.deps.ledger.record(context.occurrence, currentExpect, outcome);
    if (result.kind === 'recorded') {
      await announceRecorded(context, outcome, skipReason);
      return 'done';
    }
    const next = expectationFrom(result.current, context.deps.clock.now());
    if (next === undefined) {
      await settleDuplicate(context, result.current);
      return 'done';
    }
    currentExpect = next;
  }
  return 'retry';
}

/** The expectation to retry a write with, or undefined when the current state is final or held by a live lease. */
function expectationFrom(current: LedgerEntry | undefined, now: Date): LedgerExpectation | undefined {
  if (current === undefined) return { kind: 'absent' };
  if (current.status !== 'running') return undefined;
  if (current.leaseUntil !== undefined && current.leaseUntil.getTime() >= now.getTime()) return undefined;
  return { kind: 'lapsed', attempts: current.attempts, redrives: current.redrives };
}

/**
 * Acknowledges a delivery of an occurrence that is settled or held elsewhere. The one exception to doing nothing:
 * the very message whose attempts failed the run comes back, which happens only when its DLQ copy could not be
 * sent (or its acknowledgement was lost), so the copy is sent (again). A duplicate DLQ copy is harmless: a redrive
 * claims the failed run only at the redrive count it carries, so only one copy runs.
 */
async function settleDuplicate(context: RecordContext, current: LedgerEntry | undefined): Promise<void> {
  const { log, message, occurrence } = context;
  if (current?.status === 'failed' && current.failedMessageId === message.messageId) {
    const error = current.error ?? { class: 'Unknown', message: 'no error recorded', category: 'unknown' };
    log.warn('failed run came back before its DLQ copy was confirmed; dead-lettering it');
    await context.deps.messages.deadLetter(message, {
      reason: 'exhausted',
      detail: `failed after ${current.attempts} attempts`,
      error,
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime,
      attempts: current.attempts,
      redrives: current.redrives,
    });
    await publish(context, {
      type: 'RunDeadLettered',
      jobId: occurrence.jobId,
      detail: { runId: occurrence.runId, scheduledTime: occurrence.scheduledTime.toISOString(), error },
    });
    return;
  }
  if (context.redriveOf !== undefined && current?.status === 'failed') {
    log.info('redrive of a failed run that was already redriven; acknowledged without running', {
      redrivesCarried: context.redriveOf,
      redrives: current.redrives,
    });
    return;
  }
  log.info('duplicate delivery; acknowledged without running', {
    status: current?.status,
    leaseUntil: current?.leaseUntil?.toISOString(),
  });
}

type ClaimOutcome =
  { readonly kind: 'settled'; readonly outcome: RecordOutcome } | { readonly kind: 'claimed'; readonly claim: Claim };

async function claimOccurrence(context: RecordContext, job: Job, initial: LedgerExpectation): Promise<ClaimOutcome> {
  const { deps, occurrence, log, invocation } = context;
  const slots = slotOrder(occurrence.runId, job.maxConcurrent);
  let expect = initial;
  let slotIndex = 0;
  let conflicts = 0;
  const token = deps.newToken();

  while (slotIndex < slots.length) {
    const now = deps.clock.now();
    const slot = slots[slotIndex];
    // The hold never outlives this invocation, so a crashed run's message (visible again after the queue's
    // visibility timeout, which is at least the function timeout) always finds the lease lapsed.
    const leaseUntil = new Date(now.getTime() + invocation.remainingMs());
    const result = await deps.ledger.claim({ occurrence, expect, token, now, leaseUntil, slot });
    switch (result.kind) {
      case 'claimed':
        return {
          kind: 'claimed',
          claim: { occurrence, token, attempt: result.attempt, redrives: result.redrives, startedAt: now, slot },
        };
      case 'slot-taken':
        slotIndex += 1;
        break;
      case 'contention':
        conflicts += 1;
        if (conflicts > 5) return { kind: 'settled', outcome: 'retry' };
        await deps.sleep(deps.settings.contentionPauseMs * conflicts);
        break;
      case 'conflict': {
        conflicts += 1;
        const next = expectationFrom(result.current, now);
        if (next === undefined || conflicts > 5) {
          // Finished, or running under another delivery whose own message stays in flight until it is done.
          await settleDuplicate(context, result.current);
          return { kind: 'settled', outcome: 'done' };
        }
        expect = next;
        break;
      }
    }
  }

  // Every slot is held by another run of this job. A run that started, or a redrive, is never skipped halfway.
  const startedBefore = expect.kind !== 'absent';
  const waitedLongEnough = context.message.receiveCount >= deps.settings.overlapMaxDeliveries;
  if ((job.overlap === 'skip' || waitedLongEnough) && !startedBefore) {
    if (job.overlap === 'queue') {
      log.warn('no slot freed while the occurrence waited; recorded skipped', {
        deliveries: context.message.receiveCount,
      });
    }
    return {
      kind: 'settled',
      outcome: await recordWithoutRun(
        context,
        expect,
        { status: 'skipped', reason: 'overlap', at: deps.clock.now() },
        'overlap',
      ),
    };
  }
  // overlap: queue, or a run that already started: wait for a slot.
  log.info('all slots of the job are taken; retrying later', {
    maxConcurrent: job.maxConcurrent,
    delaySeconds: deps.settings.overlapRetrySeconds,
  });
  await deps.messages.retryLater(context.message, deps.settings.overlapRetrySeconds);
  return { kind: 'settled', outcome: 'retry' };
}

async function runClaimed(context: RecordContext, job: Job, claim: Claim): Promise<RecordOutcome> {
  const { deps, occurrence, invocation } = context;
  const log = context.log.child({ attempt: String(claim.attempt) });
  if (claim.attempt === 1 && occurrence.kind === 'schedule') {
    deps.metrics.scheduleLag(claim.startedAt.getTime() - occurrence.scheduledTime.getTime());
  }
  // One info line per run outcome keeps production logs (and their cost) small; the start is for debugging.
  log.debug('run started');

  let value: unknown;
  let failure: unknown;
  let succeeded = false;
  try {
    value = await executeTarget(context, job, claim, invocation.remainingMs());
    succeeded = true;
  } catch (error) {
    failure = error;
  }
  const finishedAt = deps.clock.now();
  const durationMs = Math.max(0, finishedAt.getTime() - claim.startedAt.getTime());

  if (succeeded) {
    const written = await writeCompletion(context, log, () =>
      deps.ledger.finish(claim, { status: 'succeeded', finishedAt, durationMs, result: truncateResult(value) }),
    );
    if (written !== 'written') return written === 'lease-lost' ? 'done' : 'retry';
    deps.metrics.succeeded(durationMs);
    log.info('run succeeded', { durationMs });
    await publish(context, { type: 'RunSucceeded', jobId: occurrence.jobId, detail: runDetail(claim, { durationMs }) });
    if (job.trigger.type === 'date' && occurrence.kind === 'schedule') await completeDateJob(context, finishedAt);
    return 'done';
  }

  const error = classifyError(failure);
  const decision = decideAfterFailure(job.retry, claim.attempt, error.category);
  if (decision.kind === 'retry') {
    const written = await writeCompletion(context, log, () => deps.ledger.release(claim, error, finishedAt));
    if (written === 'lease-lost') return 'done';
    deps.metrics.retried(error.category);
    log.warn('attempt failed; retrying after backoff', {
      error,
      delaySeconds: decision.delaySeconds,
      maxAttempts: job.retry.maxAttempts,
    });
    // Only a released hold may come back early: otherwise the message would find its own live lease.
    if (written === 'written') await deps.messages.retryLater(context.message, decision.delaySeconds);
    await publish(context, {
      type: 'RunRetrying',
      jobId: occurrence.jobId,
      detail: runDetail(claim, { error, delaySeconds: decision.delaySeconds }),
    });
    return 'retry';
  }

  const written = await writeCompletion(context, log, () =>
    deps.ledger.finish(claim, {
      status: 'failed',
      finishedAt,
      durationMs,
      error,
      messageId: context.message.messageId,
    }),
  );
  if (written === 'lease-lost') return 'done';
  if (written === 'not-written') return 'retry';
  deps.metrics.failed(error.category);
  log.error('run failed', { error, attempts: claim.attempt, redrives: claim.redrives, why: decision.why });
  await publish(context, { type: 'RunFailed', jobId: occurrence.jobId, detail: runDetail(claim, { error }) });
  // Should this send fail, the record goes back to SQS and its redelivery sends the copy (settleDuplicate).
  await deps.messages.deadLetter(context.message, {
    reason: 'exhausted',
    detail: decision.why === 'exhausted' ? `failed after ${claim.attempt} attempts` : 'failure is not retryable',
    error,
    jobId: occurrence.jobId,
    runId: occurrence.runId,
    scheduledTime: occurrence.scheduledTime,
    attempts: claim.attempt,
    redrives: claim.redrives,
  });
  await publish(context, { type: 'RunDeadLettered', jobId: occurrence.jobId, detail: runDetail(claim, { error }) });
  return 'done';
}

type CompletionWrite = 'written' | 'lease-lost' | 'not-written';

/**
 * Writes an outcome, trying again a few times in-process so that a passing DynamoDB error does not turn into a
 * second execution. Still failing: the record goes back to SQS and the ledger still says `running`.
 */
async function writeCompletion(
  context: RecordContext,
  log: WorkerLog,
  write: () => Promise<void>,
): Promise<CompletionWrite> {
  const { deps } = context;
  for (let attempt = 1; ; attempt++) {
    try {
      await write();
      return 'written';
    } catch (error) {
      if (error instanceof LeaseLostError) {
        log.warn('another delivery re-claimed this run after its lease lapsed; result not recorded');
        return 'lease-lost';
      }
      deps.metrics.workerError(classifyError(error).category);
      if (attempt >= deps.settings.completionWriteAttempts) {
        log.error('could not record the outcome; SQS will deliver the message again', { error: describe(error) });
        return 'not-written';
      }
      log.warn('recording the outcome failed; trying again', { error: describe(error), attempt });
      await deps.sleep(deps.settings.contentionPauseMs * attempt);
    }
  }
}

async function executeTarget(context: RecordContext, job: Job, claim: Claim, remainingMs: number): Promise<unknown> {
  const { deps, occurrence, envelope } = context;
  const target = job.target;
  if (target.type === 'task') {
    const task = deps.tasks.get(target.task);
    if (task === undefined) throw new PayloadValidationError(`no task named '${target.task}' is registered`);
    const input = envelope.kind === 'manual' && envelope.payload !== undefined ? envelope.payload : target.payload;
    const payload = task.payload.safeParse(input);
    if (!payload.success) {
      throw new PayloadValidationError(`payload does not match task '${task.name}': ${payload.error.message}`);
    }
    const budget = targetBudgetMs(task.timeoutSeconds * 1000, remainingMs, deps.settings.reserveMs);
    return withTimeout(budget, (signal) =>
      task.run(payload.data, {
        jobId: occurrence.jobId,
        runId: occurrence.runId,
        scheduledTime: occurrence.scheduledTime,
        attempt: claim.attempt,
        signal,
      }),
    );
  }
  const budget = targetBudgetMs(target.timeoutSeconds * 1000, remainingMs, deps.settings.reserveMs);
  return withTimeout(budget, (signal) =>
    deps.webhooks.call({
      url: target.url,
      method: target.method,
      headers: target.headers,
      body: target.body,
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      scheduledTime: occurrence.scheduledTime,
      attempt: claim.attempt,
      timeoutMs: budget,
      signal,
    }),
  );
}

/** Runs `work` with an abort signal and rejects with TaskTimeoutError once `budgetMs` is spent. */
async function withTimeout<T>(budgetMs: number, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  if (budgetMs <= 0) throw new TaskTimeoutError(0);
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Settle the race before aborting, so a target that rejects on abort cannot hide the timeout.
      reject(new TaskTimeoutError(budgetMs));
      controller.abort(new TaskTimeoutError(budgetMs));
    }, budgetMs);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function completeDateJob(context: RecordContext, at: Date): Promise<void> {
  try {
    await context.deps.completion.markCompleted(context.occurrence.jobId, at);
    await publish(context, { type: 'JobCompleted', jobId: context.occurrence.jobId, detail: {} });
  } catch (error) {
    // The run is recorded; a job left `enabled` has no further fire time and is harmless.
    context.log.error('could not mark the date job completed', { error: describe(error) });
    context.deps.metrics.workerError(classifyError(error).category);
  }
}

async function announceRecorded(
  context: RecordContext,
  outcome: RecordedOutcome,
  skipReason?: SkipReason,
): Promise<void> {
  const { deps, occurrence, log } = context;
  const detail = {
    runId: occurrence.runId,
    scheduledTime: occurrence.scheduledTime.toISOString(),
    status: outcome.status,
    reason: outcome.reason,
  };
  if (outcome.status === 'missed') {
    deps.metrics.missed();
    log.warn('run missed: started later than the misfire grace allows', { reason: outcome.reason });
    await publish(context, { type: 'RunMissed', jobId: occurrence.jobId, detail });
  } else if (outcome.status === 'skipped' && skipReason !== undefined) {
    deps.metrics.skipped(skipReason);
    log.info('run skipped', { reason: skipReason });
    await publish(context, { type: 'RunSkipped', jobId: occurrence.jobId, detail });
  }
}

function runDetail(claim: Claim, extra: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return {
    runId: claim.occurrence.runId,
    scheduledTime: claim.occurrence.scheduledTime.toISOString(),
    kind: claim.occurrence.kind,
    attempt: claim.attempt,
    ...(claim.redrives > 0 && { redrives: claim.redrives }),
    ...extra,
  };
}

/** Events are notifications: a bus outage is logged and counted, and never re-runs or fails a recorded run. */
async function publish(context: RecordContext, event: LifecycleEvent): Promise<void> {
  try {
    await context.deps.events.publish(event);
  } catch (error) {
    context.log.error('could not publish lifecycle event', { eventType: event.type, error: describe(error) });
    context.deps.metrics.workerError(classifyError(error).category);
  }
}

async function rejectMessage(deps: WorkerDeps, message: InboundMessage, reason: string): Promise<RecordOutcome> {
  deps.log.error('message is not a run envelope; moved to the DLQ', { messageId: message.messageId, reason });
  deps.metrics.rejected();
  await deps.messages.deadLetter(message, { reason: 'unparseable', detail: reason });
  return 'done';
}

type ParsedEnvelope =
  { readonly ok: true; readonly envelope: RunEnvelope } | { readonly ok: false; readonly reason: string };

function parseEnvelope(body: string): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = runEnvelopeSchema.safeParse(json);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return { ok: false, reason: issues.join('; ') };
  }
  return { ok: true, envelope: parsed.data };
}

function bindLog(log: WorkerLog, occurrence: Occurrence, message: InboundMessage): WorkerLog {
  return log.child({
    jobId: occurrence.jobId,
    runId: occurrence.runId,
    scheduledTime: occurrence.scheduledTime.toISOString(),
    messageId: message.messageId,
  });
}

function describe(error: unknown): RunError {
  return classifyError(error);
}
