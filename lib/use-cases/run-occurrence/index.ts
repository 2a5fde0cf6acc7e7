import { classifyError, doublingDelaySeconds } from '../../domain/worker-policies';
import type { InboundMessage } from '../../ports/worker-message-actions';
import type { Job } from '../../schemas/job';
import { claimOccurrence, type ClaimOutcome } from './claim';
import { executeClaimed } from './execute';
import { parseMessage, rejectMessage } from './parse';
import { announceOutcome, describe, recordOutcome } from './record';
import { awaitTickedOccurrence, processTick } from './tick';
import type { Invocation, RecordContext, RecordOutcome, WorkerDeps } from './settings';

export {
  DEFAULT_WORKER_SETTINGS,
  type Invocation,
  type RecordOutcome,
  type WorkerDeps,
  type WorkerSettings,
} from './settings';

/**
 * 6. Receives a batch: each record on its own. The ids of the records to report in `batchItemFailures`; one
 * record's failure never affects another.
 */
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

/**
 * An error before the claim (the job read, the ledger) changed nothing: the message comes back after a short
 * backoff instead of the queue's whole visibility timeout, so that a passing fault neither delays the run by half
 * an hour nor lets the next fire time pass meanwhile. Doubling per delivery keeps a long outage from using up the
 * queue's receives within minutes.
 */
async function comeBackSoon(context: RecordContext): Promise<void> {
  const { deps, message } = context;
  const { initialSeconds, maxSeconds } = deps.settings.beforeClaimRetry;
  const delaySeconds = doublingDelaySeconds(initialSeconds, maxSeconds, message.receiveCount);
  try {
    await deps.messages.retryLater(message, delaySeconds);
  } catch (error) {
    // The message then comes back after the queue's visibility timeout, as it would have anyway.
    context.log.warn('could not bring the message back early', { error: describe(error), delaySeconds });
  }
}

/** The numbered behaviour of the worker for one record. Throws only for failures SQS should redeliver. */
export async function processMessage(
  deps: WorkerDeps,
  message: InboundMessage,
  invocation: Invocation,
): Promise<RecordOutcome> {
  // 5. The run envelope as one occurrence of a job; anything else goes to the DLQ.
  const parsed = parseMessage(deps, message, invocation);
  if (parsed.kind === 'rejected') return rejectMessage(deps, message, parsed.reason);
  // A second-precision job's tick puts the coming occurrences on the queue (docs/design.md#second-precision).
  if (parsed.kind === 'tick') return processTick(deps, message, parsed.envelope);
  const context = parsed.context;
  let job: Job | undefined;
  let claimed: ClaimOutcome;
  try {
    job = await deps.jobs.get(context.occurrence.jobId);
    if (job === undefined) {
      context.log.info('job no longer exists; message dropped');
      return 'done';
    }
    const early = await awaitTickedOccurrence(context, job);
    if (early !== undefined) return early;
    // 7. Claim the occurrence in the run ledger, or record why it does not run.
    claimed = await claimOccurrence(context, job);
  } catch (error) {
    await comeBackSoon(context);
    throw error;
  }
  if (claimed.kind === 'settled') return claimed.outcome;

  // 8. Run the task or call the signed webhook.
  const execution = await executeClaimed(context, job, claimed.claim);

  // 7. Record the outcome in the run ledger.
  const recorded = await recordOutcome(context, job, execution);
  if (recorded.kind === 'settled') return recorded.outcome;

  // 9. Announce it: metrics, the outcome's log line, lifecycle events, a retry or a DLQ copy.
  return announceOutcome(context, job, execution, recorded);
}
