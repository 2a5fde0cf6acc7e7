import type { TaskRegistry } from '../../domain/task';
import type { Clock } from '../../ports/clock';
import type { EventPublisher } from '../../ports/events';
import type { JobStore } from '../../ports/job-store';
import type { OccurrenceQueue } from '../../ports/queue';
import type { Occurrence, RunLedger, TickCoverageStore } from '../../ports/run-ledger';
import type { JobCompletion } from '../../ports/worker-job-completion';
import type { WorkerLog } from '../../ports/worker-log';
import type { InboundMessage, MessageActions } from '../../ports/worker-message-actions';
import type { WorkerMetrics } from '../../ports/worker-metrics';
import type { WebhookCaller } from '../../ports/worker-webhook';
import type { RunEnvelope } from '../../schemas/envelope';
import { JOBS_QUEUE_RETENTION_SECONDS } from '../../schemas/job';

export interface WorkerSettings {
  /** Kept free before the invocation's deadline to record an outcome after a target times out. */
  readonly reserveMs: number;
  /** How long an occurrence waits for a free slot under `overlap: queue`. */
  readonly overlapRetrySeconds: number;
  /**
   * Deliveries after which an occurrence that never started stops waiting for a slot and is recorded skipped
   * (`overlap`). A run that started (a retry, a re-claim, a redrive) waits `retry.maxAttempts` deliveries more, for
   * the ones its attempts used, and is then recorded failed and dead-lettered. Both stay below the queue's
   * maxReceiveCount, so the redrive policy never takes a waiting occurrence to the DLQ unrecorded.
   */
  readonly overlapMaxDeliveries: number;
  /** Tries of a completion write before the record is left for SQS to redeliver. */
  readonly completionWriteAttempts: number;
  /** Pause between claim tries when DynamoDB reports a transaction conflict. */
  readonly contentionPauseMs: number;
  /**
   * Conflicts a claim rides out before it gives up: transaction contention (the record goes back to SQS) or a
   * ledger entry that changed under it (the delivery is acknowledged as a duplicate).
   */
  readonly claimMaxConflicts: number;
  /**
   * Tries of recording an occurrence that does not run (paused, missed, coalesced, skipped for overlap) while the
   * ledger entry keeps changing under it, before the record is left for SQS to redeliver.
   */
  readonly recordWithoutRunAttempts: number;
  /**
   * How long a timed-out target gets, once aborted, to show that it stopped. One that does not may still be running,
   * so its run and slot stay held until the invocation's deadline. Taken from `reserveMs`.
   */
  readonly abortGraceMs: number;
  /** How long the jobs queue keeps a message (the stacks' retention period): no retry is planned past it. */
  readonly queueRetentionSeconds: number;
  /**
   * When a record failed before its claim (the job read or the ledger failed): the delay before it comes back,
   * doubling per delivery from `initialSeconds` up to `maxSeconds`.
   */
  readonly beforeClaimRetry: { readonly initialSeconds: number; readonly maxSeconds: number };
  /** When a tick failed (the job read, the coverage, a send): the delay before it comes back, doubling per delivery. */
  readonly tickRetrySeconds: number;
  /** Deliveries after which a failing tick is given up (the next scheduled tick covers), below maxReceiveCount. */
  readonly tickMaxDeliveries: number;
  /**
   * The longest a record waits in the invocation for its second when it arrives early: a tick makes an occurrence
   * visible up to a second before its time (delaySecondsFor in lib/domain/tick.ts). One that is earlier still
   * (clock skew between the tick's and this invocation's clocks) goes back to the queue for the rest.
   */
  readonly maxEarlyWaitMs: number;
}

export const DEFAULT_WORKER_SETTINGS: WorkerSettings = {
  reserveMs: 5_000,
  overlapRetrySeconds: 30,
  overlapMaxDeliveries: 8,
  completionWriteAttempts: 3,
  contentionPauseMs: 50,
  claimMaxConflicts: 5,
  recordWithoutRunAttempts: 3,
  abortGraceMs: 1_000,
  queueRetentionSeconds: JOBS_QUEUE_RETENTION_SECONDS,
  beforeClaimRetry: { initialSeconds: 30, maxSeconds: 900 },
  tickRetrySeconds: 5,
  tickMaxDeliveries: 6,
  maxEarlyWaitMs: 2_000,
};

export interface WorkerDeps {
  readonly jobs: Pick<JobStore, 'get'>;
  readonly completion: JobCompletion;
  readonly ledger: RunLedger;
  /** Second precision: where each job's ticks stopped, and the queue they put occurrences on. */
  readonly ticks: TickCoverageStore;
  readonly occurrences: OccurrenceQueue;
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

/** A step that finished the record's handling: what to tell SQS about it. */
export interface Settled {
  readonly kind: 'settled';
  readonly outcome: RecordOutcome;
}

export function settled(outcome: RecordOutcome): Settled {
  return { kind: 'settled', outcome };
}

/** One record as an occurrence of a job, with everything the later steps need. */
export interface RecordContext {
  readonly deps: WorkerDeps;
  readonly message: InboundMessage;
  readonly invocation: Invocation;
  readonly envelope: RunEnvelope;
  readonly occurrence: Occurrence;
  readonly log: WorkerLog;
  /** Set when the message is a DLQ copy an operator moved back: the redrive count the copy was made at. */
  readonly redriveOf?: number;
}
