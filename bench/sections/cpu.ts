/**
 * Section 2: worker CPU time per message, without the task's or the network's: both workers in this process, their
 * SDK clients answered at once by a canned request handler (serialization, signing and parsing still run), the task
 * a no-op that counts executions. process.cpuUsage() (user + system) around each batch, divided by its records.
 */
import type { SQSBatchResponse } from 'aws-lambda';
import { JOBS_TABLE } from '../../lib/adapters/aws/table-layout';
import { instantClients } from '../support/clients';
import { jobItem } from '../support/cloud-resources';
import { workerResponder } from '../support/instant-http';
import { benchJob, scheduledEnvelope } from '../support/jobs';
import { lambdaContext, OutputCapture, syntheticRecord } from '../support/lambda';
import { median, pairedRatios, spread, type Spread } from '../support/stats';
import {
  baselineWorker,
  benchRegistry,
  InMemorySideEffects,
  skedWorker,
  type WorkerName,
  type WorkerUnderTest,
} from '../support/workers';

export interface CpuResult {
  readonly batchSize: number;
  readonly batchesPerRound: number;
  readonly rounds: number;
  /** Per-round medians of CPU microseconds per message. */
  readonly perMessageUs: Record<WorkerName, Spread>;
  /** sked / baseline, per round. */
  readonly ratio: Spread;
  /** Log bytes written per message (stdout + stderr), by batch size. */
  readonly logBytesPerMessage: Record<WorkerName, Record<number, number>>;
  readonly logLinesPerMessage: Record<WorkerName, Record<number, number>>;
}

const JOBS = 10;
const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:bench-cpu';

export async function measureCpu(options: {
  batchesPerRound: number;
  rounds: number;
  warmupBatches: number;
}): Promise<CpuResult> {
  const jobsTable = 'bench-cpu-jobs';
  const items = new Map<string, unknown>();
  for (let k = 0; k < JOBS; k++) items.set(`cpu-${k}`, jobItem(benchJob(`cpu-${k}`)));
  const responder = workerResponder((table, key) => {
    if (table !== jobsTable || typeof key !== 'object' || key === null) return undefined;
    const id = (key as Record<string, { S?: string } | undefined>)[JOBS_TABLE.partitionKey]?.S;
    return id === undefined ? undefined : items.get(id);
  });

  const sideEffects = new InMemorySideEffects();
  const tasks = benchRegistry(sideEffects);
  const workers: WorkerUnderTest[] = [
    skedWorker(
      instantClients(responder),
      {
        jobsTable,
        runsTable: 'bench-cpu-runs',
        queueUrl: 'http://instant.invalid/000000000000/bench-cpu',
        dlqUrl: 'http://instant.invalid/000000000000/bench-cpu-dlq',
        eventBus: 'bench-cpu-bus',
      },
      tasks,
    ),
    baselineWorker(instantClients(responder), { jobsTable, idempotencyTable: 'bench-cpu-idempotency' }, tasks),
  ];

  // Every occurrence is new: a distinct second per batch (run ids have second precision), a distinct job per
  // record, all within the misfire grace so that every one runs.
  let second = 0;
  const base = Math.floor(Date.now() / 1000) * 1000 - 6 * 3_600_000;
  const batch = (size: number) => {
    second += 1;
    const scheduledTime = new Date(base + second * 1000);
    return {
      Records: Array.from({ length: size }, (_, k) =>
        syntheticRecord(scheduledEnvelope(`cpu-${k % JOBS}`, scheduledTime), QUEUE_ARN),
      ),
    };
  };

  const capture = new OutputCapture();
  const invoke = async (worker: WorkerUnderTest, size: number): Promise<number> => {
    const event = batch(size);
    const context = lambdaContext(`bench-${worker.name}`, 30_000);
    const before = process.cpuUsage();
    const response = await worker.handler(event, context);
    const used = process.cpuUsage(before);
    const failures = (response as SQSBatchResponse | undefined)?.batchItemFailures ?? [];
    if (failures.length > 0) throw new Error(`${worker.name}: ${failures.length} records failed in the CPU bench`);
    return (used.user + used.system) / size;
  };

  const logBytesPerMessage: CpuResult['logBytesPerMessage'] = { sked: {}, baseline: {} };
  const logLinesPerMessage: CpuResult['logLinesPerMessage'] = { sked: {}, baseline: {} };
  const roundMedians: Record<WorkerName, number[]> = { sked: [], baseline: [] };
  const batchSize = 10;
  const executedBefore = sideEffects.total();
  let delivered = 0;

  capture.start();
  try {
    for (const worker of workers) {
      for (let i = 0; i < options.warmupBatches; i++) await invoke(worker, batchSize);
      delivered += options.warmupBatches * batchSize;
      // Log volume per message, at the two batch sizes the cost model uses.
      for (const size of [1, 10]) {
        capture.take();
        const batches = 20;
        for (let i = 0; i < batches; i++) await invoke(worker, size);
        delivered += batches * size;
        const { bytes, lines } = capture.take();
        logBytesPerMessage[worker.name][size] = bytes / (batches * size);
        logLinesPerMessage[worker.name][size] = lines / (batches * size);
      }
    }
    for (let round = 0; round < options.rounds; round++) {
      // Alternate which worker goes first, so drift in the machine's speed falls on both.
      const order = round % 2 === 0 ? workers : [...workers].reverse();
      for (const worker of order) {
        const samples: number[] = [];
        for (let i = 0; i < options.batchesPerRound; i++) samples.push(await invoke(worker, batchSize));
        delivered += options.batchesPerRound * batchSize;
        roundMedians[worker.name].push(median(samples));
        capture.take();
      }
    }
  } finally {
    capture.stop();
  }
  const executed = sideEffects.total() - executedBefore;
  if (executed !== delivered) throw new Error(`CPU bench: ${delivered} messages but ${executed} task executions`);

  return {
    batchSize,
    batchesPerRound: options.batchesPerRound,
    rounds: options.rounds,
    perMessageUs: { sked: spread(roundMedians.sked), baseline: spread(roundMedians.baseline) },
    ratio: spread(pairedRatios(roundMedians.sked, roundMedians.baseline)),
    logBytesPerMessage,
    logLinesPerMessage,
  };
}
