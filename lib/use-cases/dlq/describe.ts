import { scheduledRunId } from '../../domain/run-id';
import { resolveScheduledTime } from '../../domain/worker-policies';
import type { HeldDeadLetter } from '../../ports/dead-letters';
import { DEAD_LETTER_ATTRIBUTES } from '../../ports/worker-message-actions';
import type { deadLetterReasonSchema, staleReasonSchema } from '../../schemas/api';
import { queueEnvelopeSchema } from '../../schemas/envelope';
import { errorCategorySchema, type ErrorCategory, type Run } from '../../schemas/run';
import type * as z from 'zod';

export type DeadLetterReason = z.output<typeof deadLetterReasonSchema>;
export type StaleReason = z.output<typeof staleReasonSchema>;

/** The dead-letter attributes EventBridge Scheduler puts on what it could not deliver (docs/local-scheduler.md). */
export const SCHEDULER_DEAD_LETTER_ATTRIBUTES = {
  errorCode: 'ERROR_CODE',
  errorMessage: 'ERROR_MESSAGE',
  retryAttempts: 'RETRY_ATTEMPTS',
  scheduledTime: 'SCHEDULED_TIME',
} as const;

/**
 * How the worker's claim takes the message once it is back on the jobs queue (lib/use-cases/run-occurrence/claim.ts):
 * `redrive`, a copy of a failure, claims the run only while the ledger says failed at the copy's redrive count (or
 * lapsed mid-run); `first`, a delivery or a crash-looped envelope, claims it only while it has no outcome; `tick`
 * enqueues occurrences and claims nothing; `none` is not a run envelope, which the worker dead-letters again.
 */
export type RedriveClaim = 'redrive' | 'first' | 'tick' | 'none';

/** A DLQ message read as an occurrence, before the ledger is asked about it. */
export interface DescribedDeadLetter {
  readonly letter: HeldDeadLetter;
  readonly reason: DeadLetterReason;
  readonly claim: RedriveClaim;
  readonly jobId?: string;
  readonly runId?: string;
  readonly scheduledTime?: Date;
  readonly detail?: string;
  readonly errorCategory?: ErrorCategory;
  readonly error?: { readonly class: string; readonly message: string };
  readonly attempts?: number;
  readonly redrives: number;
}

const text = (letter: HeldDeadLetter, name: string): string | undefined => letter.attributes[name]?.stringValue;

function count(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const parsed = Number(value);
  return Number.isInteger(parsed) && parsed >= 0 ? parsed : undefined;
}

function instant(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** What the body says, when it is a run envelope; the occurrence the worker would make of it. */
interface EnvelopeFacts {
  readonly kind: 'schedule' | 'manual' | 'tick';
  readonly jobId: string;
  readonly runId?: string;
  readonly scheduledTime?: Date;
}

function envelopeFacts(letter: HeldDeadLetter): EnvelopeFacts | undefined {
  let json: unknown;
  try {
    json = JSON.parse(letter.body);
  } catch {
    return undefined;
  }
  const parsed = queueEnvelopeSchema.safeParse(json);
  if (!parsed.success) return undefined;
  const envelope = parsed.data;
  if (envelope.kind === 'manual') {
    return {
      kind: 'manual',
      jobId: envelope.jobId,
      runId: envelope.runId,
      scheduledTime: new Date(envelope.requestedAt),
    };
  }
  if (envelope.kind === 'tick') return { kind: 'tick', jobId: envelope.jobId };
  // As the worker reads it; an unsubstituted placeholder names no occurrence a redrive could be matched with.
  const resolved = resolveScheduledTime(envelope.scheduledTime, Number.NaN);
  return resolved === undefined
    ? { kind: 'schedule', jobId: envelope.jobId }
    : {
        kind: 'schedule',
        jobId: envelope.jobId,
        runId: scheduledRunId(resolved.scheduledTime),
        scheduledTime: resolved.scheduledTime,
      };
}

/** A loosely read `jobId` of a body that is not a run envelope, to filter by. */
function looseJobId(letter: HeldDeadLetter): string | undefined {
  try {
    const json: unknown = JSON.parse(letter.body);
    if (typeof json === 'object' && json !== null && 'jobId' in json && typeof json.jobId === 'string') {
      return json.jobId;
    }
  } catch {
    // not JSON
  }
  return undefined;
}

interface FailureFacts {
  readonly attempts?: number;
  readonly error?: { readonly class: string; readonly message: string };
}

/** The `sked-failure` attribute: attempts and the last error, as the worker wrote them. */
function failureFacts(letter: HeldDeadLetter): FailureFacts {
  const raw = text(letter, DEAD_LETTER_ATTRIBUTES.failure);
  if (raw === undefined) return {};
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    return {};
  }
  if (typeof json !== 'object' || json === null) return {};
  const { attempts, error } = json as { attempts?: unknown; error?: unknown };
  const facts: { attempts?: number; error?: { class: string; message: string } } = {};
  if (typeof attempts === 'number' && Number.isInteger(attempts) && attempts >= 0) facts.attempts = attempts;
  if (typeof error === 'object' && error !== null) {
    const { class: errorClass, message } = error as { class?: unknown; message?: unknown };
    if (typeof errorClass === 'string' && typeof message === 'string') facts.error = { class: errorClass, message };
  }
  return facts;
}

function occurrenceOf(facts: EnvelopeFacts | undefined) {
  return {
    ...(facts?.runId !== undefined && { runId: facts.runId }),
    ...(facts?.scheduledTime !== undefined && { scheduledTime: facts.scheduledTime }),
  };
}

