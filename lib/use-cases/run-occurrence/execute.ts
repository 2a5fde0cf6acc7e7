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

  // After an abort, how long the target gets to show that it stopped.
  const stopped = (running: Promise<unknown>): Promise<boolean> =>
    Promise.race([
      running.then(
        () => true,
        () => true,
      ),
      deps.sleep(deps.settings.abortGraceMs).then(() => false),
    ]);
  let result: Execution['result'];
  try {
    result = { ok: true, value: await executeTarget(context, job, claim, invocation.remainingMs(), stopped) };
  } catch (error) {
    result = { ok: false, failure: error };
  }
  const finishedAt = deps.clock.now();
  const durationMs = Math.max(0, finishedAt.getTime() - claim.startedAt.getTime());
  return { claim, log, result, finishedAt, durationMs };
}

type StopCheck = (running: Promise<unknown>) => Promise<boolean>;

async function executeTarget(
  context: RecordContext,
  job: Job,
  claim: Claim,
  remainingMs: number,
  stopped: StopCheck,
): Promise<unknown> {
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
    return withTimeout(
      budget,
      (signal) =>
        task.run(payload.data, {
          jobId: occurrence.jobId,
          runId: occurrence.runId,
          scheduledTime: occurrence.scheduledTime,
          attempt: claim.attempt,
          signal,
        }),
      stopped,
    );
  }
  const budget = targetBudgetMs(target.timeoutSeconds * 1000, remainingMs, deps.settings.reserveMs);
  return withTimeout(
    budget,
    (signal) =>
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
    stopped,
  );
}

/**
 * Runs `work` with an abort signal and rejects with TaskTimeoutError once `budgetMs` is spent. The signal is then
 * aborted, and the error says whether the target stopped when `stopped` asked: a target that ignores its signal goes
 * on running, and its hold must outlast it.
 */
async function withTimeout<T>(
  budgetMs: number,
  work: (signal: AbortSignal) => Promise<T>,
  stopped: StopCheck,
): Promise<T> {
  if (budgetMs <= 0) throw new TaskTimeoutError(0);
  const controller = new AbortController();
  const running = work(controller.signal);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), budgetMs);
  });
  try {
    // Settle the race before aborting, so a target that rejects on abort cannot hide the timeout.
    const first = await Promise.race([running.then((value) => ({ value })), timeout]);
    if (first !== 'timeout') return first.value;
  } finally {
    clearTimeout(timer);
  }
  controller.abort(new TaskTimeoutError(budgetMs));
  throw new TaskTimeoutError(budgetMs, !(await stopped(running)));
}
