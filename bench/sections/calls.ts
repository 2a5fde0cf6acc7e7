/**
 * Section 1: AWS calls per run on each of the worker's paths, counted by an SDK middleware on the worker's own
 * clients, against real tables and queues on the local cloud. The event source mapping's receive and delete are
 * made by a separate, separately counted client: they are what Lambda does, not the worker.
 */
import { summarise, type CallSummary } from '../support/call-counter';
import type { CloudResources } from '../support/cloud-resources';
import { cloudWorker, enqueue, pollOnce, seedJobs, type CloudWorker } from '../support/cloud-workers';
import { benchJob, scheduledEnvelope } from '../support/jobs';
import { OutputCapture } from '../support/lambda';
import type { WorkerName } from '../support/workers';

export const OUTCOMES = ['succeeded', 'retried', 'failed', 'duplicate', 'skipped'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface OutcomeCalls {
  readonly worker: WorkerName;
  readonly outcome: Outcome;
  /** One summary per repetition. */
  readonly worker_calls: readonly CallSummary[];
  readonly esm_calls: readonly CallSummary[];
  /** Whether the record was reported failed (so SQS delivers it again). */
  readonly reportedFailed: boolean;
  /** Executions of the task the path caused. */
  readonly executions: number;
}

export interface CallsResult {
  readonly repetitions: number;
  readonly rows: readonly OutcomeCalls[];
  /** Wall time of a one-record invocation on the success path, against the local cloud. */
  readonly successDurationMs: Record<WorkerName, number[]>;
  readonly successLogBytes: Record<WorkerName, number[]>;
}

async function deliver(target: CloudWorker, body: string, capture: OutputCapture) {
  await enqueue(target, [body]);
  target.clients.counter.take();
  target.esm.counter.take();
  const executionsBefore = target.sideEffects.total();
  capture.take();
  const invocation = await pollOnce(target, 1, 5, capture);
  if (invocation === undefined) throw new Error(`${target.worker.name}: the message did not arrive`);
  return {
    invocation,
    worker: summarise(target.clients.counter.take()),
    esm: summarise(target.esm.counter.take()),
    executions: target.sideEffects.total() - executionsBefore,
    logBytes: capture.take().bytes,
  };
}

export async function measureCalls(endpoint: string, resources: CloudResources, repetitions: number) {
  const rows: OutcomeCalls[] = [];
  const successDurationMs: CallsResult['successDurationMs'] = { sked: [], baseline: [] };
  const successLogBytes: CallsResult['successLogBytes'] = { sked: [], baseline: [] };
  const capture = new OutputCapture();
  for (const name of ['sked', 'baseline'] as const) {
    const target = await cloudWorker(name, endpoint, resources, 900);
    const jobs = [];
    for (let r = 0; r < repetitions; r++) {
      jobs.push(
        benchJob(`ok-${r}`),
        benchJob(`retry-${r}`, { failures: 100, maxAttempts: 3, retryDelaySeconds: 900 }),
        benchJob(`fail-${r}`, { failures: 100, maxAttempts: 1 }),
        benchJob(`paused-${r}`, { state: 'paused' }),
      );
    }
    await seedJobs(target, jobs);
    const collected = new Map<Outcome, { worker: CallSummary[]; esm: CallSummary[]; failed: boolean; runs: number }>();
    const note = (outcome: Outcome, result: Awaited<ReturnType<typeof deliver>>) => {
      const entry = collected.get(outcome) ?? { worker: [], esm: [], failed: false, runs: 0 };
      entry.worker.push(result.worker);
      entry.esm.push(result.esm);
      entry.failed = entry.failed || result.invocation.failed > 0;
      entry.runs += result.executions;
      collected.set(outcome, entry);
    };
    for (let r = 0; r < repetitions; r++) {
      // A recent occurrence, inside the misfire grace; one second apart per repetition.
      const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000 - r * 1000);
      const succeeded = await deliver(target, scheduledEnvelope(`ok-${r}`, at), capture);
      if (succeeded.executions !== 1 || succeeded.invocation.failed !== 0) {
        throw new Error(`${name}: the success path did not run the task once`);
      }
      note('succeeded', succeeded);
      successDurationMs[name].push(succeeded.invocation.durationMs);
      successLogBytes[name].push(succeeded.logBytes);
      note('duplicate', await deliver(target, scheduledEnvelope(`ok-${r}`, at), capture));
      note('retried', await deliver(target, scheduledEnvelope(`retry-${r}`, at), capture));
      note('failed', await deliver(target, scheduledEnvelope(`fail-${r}`, at), capture));
      note('skipped', await deliver(target, scheduledEnvelope(`paused-${r}`, at), capture));
    }
    for (const outcome of OUTCOMES) {
      const entry = collected.get(outcome);
      if (entry === undefined) continue;
      rows.push({
        worker: name,
        outcome,
        worker_calls: entry.worker,
        esm_calls: entry.esm,
        reportedFailed: entry.failed,
        executions: entry.runs / repetitions,
      });
    }
  }
  return { repetitions, rows, successDurationMs, successLogBytes } satisfies CallsResult;
}