/** A copy the worker made: the `sked-*` attributes say why and which occurrence (lib/adapters/aws/sqs-message-actions.ts). */
function describeWorkerCopy(letter: HeldDeadLetter, facts: EnvelopeFacts | undefined): DescribedDeadLetter {
  const reason = text(letter, DEAD_LETTER_ATTRIBUTES.reason) === 'exhausted' ? 'exhausted' : 'unparseable';
  const detail = text(letter, DEAD_LETTER_ATTRIBUTES.detail);
  const jobId = facts?.jobId ?? text(letter, DEAD_LETTER_ATTRIBUTES.jobId) ?? looseJobId(letter);
  const runId = text(letter, DEAD_LETTER_ATTRIBUTES.runId);
  const scheduledTime = instant(text(letter, DEAD_LETTER_ATTRIBUTES.scheduledTime));
  const category = errorCategorySchema.safeParse(text(letter, DEAD_LETTER_ATTRIBUTES.errorCategory));
  const failure = failureFacts(letter);
  const base = {
    letter,
    ...(jobId !== undefined && { jobId }),
    ...(detail !== undefined && { detail }),
    ...(category.success && { errorCategory: category.data }),
    ...failure,
    // Copies made before the counter existed count as never redriven, as the worker reads them.
    redrives: count(text(letter, DEAD_LETTER_ATTRIBUTES.redrives)) ?? 0,
  };
  if (reason === 'unparseable' || facts === undefined) return { ...base, reason, claim: 'none' };
  if (runId === undefined) {
    // The worker treats a copy without its run id as a plain delivery of the envelope.
    return { ...base, reason, claim: facts.kind === 'tick' ? 'tick' : 'first', ...occurrenceOf(facts) };
  }
  // A copy's own scheduled time names the occurrence (a schedule envelope's body may still say the placeholder).
  const occurrence = facts.kind === 'schedule' && scheduledTime !== undefined ? { scheduledTime } : occurrenceOf(facts);
  return { ...base, reason, claim: 'redrive', ...occurrence, runId };
}

/** A message of the jobs DLQ or the delivery DLQ, read as the worker would read it once redriven. */
export function describeDeadLetter(letter: HeldDeadLetter): DescribedDeadLetter {
  const facts = envelopeFacts(letter);
  const claimOf = (envelope: EnvelopeFacts | undefined): RedriveClaim =>
    envelope === undefined ? 'none' : envelope.kind === 'tick' ? 'tick' : 'first';
  if (letter.queue === 'delivery') {
    const code = text(letter, SCHEDULER_DEAD_LETTER_ATTRIBUTES.errorCode);
    const message = text(letter, SCHEDULER_DEAD_LETTER_ATTRIBUTES.errorMessage);
    const retries = count(text(letter, SCHEDULER_DEAD_LETTER_ATTRIBUTES.retryAttempts));
    const jobId = facts?.jobId ?? looseJobId(letter);
    const scheduledTime = facts?.scheduledTime ?? instant(text(letter, SCHEDULER_DEAD_LETTER_ATTRIBUTES.scheduledTime));
    return {
      letter,
      reason: 'delivery',
      claim: claimOf(facts),
      ...(jobId !== undefined && { jobId }),
      ...(facts?.runId !== undefined && { runId: facts.runId }),
      ...(scheduledTime !== undefined && { scheduledTime }),
      ...((code !== undefined || message !== undefined) && {
        error: { class: code ?? 'Unknown', message: message ?? '' },
      }),
      ...(retries !== undefined && { attempts: retries + 1 }),
      ...(facts === undefined && { detail: 'not a run envelope (a failed reconcile trigger, say)' }),
      redrives: 0,
    };
  }
  if (text(letter, DEAD_LETTER_ATTRIBUTES.reason) !== undefined) return describeWorkerCopy(letter, facts);
  // No `sked-reason`: the jobs queue's redrive policy moved it after repeated receives without an outcome.
  if (facts === undefined) {
    const jobId = looseJobId(letter);
    return {
      letter,
      reason: 'unparseable',
      claim: 'none',
      ...(jobId !== undefined && { jobId }),
      detail: 'not a run envelope; moved by the jobs queue redrive policy',
      redrives: 0,
    };
  }
  return {
    letter,
    reason: 'crash-loop',
    claim: claimOf(facts),
    jobId: facts.jobId,
    ...occurrenceOf(facts),
    detail: `received ${letter.receiveCount} times in all without an outcome`,
    redrives: 0,
  };
}

/**
 * Why a redrive would not run the message, from the job and its run as they are now; undefined when it would. The
 * cases follow the worker's claim (lib/use-cases/run-occurrence/claim.ts): a copy of a failure claims only a run
 * still failed at the copy's redrive count (or one lapsed mid-run); any other envelope only a run without an outcome.
 * A run the ledger no longer has (expired) is claimed afresh, so it runs.
 */
export function staleReasonOf(
  described: DescribedDeadLetter,
  jobExists: boolean | undefined,
  run: Run | undefined,
): StaleReason | undefined {
  if (described.claim === 'none') return 'unparseable';
  if (jobExists === false) return 'job-deleted';
  if (run === undefined || described.claim === 'tick') return undefined;
  if (run.status === 'succeeded') return 'succeeded';
  if (described.claim === 'redrive') {
    if (run.status === 'failed' && (run.redrives ?? 0) > described.redrives) return 'redriven';
    return run.status === 'missed' || run.status === 'skipped' ? 'settled' : undefined;
  }
  return run.status === 'failed' || run.status === 'missed' || run.status === 'skipped' ? 'settled' : undefined;
}
