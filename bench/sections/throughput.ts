/**
 * Section 4: occurrences enqueued on a real queue of the local cloud and drained by the worker handler in this
 * process, through pollers that do what the SQS event source mapping does (batches of 10, a few pollers at once,
 * delete what the batch response does not report failed). A share of the occurrences is delivered twice, as
 * EventBridge Scheduler and SQS may; the history check then counts each occurrence's task executions.
 */
import { summarise } from '../support/call-counter';
import type { CloudResources } from '../support/cloud-resources';
import { cloudWorker, enqueue, pollOnce, seedJobs, type Invocation } from '../support/cloud-workers';
import { benchJob, scheduledEnvelope } from '../support/jobs';
import { OutputCapture } from '../support/lambda';
import { spread, type Spread } from '../support/stats';
import type { WorkerName } from '../support/workers';

/** What every drain measures: how many runs, how fast, and the history check (none lost, none run twice). */
export interface DrainCounts {
  readonly worker: WorkerName;
  readonly occurrences: number;
  readonly duplicates: number;
  readonly seconds: number;
  readonly runsPerSecond: number;
  readonly lost: number;
  readonly ranTwice: number;
}

export interface DrainRun extends DrainCounts {
  readonly invocations: number;
  readonly failedRecords: number;
  /** Deliveries still waiting for redelivery when every occurrence had run. */
  readonly unsettled: number;
  readonly recordErrors: Record<string, number>;
  /** Event source mapping requests (receives, empty ones included, and deletes) per occurrence. */
  readonly esmCallsPerRun: number;
  readonly workerCallsPerRun: number;
  /** Wall time of invocations that carried a full batch. */
  readonly fullBatchMs: readonly number[];
}

export interface ThroughputResult {
  readonly occurrences: number;
  readonly duplicates: number;
  readonly pollers: number;
  readonly batchSize: number;
  readonly runs: readonly DrainRun[];
  readonly runsPerSecond: Record<WorkerName, Spread>;
  readonly fullBatchMs: Record<WorkerName, Spread>;
}

async function drainOnce(
  name: WorkerName,
  endpoint: string,
  resources: CloudResources,
  options: {
    occurrences: number;
    duplicateShare: number;
    pollers: number;
    batchSize: number;
    timeoutMs: number;
    visibilityTimeoutSeconds: number;
  },
): Promise<DrainRun> {
  const target = await cloudWorker(name, endpoint, resources, options.visibilityTimeoutSeconds);
  const ids = Array.from({ length: options.occurrences }, (_, i) => `e2e-${i}`);
  await seedJobs(
    target,
    ids.map((id) => benchJob(id)),
  );
  const at = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
  const bodies = ids.map((id) => scheduledEnvelope(id, at));
  const duplicates = Math.round(options.occurrences * options.duplicateShare);
  // Duplicates spread through the queue, not all at its end.
  for (let k = 0; k < duplicates; k++) {
    const source = bodies[Math.floor((k * options.occurrences) / duplicates)];
    if (source !== undefined) bodies.splice(Math.floor(((k + 0.5) * bodies.length) / duplicates), 0, source);
  }
  await enqueue(target, bodies);
  target.clients.counter.take();
  target.esm.counter.take();

  const expected = bodies.length;
  const capture = new OutputCapture();
  const invocations: Invocation[] = [];
  let settled = 0;
  const started = performance.now();
  const deadline = Date.now() + options.timeoutMs;
  let finishedAt = started;
  // Done once every occurrence has run; deliveries reported failed then wait out their visibility timeout.
  const allRan = () => target.sideEffects.executions.size >= options.occurrences;
  const poller = async () => {
    const finished = () => allRan() && (settled >= expected || performance.now() - finishedAt > 3000);
    while (!finished() && Date.now() < deadline) {
      const invocation = await pollOnce(target, options.batchSize, 1, capture);
      if (invocation === undefined) continue;
      invocations.push(invocation);
      settled += invocation.records - invocation.failed;
      finishedAt = performance.now();
    }
  };
  capture.start();
  try {
    await Promise.all(Array.from({ length: options.pollers }, () => poller()));
  } finally {
    capture.stop();
  }
  const seconds = (finishedAt - started) / 1000;

  let lost = 0;
  let ranTwice = 0;
  for (const id of ids) {
    const runs = [...target.sideEffects.executions.entries()].filter(([key]) => key.startsWith(`${id}|`));
    const count = runs.reduce((n, [, c]) => n + c, 0);
    if (count === 0) lost += 1;
    if (count > 1) ranTwice += 1;
  }
  const esm = summarise(target.esm.counter.take());
  const worker = summarise(target.clients.counter.take());
  return {
    worker: name,
    occurrences: options.occurrences,
    duplicates,
    seconds,
    runsPerSecond: options.occurrences / seconds,
    lost,
    ranTwice,
    invocations: invocations.length,
    failedRecords: invocations.reduce((n, invocation) => n + invocation.failed, 0),
    unsettled: expected - settled,
    recordErrors: Object.fromEntries(target.worker.recordErrors),
    esmCallsPerRun: esm.total / options.occurrences,
    workerCallsPerRun: worker.total / options.occurrences,
    fullBatchMs: invocations
      .filter((invocation) => invocation.records === options.batchSize)
      .map((invocation) => invocation.durationMs),
  };
}

export async function measureThroughput(
  endpoint: string,
  resources: () => CloudResources,
  options: {
    occurrences: number;
    duplicateShare: number;
    pollers: number;
    repetitions: number;
    log: (s: string) => void;
  },
): Promise<ThroughputResult> {
  const batchSize = 10;
  const runs: DrainRun[] = [];
  for (let r = 0; r < options.repetitions; r++) {
    const order: WorkerName[] = r % 2 === 0 ? ['sked', 'baseline'] : ['baseline', 'sked'];
    for (const name of order) {
      const scope = resources();
      try {
        const run = await drainOnce(name, endpoint, scope, {
          occurrences: options.occurrences,
          duplicateShare: options.duplicateShare,
          pollers: options.pollers,
          batchSize,
          timeoutMs: 300_000,
          visibilityTimeoutSeconds: 30,
        });
        options.log(
          `  ${name}: ${run.occurrences} runs in ${run.seconds.toFixed(1)} s (${run.runsPerSecond.toFixed(0)}/s), ` +
            `lost ${run.lost}, ran twice ${run.ranTwice}`,
        );
        runs.push(run);
      } finally {
        await scope.dispose();
      }
    }
  }
  const of = (name: WorkerName) => runs.filter((run) => run.worker === name);
  return {
    occurrences: options.occurrences,
    duplicates: Math.round(options.occurrences * options.duplicateShare),
    pollers: options.pollers,
    batchSize,
    runs,
    runsPerSecond: {
      sked: spread(of('sked').map((run) => run.runsPerSecond)),
      baseline: spread(of('baseline').map((run) => run.runsPerSecond)),
    },
    fullBatchMs: {
      sked: spread(of('sked').flatMap((run) => run.fullBatchMs)),
      baseline: spread(of('baseline').flatMap((run) => run.fullBatchMs)),
    },
  };
}
