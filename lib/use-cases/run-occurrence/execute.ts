import { PayloadValidationError, TaskTimeoutError } from '../../domain/worker-errors';
import { targetBudgetMs } from '../../domain/worker-policies';
import type { Claim } from '../../ports/run-ledger';
import type { WorkerLog } from '../../ports/worker-log';
import type { Job } from '../../schemas/job';
import type { RecordContext } from './settings';

/** A claimed run after its target returned or threw, timed from the claim. */
export interface Execution {
  readonly claim: Claim;
  /** The occurrence's log, bound to the attempt. */
  readonly log: WorkerLog;
  readonly result: { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly failure: unknown };
  readonly finishedAt: Date;
  readonly durationMs: number;
}

/** Runs the job's task or calls its webhook for the claimed attempt, within the time the invocation has left. */
export async function executeClaimed(context: RecordContext, job: Job, claim: Claim): Promise<Execution> {
  const { deps, occurrence, invocation } = context;
  const log = context.log.child({ attempt: String(claim.attempt) });
  if (claim.attempt === 1 && occurrence.kind === 'schedule') {
    deps.metrics.scheduleLag(claim.startedAt.getTime() - occurrence.scheduledTime.getTime());
  }
  // One info line per run outcome keeps production logs (and their cost) small; the start is for debugging.
  log.debug('run started');

  let result: Execution['result'];
  try {
    result = { ok: true, value: await executeTarget(context, job, claim, invocation.remainingMs()) };
  } catch (error) {
    result = { ok: false, failure: error };
  }
  const finishedAt = deps.clock.now();
  const durationMs = Math.max(0, finishedAt.getTime() - claim.startedAt.getTime());
  return { claim, log, result, finishedAt, durationMs };
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
