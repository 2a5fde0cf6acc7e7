/**
 * `npm run bench`: measures sked beside what a user would otherwise build or run, and rewrites BENCHMARKS.md.
 * Sections: AWS calls per run, worker CPU per message, bundles, throughput (in process and by the deployed workers)
 * and the API on the local cloud, cost.
 * BENCH_QUICK=1 shrinks every section (for trying the harness, not for the figures).
 * BENCH_ONLY=second-precision runs section 7 alone and rewrites only its part of BENCHMARKS.md.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureLocalCloud, localAwsEnv, MINISTACK_VERSION } from '../scripts/local-cloud';
import { measureApi, type ApiResult } from './sections/api';
import { measureBundles, type BundleResult } from './sections/bundles';
import { measureCalls, type CallsResult } from './sections/calls';
import { alwaysOnInstancePerMonth, costPerMillionRuns, idleCost, type IdleCost, type RunCost } from './sections/cost';
import { measureCpu, type CpuResult } from './sections/cpu';
import { measureDeployedThroughput, type DeployedThroughputResult } from './sections/deployed-throughput';
import { measureSecondPrecision, type SecondPrecisionResult } from './sections/second-precision';
import {
  secondPrecisionSection,
  secondPrecisionTarget,
  spliceSecondPrecision,
} from './sections/second-precision-report';
import { measureThroughput, type ThroughputResult } from './sections/throughput';
import { cloudClients } from './support/clients';
import { CloudResources } from './support/cloud-resources';
import { writeReport, type Report } from './report';
import { median } from './support/stats';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const quick = process.env.BENCH_QUICK === '1';
const log = (message: string) => process.stderr.write(`${message}\n`);

const SIZES = quick
  ? {
      loads: 3,
      cpuRounds: 2,
      cpuBatches: 30,
      cpuWarmup: 10,
      callReps: 2,
      drain: 200,
      drainReps: 1,
      deployedDrainReps: 1,
      creates: 50,
      bulk: 500,
      spWindowMinutes: 3,
      spMinuteJobs: 2,
      spSecondJobs: 2,
      spScaleJobs: 100,
    }
  : {
      loads: 7,
      cpuRounds: 7,
      cpuBatches: 150,
      cpuWarmup: 50,
      callReps: 5,
      drain: 2000,
      drainReps: 3,
      deployedDrainReps: 3,
      creates: 1000,
      bulk: 10_000,
      spWindowMinutes: 12,
      spMinuteJobs: 10,
      spSecondJobs: 10,
      spScaleJobs: 1000,
    };
/** The local scheduler delivers every window-OFF occurrence up to this late, as AWS may (section 7). */
const SPREAD_SECONDS = 60;

