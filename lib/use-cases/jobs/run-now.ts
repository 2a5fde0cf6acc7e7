import { ValidationError } from '../../domain/errors';
import { manualRunId } from '../../domain/run-id';
import { runNowBodySchema } from '../../schemas/api';
import type { Occurrence } from '../../ports/run-ledger';
import { manualEnvelopeSchema } from '../../schemas/envelope';
import type { JobsDeps, RequestContext } from './deps';
import { getExisting } from './job-writes';
import { assertPayloadSize, parseWith, taskPayloadIssues } from './validate';

export interface RunNowRequest extends RequestContext {
  readonly id: string;
  readonly body: unknown;
}

/**
 * POST /jobs/{id}/run: puts a manual envelope on the jobs queue, so the run goes through the same worker and
 * policies as scheduled ones. The run is recorded as `queued` first, so the id returned answers
 * GET /jobs/{id}/runs/{runId} at once; should the record or the message fail, the record is withdrawn and the
 * request fails. A `queued` run older than the jobs queue's retention never ran (its message was lost: the function
 * stopped between the two writes, or the job was deleted first) and expires a day later. A payload given here
 * replaces the job's task payload for this run only and is validated against the task's schema now, not when the
 * worker picks it up. Webhook jobs take no payload.
 */
export async function runNow(deps: JobsDeps, request: RunNowRequest): Promise<{ runId: string }> {
  const { payload } = parseWith(runNowBodySchema, request.body ?? {});
  const job = await getExisting(deps, request.id);
  if (payload !== undefined) {
    // A webhook's run sends the job's body; accepting a payload here would silently drop it.
    if (job.target.type !== 'task') {
      throw ValidationError.at('payload', 'only task jobs take a run payload; this job calls a webhook');
    }
    assertPayloadSize(payload, 'payload');
    const issues = taskPayloadIssues(deps, job.target.task, payload, 'payload');
    if (issues.length > 0) throw new ValidationError(issues);
  }
  const now = deps.clock.now();
  const runId = manualRunId(now, deps.ids.suffix());
  const envelope = manualEnvelopeSchema.parse({
    v: 1,
    jobId: job.id,
    kind: 'manual',
    runId,
    requestedAt: now.toISOString(),
    ...(payload !== undefined && { payload }),
  });
  const occurrence = { jobId: job.id, runId, scheduledTime: now, kind: 'manual' } as const;
  try {
    // A failed enqueue may still have committed (its last response lost), so it is withdrawn like a failed send.
    await deps.runs.enqueue(occurrence, now);
    await deps.queue.send(envelope);
  } catch (error) {
    await withdrawQueued(deps, occurrence);
    throw error;
  }
  return { runId };
}

/** Takes back the `queued` record of a run whose message was not sent; a failure here is logged, not thrown. */
async function withdrawQueued(deps: JobsDeps, occurrence: Occurrence): Promise<void> {
  try {
    await deps.runs.withdraw(occurrence);
  } catch (error) {
    // The record stays `queued` until its expiry; nothing will run it.
    deps.log.error('could not withdraw the queued run after its message failed', {
      jobId: occurrence.jobId,
      runId: occurrence.runId,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}
