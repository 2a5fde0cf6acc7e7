import { scheduledRunId } from '../../domain/run-id';
import { resolveScheduledTime } from '../../domain/worker-policies';
import type { Occurrence } from '../../ports/run-ledger';
import type { WorkerLog } from '../../ports/worker-log';
import { DEAD_LETTER_ATTRIBUTES, type InboundMessage } from '../../ports/worker-message-actions';
import { queueEnvelopeSchema, type QueueEnvelope, type TickEnvelope } from '../../schemas/envelope';
import type { Invocation, RecordContext, RecordOutcome, WorkerDeps } from './settings';

export type ParsedMessage =
  | { readonly kind: 'parsed'; readonly context: RecordContext }
  | { readonly kind: 'tick'; readonly envelope: TickEnvelope }
  | { readonly kind: 'rejected'; readonly reason: string };

/**
 * The record as one occurrence of a job: from a scheduled, a manual (run now) or a redriven (DLQ copy) run
 * envelope, with its log bound to the occurrence; or a second-precision job's tick. Rejected when the message is
 * neither.
 */
export function parseMessage(deps: WorkerDeps, message: InboundMessage, invocation: Invocation): ParsedMessage {
  const parsed = parseEnvelope(message.body);
  if (!parsed.ok) return { kind: 'rejected', reason: parsed.reason };
  if (parsed.envelope.kind === 'tick') return { kind: 'tick', envelope: parsed.envelope };
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
      return { kind: 'rejected', reason: `scheduledTime '${envelope.scheduledTime}' is not an ISO-8601 instant` };
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
  return { kind: 'parsed', context };
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

/** A message that is not a run envelope can never run: it goes to the DLQ at once, for an operator to look at. */
export async function rejectMessage(deps: WorkerDeps, message: InboundMessage, reason: string): Promise<RecordOutcome> {
  deps.log.error('message is not a run envelope; moved to the DLQ', { messageId: message.messageId, reason });
  deps.metrics.rejected();
  await deps.messages.deadLetter(message, { reason: 'unparseable', detail: reason });
  return 'done';
}

type ParsedEnvelope =
  { readonly ok: true; readonly envelope: QueueEnvelope } | { readonly ok: false; readonly reason: string };

function parseEnvelope(body: string): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = queueEnvelopeSchema.safeParse(json);
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