async function section<T>(name: string, work: () => Promise<T> | T): Promise<T | string> {
  const started = performance.now();
  log(`bench: ${name}...`);
  try {
    const result = await work();
    log(`bench: ${name} done in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    return result;
  } catch (error) {
    const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
    log(`bench: ${name} FAILED: ${message}`);
    return `not measured: ${error instanceof Error ? error.message : String(error)}`;
  }
}

function version(pkg: string): string {
  try {
    const parsed: unknown = JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8'));
    return typeof parsed === 'object' && parsed !== null && 'version' in parsed ? String(parsed.version) : '?';
  } catch {
    return 'not installed';
  }
}

/** Section 7: second precision against the minute path, on a deployed stage. */
function measureSecondPrecisionSection(
  endpoint: string,
  admin: ReturnType<typeof cloudClients>,
): Promise<SecondPrecisionResult | string> {
  return section('second precision on the local cloud', () =>
    measureSecondPrecision(endpoint, admin, {
      windowMinutes: SIZES.spWindowMinutes,
      minuteJobs: SIZES.spMinuteJobs,
      secondJobs: SIZES.spSecondJobs,
      scaleJobs: SIZES.spScaleJobs,
      createConcurrency: 4,
      spreadSeconds: SPREAD_SECONDS,
      alignScaleToTickPeriod: !quick,
      log,
    }),
  );
}

/** BENCH_ONLY=second-precision: section 7 alone, spliced into the existing BENCHMARKS.md. */
async function onlySecondPrecision(): Promise<void> {
  const cloud = await ensureLocalCloud();
  Object.assign(process.env, localAwsEnv(cloud.endpoint));
  try {
    const result = await measureSecondPrecisionSection(cloud.endpoint, cloudClients(cloud.endpoint));
    const file = join(root, 'BENCHMARKS.md');
    let existing = '';
    try {
      existing = readFileSync(file, 'utf8');
    } catch {
      existing = '# Benchmarks\n\n## Targets\n';
    }
    const sectionText = secondPrecisionSection(result, { quick, date: new Date().toISOString().slice(0, 10) });
    writeFileSync(file, spliceSecondPrecision(existing, sectionText, secondPrecisionTarget(result)));
    log('bench: section 7 of BENCHMARKS.md rewritten');
  } finally {
    await cloud.stop();
  }
}

async function main(): Promise<void> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'sked-bench-'));
  const cloud = await ensureLocalCloud();
  Object.assign(process.env, localAwsEnv(cloud.endpoint));
  const admin = cloudClients(cloud.endpoint);
  const scopes: CloudResources[] = [];
  const scope = () => {
    const resources = new CloudResources(admin.dynamodb, admin.sqs, admin.eventbridge);
    scopes.push(resources);
    return resources;
  };
  try {
    const bundles: BundleResult[] | string = await section('bundles', () => measureBundles(root, work, SIZES.loads));
    const cpu: CpuResult | string = await section('worker CPU per message', () =>
      measureCpu({ batchesPerRound: SIZES.cpuBatches, rounds: SIZES.cpuRounds, warmupBatches: SIZES.cpuWarmup }),
    );
    const calls: CallsResult | string = await section('AWS calls per run', async () => {
      const resources = scope();
      try {
        return await measureCalls(cloud.endpoint, resources, SIZES.callReps);
      } finally {
        await resources.dispose();
      }
    });
    const throughput: ThroughputResult | string = await section('throughput on the local cloud', () =>
      measureThroughput(cloud.endpoint, scope, {
        occurrences: SIZES.drain,
        duplicateShare: 0.05,
        pollers: 5,
        repetitions: SIZES.drainReps,
        log,
      }),
    );
    const deployed: DeployedThroughputResult | string = await section(
      'throughput of the deployed workers on the local cloud',
      () =>
        measureDeployedThroughput(cloud.endpoint, admin, scope, {
          occurrences: SIZES.drain,
          duplicateShare: 0.05,
          repetitions: SIZES.deployedDrainReps,
          timeoutMs: 360_000,
          log,
        }),
    );
    const api: ApiResult | string = await section('API on the local cloud', async () => {
      const resources = scope();
      try {
        return await measureApi(cloud.endpoint, resources, {
          creates: SIZES.creates,
          bulkJobs: SIZES.bulk,
          pageSize: 100,
          log,
        });
      } finally {
        await resources.dispose();
      }
    });
    const secondPrecision = await measureSecondPrecisionSection(cloud.endpoint, admin);
    const idle: IdleCost | string = await section('idle cost from the synthesized templates', () => idleCost());
    const costs: RunCost[] | string = await section('cost per million runs', () => {
      if (typeof calls === 'string' || typeof cpu === 'string' || typeof throughput === 'string') {
        throw new Error('needs the calls, CPU and throughput sections');
      }
      const result: RunCost[] = [];
      for (const worker of ['sked', 'baseline'] as const) {
        const success = calls.rows.find((row) => row.worker === worker && row.outcome === 'succeeded');
        if (success === undefined) throw new Error(`no success path measured for ${worker}`);
        const callSummary = success.worker_calls[0];
        const esmBatch1 = median(success.esm_calls.map((summary) => summary.total));
        const drains = throughput.runs.filter((run) => run.worker === worker);
        if (callSummary === undefined) throw new Error(`no call summary for ${worker}`);
        result.push(
          costPerMillionRuns(worker, {
            batchSize: 1,
            calls: callSummary,
            esmRequestsPerRun: esmBatch1,
            invocationMs: median(calls.successDurationMs[worker]),
            logBytesPerRun: cpu.logBytesPerMessage[worker][1] ?? 0,
          }),
          costPerMillionRuns(worker, {
            batchSize: 10,
            calls: callSummary,
            esmRequestsPerRun: median(drains.map((run) => run.esmCallsPerRun)),
            invocationMs: throughput.fullBatchMs[worker].median,
            logBytesPerRun: cpu.logBytesPerMessage[worker][10] ?? 0,
          }),
        );
      }
      return result;
    });

    const report: Report = {
      generatedAt: new Date().toISOString(),
      quick,
      durationSeconds: (Date.now() - started) / 1000,
      machine: {
        cpu: cpus()[0]?.model ?? 'unknown',
        cores: cpus().length,
        memoryGb: totalmem() / 1024 ** 3,
        node: process.version,
        platform: `${process.platform} ${process.arch}`,
        emulator: cloud.started
          ? `MiniStack ${MINISTACK_VERSION} (started by the bench)`
          : `emulator already running at ${cloud.endpoint} (MiniStack ${MINISTACK_VERSION} pinned)`,
      },
      versions: Object.fromEntries(
        [
          '@aws-sdk/client-dynamodb',
          '@aws-sdk/client-sqs',
          '@aws-lambda-powertools/batch',
          '@aws-lambda-powertools/idempotency',
          '@aws-lambda-powertools/logger',
          '@middy/core',
          'zod',
          'esbuild',
          'aws-cdk-lib',
        ].map((pkg) => [pkg, version(pkg)]),
      ),
      sizes: SIZES,
      bundles,
      cpu,
      calls,
      throughput,
      deployed,
      api,
      costs,
      idle,
      alwaysOn: alwaysOnInstancePerMonth(),
      secondPrecision,
    };
    report.durationSeconds = (Date.now() - started) / 1000;
    writeFileSync(join(root, 'BENCHMARKS.md'), keepApplySection(readExisting(), writeReport(report)));
    log(`bench: BENCHMARKS.md written in ${report.durationSeconds.toFixed(0)} s`);
  } finally {
    for (const resources of scopes) await resources.dispose();
    rmSync(work, { recursive: true, force: true });
    await cloud.stop();
  }
}

const only = process.env.BENCH_ONLY;
if (only === 'second-precision') await onlySecondPrecision();
else if (only !== undefined && only !== '') throw new Error(`BENCH_ONLY=${only}: only 'second-precision' is known`);
else await main();

/** The current BENCHMARKS.md, or '' when there is none. */
function readExisting(): string {
  try {
    return readFileSync(join(root, 'BENCHMARKS.md'), 'utf8');
  } catch {
    return '';
  }
}

/** `npm run bench:apply` writes its own section (bench/apply.ts): a full run carries it over unchanged. */
function keepApplySection(existing: string, report: string): string {
  const start = existing.indexOf('<!-- bench:apply -->');
  const end = existing.indexOf('<!-- /bench:apply -->');
  if (start < 0 || end < start) return report;
  return `${report.trimEnd()}\n\n${existing.slice(start, end + '<!-- /bench:apply -->'.length)}\n`;
}
