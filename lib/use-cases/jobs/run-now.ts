import { ValidationError } from '../../domain/errors';
import { manualRunId } from '../../domain/run-id';
import { runNowBodySchema } from '../../schemas/api';
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
 * policies as scheduled ones. A payload given here replaces the job's task payload for this run only and is
 * validated against the task's schema now, not when the worker picks it up. Webhook jobs take no payload.
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
  await deps.queue.send(envelope);
  return { runId };
}
