import { PRICES } from './prices';
import type { ApiResult } from './sections/api';
import type { BundleResult } from './sections/bundles';
import { OUTCOMES, type CallsResult } from './sections/calls';
import { PLATFORM_LOG_BYTES_PER_INVOCATION, workerMemoryMb, type IdleCost, type RunCost } from './sections/cost';
import type { CpuResult } from './sections/cpu';
import type { DeployedThroughputResult } from './sections/deployed-throughput';
import type { SecondPrecisionResult } from './sections/second-precision';
import { secondPrecisionSection, secondPrecisionTarget } from './sections/second-precision-report';
import type { ThroughputResult } from './sections/throughput';
import { describeCalls } from './support/call-counter';
import { formatNumber as num, formatSpread, pairedRatios, spread } from './support/stats';

export interface Report {
  readonly generatedAt: string;
  readonly quick: boolean;
  durationSeconds: number;
  readonly machine: {
    readonly cpu: string;
    readonly cores: number;
    readonly memoryGb: number;
    readonly node: string;
    readonly platform: string;
    readonly emulator: string;
  };
  readonly versions: Record<string, string>;
  readonly sizes: Record<string, number>;
  readonly bundles: BundleResult[] | string;
  readonly cpu: CpuResult | string;
  readonly calls: CallsResult | string;
  readonly throughput: ThroughputResult | string;
  readonly deployed: DeployedThroughputResult | string;
  readonly api: ApiResult | string;
  readonly costs: RunCost[] | string;
  readonly idle: IdleCost | string;
  readonly alwaysOn: number;
  readonly secondPrecision: SecondPrecisionResult | string;
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const usd = (value: number) => `$${value < 1 ? value.toFixed(3) : value.toFixed(2)}`;
const verdict = (met: boolean) => (met ? '**met**' : '**not met**');

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

export function writeReport(r: Report): string {
  const out: string[] = [];
  const targets: string[] = [];
  out.push('# Benchmarks');
  out.push('');
  out.push(
    `Written by \`npm run bench\` (bench/run.ts) on ${r.generatedAt.slice(0, 10)} in ${r.durationSeconds.toFixed(0)} s` +
      `${r.quick ? ' in QUICK mode (BENCH_QUICK=1): small sizes, figures not representative' : ''}. ` +
      'sked is measured beside a baseline in the same run, and every figure is min / **median** / max over repeated ' +
      'measurements: these machines are noisy (and the local cloud may be serving other test runs at the same time), ' +
      'so the ratios matter more than the absolute times.',
  );
  out.push('');
  out.push(
    '**The baseline** (bench/baseline-worker.ts) is what a team would build from Powertools alone: an SQS handler ' +
      "using Powertools' `BatchProcessor` (`processPartialResponse`), each occurrence wrapped in `makeIdempotent` with " +
      'the DynamoDB persistence layer keyed by (jobId, scheduledTime), loading the same job record and running the same ' +
      'task from the same registry (`test.record-side-effect`, which only counts executions). It has no misfire grace, ' +
      'coalescing, max instances, retry backoff, run history, lifecycle events or metrics, and one log line per run.',
  );
  out.push('');
  out.push('## Machine and versions');
  out.push('');
  out.push(
    table(
      ['', ''],
      [
        ['CPU', `${r.machine.cpu}, ${r.machine.cores} cores`],
        ['Memory', `${r.machine.memoryGb.toFixed(0)} GB`],
        ['Node.js', r.machine.node],
        ['Platform', r.machine.platform],
        ['Local cloud', r.machine.emulator],
        ...Object.entries(r.versions).map(([pkg, v]) => [pkg, v]),
      ],
    ),
  );
  out.push('');

  // 1. Calls
  out.push('## 1. AWS calls per run');
  out.push('');
  if (typeof r.calls === 'string') {
    out.push(r.calls);
  } else {
    const identical = r.calls.rows.every((row) =>
      row.worker_calls.every((summary) => describeCalls(summary) === describeCalls(row.worker_calls[0] ?? summary)),
    );
    out.push(
      `Counted by an SDK middleware (\`initialize\` step) on the worker's own clients, one count per call (SDK retries ` +
        `not counted again), against real tables and queues on the local cloud, one record per invocation, ` +
        `${r.calls.repetitions} repetitions per path (${identical ? 'the counts were identical in every repetition' : 'the counts differed between repetitions; the first is shown'}). The event source mapping's ` +
        'own requests (receive, delete) are counted apart: they are what Lambda does for any SQS consumer. DynamoDB ' +
        'request units are computed from the requests (items under 1 KB written, 4 KB read; transactions bill two ' +
        'units per item).',
    );
    out.push('');
    const calls = r.calls;
    const rows = OUTCOMES.flatMap((outcome) =>
      (['sked', 'baseline'] as const).map((worker) => {
        const row = calls.rows.find((x) => x.worker === worker && x.outcome === outcome);
        if (row === undefined) return [outcome, worker, 'n/a', '', '', '', '', ''];
        const first = row.worker_calls[0];
        const esm = row.esm_calls[0];
        return [
          outcome,
          worker,
          first === undefined ? '' : describeCalls(first),
          String(first?.dynamoReads ?? ''),
          String(first?.dynamoWrites ?? ''),
          `${first?.readUnits ?? ''} / ${first?.writeUnits ?? ''}`,
          String(first?.sqs ?? ''),
          `${esm === undefined ? '' : describeCalls(esm)}${row.reportedFailed ? ' (record reported failed: redelivered)' : ''}`,
        ];
      }),
    );
    out.push(
      table(
        [
          'path',
          'worker',
          "worker's calls",
          'DDB reads',
          'DDB writes',
          'RRU / WRU',
          'SQS by worker',
          'event source mapping',
        ],
        rows,
      ),
    );
    out.push('');
    const success = r.calls.rows.find((x) => x.worker === 'sked' && x.outcome === 'succeeded')?.worker_calls[0];
    if (success !== undefined) {
      const met = success.dynamoReads <= 1 && success.dynamoWrites <= 2 && success.sqs === 0;
      targets.push(
        `- Calls: at most 1 DynamoDB read and 2 writes, no SQS call of the worker's own on a successful run: ${verdict(met)} ` +
          `(${success.dynamoReads} read, ${success.dynamoWrites} writes, ${success.sqs} SQS).`,
      );
      out.push(
        `On the success path sked makes ${success.dynamoReads} read (the job) and ${success.dynamoWrites} writes (the claim ` +
          'and the result) and no SQS call: acknowledgement is the partial batch response. Its writes are ' +
          'TransactWriteItems (the ledger item and the concurrency slot together), so they bill ' +
          `${success.writeUnits} write units per run where the baseline's two single-item writes bill 2: the price of a ` +
          '`maxConcurrent` that holds across workers. The extra call is the `RunSucceeded` lifecycle event. A failed ' +
          'run publishes two events (`RunFailed`, `RunDeadLettered`) in two PutEvents calls; one call with two entries ' +
          'would do.',
      );
    }
  }
  out.push('');

  // 2. CPU
  out.push('## 2. Worker CPU per message');
  out.push('');
  if (typeof r.cpu === 'string') {
    out.push(r.cpu);
  } else {
    out.push(
      `Both workers in one process, their SDK clients given a request handler that answers at once with canned HTTP ` +
        'responses (validation, serialization, endpoint resolution, SigV4 signing and parsing all run; the network ' +
        `does not), the task a no-op. \`process.cpuUsage()\` (user + system) around each batch of ${r.cpu.batchSize} ` +
        `records, divided by ${r.cpu.batchSize}; the median of ${r.cpu.batchesPerRound} batches per round, ` +
        `${r.cpu.rounds} rounds alternating which worker goes first. Log output is captured, not written.`,
    );
    out.push('');
    const cpu = r.cpu;
    const met = cpu.perMessageUs.sked.median < cpu.perMessageUs.baseline.median;
    out.push(
      table(
        ['worker', 'CPU per message (µs)', 'log bytes per message (batch 1 / 10)', 'log lines per message'],
        (['sked', 'baseline'] as const).map((worker) => [
          worker,
          formatSpread(cpu.perMessageUs[worker], '', 0),
          `${num(cpu.logBytesPerMessage[worker][1] ?? NaN, 0)} / ${num(cpu.logBytesPerMessage[worker][10] ?? NaN, 0)}`,
          num(cpu.logLinesPerMessage[worker][10] ?? NaN, 1),
        ]),
      ),
    );
    out.push('');
    out.push(`sked / baseline, per round: ${formatSpread(r.cpu.ratio)}.`);
    targets.push(
      `- Worker CPU per message below the baseline: ${verdict(met)} (sked / baseline ${num(r.cpu.ratio.median)}; ` +
        `${met ? '' : `per run sked makes one more SDK call (the lifecycle event, section 1), its two writes are two-item transactions, and it writes about ${num((cpu.logBytesPerMessage.sked[10] ?? NaN) / (cpu.logBytesPerMessage.baseline[10] ?? NaN), 1)} times the log bytes (its outcome line plus an EMF metrics document per invocation) where the baseline writes one line; how the difference splits between these was not measured`}).`,
    );
  }
  out.push('');

  // 3. Bundles
  out.push('## 3. Lambda bundles');
  out.push('');
  if (typeof r.bundles === 'string') {
    out.push(r.bundles);
  } else {
    out.push(
      'Bundled: esbuild with the options `SkedFunction` gives `NodejsFunction` (ESM, minified, target node24 from the ' +
        'Node.js 24 runtime, external source map without sources content, main fields module,main, the createRequire ' +
        'banner, the AWS SDK bundled). Unbundled: the same entry with our sources compiled to one unminified ESM file ' +
        'and every package left external, loaded from node_modules file by file as a zip deployment would. Module-load ' +
        'time is the duration of `import()` of the entry (config parse and client construction included) in a fresh ' +
        `\`node\` process with \`NODE_OPTIONS=--enable-source-maps\` as the functions are configured, ${r.sizes.loads ?? ''} ` +
        'loads each, alternating.',
    );
    out.push('');
    out.push(
      table(
        [
          'entry',
          'minified',
          'source map',
          'largest inputs',
          'load bundled (ms)',
          'load unbundled (ms)',
          'bundled / unbundled',
        ],
        r.bundles.map((b) => [
          `functions/${b.entry}.ts`,
          kb(b.minifiedBytes),
          kb(b.sourceMapBytes),
          b.topPackages.map((p) => `${p.name} ${kb(p.bytes)}`).join(', '),
          formatSpread(b.bundledLoadMs, '', 0),
          formatSpread(b.unbundledLoadMs, '', 0),
          formatSpread(b.loadRatio),
        ]),
      ),
    );
    out.push('');
    const sizeMet = r.bundles.every((b) => b.minifiedBytes < 500 * 1024);
    const loadMet = r.bundles.every((b) => b.loadRatio.median < 0.5);
    targets.push(
      `- Every bundle under 500 KB minified: ${verdict(sizeMet)} (${r.bundles.map((b) => `${b.entry} ${kb(b.minifiedBytes)}`).join(', ')}).`,
      `- Every bundle loading in under half the unbundled time: ${verdict(loadMet)} (median ratios ${r.bundles.map((b) => `${b.entry} ${num(b.loadRatio.median)}`).join(', ')}).`,
    );
    out.push(
      'The largest inputs are the AWS SDK runtime (`@smithy/core`, `@aws-sdk/core`) and zod (imported as `import * as z` ' +
        "so esbuild can tree-shake it). The bundles alias the SDK's default credential chain to the environment-only " +
        'provider (lib/adapters/aws/lambda-credentials.ts): Lambda always passes the role credentials in the ' +
        'environment, so the SSO, shared-file, metadata and STS providers and their clients are not shipped.',
    );
  }
  out.push('');

  // 4. Throughput
  out.push('## 4. Throughput on the local cloud');
  out.push('');
  if (typeof r.throughput === 'string') {
    out.push(r.throughput);
  } else {
    const t = r.throughput;
    out.push(
      `**4a. In process** (the deployed functions are measured in 4b below): the worker handler runs in this process against real SQS and DynamoDB on the ` +
        `local cloud, fed by ${t.pollers} pollers that do what the SQS event source mapping does (receive batches of ` +
        `${t.batchSize}, invoke, delete what the batch response does not report failed). ${t.occurrences} occurrences ` +
        `of ${t.occurrences} jobs, plus ${t.duplicates} duplicate deliveries spread through the queue (Scheduler and SQS ` +
        'deliver at least once). Runs per second = distinct occurrences run / time until the last one ran. The history ' +
        "check counts each occurrence's task executions. The emulator (single-process Python) shares this machine's " +
        "cores with the workers, so the absolute rate is the emulator's, not AWS's.",
    );
    out.push('');
    out.push(
      table(
        ['worker', 'runs / s', 'full-batch invocation (ms)', 'lost', 'ran twice', 'records reported failed', 'why'],
        (['sked', 'baseline'] as const).map((worker) => {
          const runs = t.runs.filter((run) => run.worker === worker);
          const errors: Record<string, number> = {};
          for (const run of runs)
            for (const [k, v] of Object.entries(run.recordErrors)) errors[k] = (errors[k] ?? 0) + v;
          return [
            worker,
            formatSpread(t.runsPerSecond[worker], '', 0),
            formatSpread(t.fullBatchMs[worker], '', 0),
            runs.map((run) => run.lost).join(', '),
            runs.map((run) => run.ranTwice).join(', '),
            runs.map((run) => run.failedRecords).join(', '),
            Object.entries(errors)
              .map(([k, v]) => `${k} x${v}`)
              .join(', ') || '-',
          ];
        }),
      ),
    );
    out.push('');
    const ratio = spread(
      pairedRatios(
        t.runs.filter((run) => run.worker === 'sked').map((run) => run.runsPerSecond),
        t.runs.filter((run) => run.worker === 'baseline').map((run) => run.runsPerSecond),
      ),
    );
    out.push(
      `sked / baseline runs per second, per repetition: ${formatSpread(ratio)}. A duplicate that arrives while the ` +
        "first delivery runs is acknowledged by sked (the live lease says another delivery holds it); Powertools' " +
        'idempotency fails that record (`IdempotencyAlreadyInProgressError`), so it comes back only after the ' +
        "queue's visibility timeout (on AWS at least six times the function timeout).",
    );
    const historyMet = t.runs.every((run) => run.lost === 0 && run.ranTwice === 0);
    targets.push(`- End to end: 0 lost, 0 run twice in every drain, both workers: ${verdict(historyMet)}.`);
  }
  out.push('');
  out.push('### 4b. The deployed workers on the local cloud');
  out.push('');
  if (typeof r.deployed === 'string') {
    out.push(r.deployed);
  } else {
    const d = r.deployed;
    out.push(
      `sked's real stacks deployed with cdklocal under a throwaway stage (test tasks on; deploy took ` +
        `${d.deploySeconds.toFixed(0)} s, destroyed afterwards), and the baseline bundled like sked's functions ` +
        '(bench/deployed/baseline-function.ts) and created as a Lambda function with an SQS event source mapping ' +
        `configured like sked's: batch size ${d.batchSize}, maximum concurrency ${d.maxConcurrency}, partial batch ` +
        `responses, queue visibility timeout ${d.visibilityTimeoutSeconds} s, its own jobs and idempotency tables. ` +
        `${d.occurrences} jobs are written straight into each jobs table and ${d.occurrences} scheduled envelopes plus ` +
        `${d.duplicates} duplicates sent to each queue; the emulator's event source mapping invokes the functions. ` +
        'Runs per second = occurrences run / (last side effect, or for sked the last ledger finish, minus the first ' +
        "send). The history check counts the task's side-effect items in DynamoDB per occurrence, a few seconds " +
        'after every occurrence has run (and, for sked, has a terminal ledger item).',
    );
    out.push('');
    out.push(
      table(
        ['worker', 'runs / s', 'seconds', 'lost', 'ran twice', 'terminal ledger items', 'messages left in the queue'],
        (['sked', 'baseline'] as const).map((worker) => {
          const runs = d.runs.filter((run) => run.worker === worker);
          const list = (values: readonly (number | string)[]) => values.join(', ');
          return [
            worker,
            formatSpread(spread(runs.map((run) => run.runsPerSecond)), '', 0),
            formatSpread(spread(runs.map((run) => run.seconds)), '', 1),
            list(runs.map((run) => run.lost)),
            list(runs.map((run) => run.ranTwice)),
            worker === 'sked' ? list(runs.map((run) => run.terminal ?? '-')) : '-',
            list(runs.map((run) => `${run.unsettled}${run.timedOut ? ' (timed out)' : ''}`)),
          ];
        }),
      ),
    );
    out.push('');
    const deployedRatio = spread(
      pairedRatios(
        d.runs.filter((run) => run.worker === 'sked').map((run) => run.runsPerSecond),
        d.runs.filter((run) => run.worker === 'baseline').map((run) => run.runsPerSecond),
      ),
    );
    out.push(
      `sked / baseline runs per second, per repetition (${d.runs.length / 2} repetitions, alternating which worker ` +
        `drains first, in one deployment): ${formatSpread(deployedRatio)}.`,
    );
    out.push('');
    out.push(
      "How to read it: the emulator's event source mapping keeps at most min(maximum concurrency, reserved " +
        `concurrency) batches in flight per mapping (${d.maxConcurrency} here, from the local stage's settings), ` +
        'each invocation in a warm `node` subprocess of the host, and the emulator serves every SQS and DynamoDB call ' +
        `from one Python process on this machine. The rate is therefore ${d.maxConcurrency} concurrent invocations' worth on the ` +
        "emulator, not what Lambda's scaling would reach on AWS; the comparison holds because both workers get the " +
        'same mapping settings in the same run. Messages left in the queue are records the baseline reported ' +
        'failed, waiting out the visibility timeout: duplicates that arrived while their first delivery was still ' +
        "running, which Powertools' idempotency fails (`IdempotencyAlreadyInProgressError`, the reason 4a tallies) " +
        'and finds completed when they come back; sked acknowledges such a duplicate at once.',
    );
    const deployedMet = d.runs.every((run) => run.lost === 0 && run.ranTwice === 0 && !run.timedOut);
    targets.push(`- Deployed end to end: 0 lost, 0 run twice, both deployed workers: ${verdict(deployedMet)}.`);
  }
  out.push('');

  // 5. API
  out.push('## 5. The API on the local cloud');
  out.push('');
  if (typeof r.api === 'string') {
    out.push(r.api);
  } else {
    const a = r.api;
    out.push(
      'The API handler (`makeApiHandler` over `awsJobsDeps`, as functions/api.ts builds it) in this process against the ' +
        'local cloud (DynamoDB, EventBridge Scheduler, EventBridge), API Gateway not in the path. Latency is the ' +
        "handler's wall time per request.",
    );
    out.push('');
    out.push(
      table(
        ['request', 'count', 'p50 (ms)', 'p99 (ms)', 'max (ms)', 'calls'],
        [
          [
            'POST /jobs',
            String(a.create.count),
            num(a.create.p50, 1),
            num(a.create.p99, 1),
            num(a.create.max, 1),
            describeCalls(a.createCalls),
          ],
          [
            `GET /jobs (page of ${a.pageSize})`,
            String(a.listPage.count),
            num(a.listPage.p50, 1),
            num(a.listPage.p99, 1),
            num(a.listPage.max, 1),
            'DynamoDB.Query',
          ],
        ],
      ),
    );
    out.push('');
    out.push(
      `Listing all ${a.bulk.jobs} jobs (${a.bulk.jobs - a.create.count} written with BatchWriteItem in the job store's ` +
        `item format) through \`GET /jobs\`: ${a.bulk.pages} pages, ${a.bulk.listed} jobs, ${a.bulk.queries} Query ` +
        `calls, **${a.bulk.scans} Scan calls** (asserted), ${num(a.bulk.seconds, 1)} s.`,
    );
    targets.push(
      `- Listing ${a.bulk.jobs} jobs uses Query, never Scan: ${verdict(a.bulk.scans === 0 && a.bulk.queries > 0)}.`,
    );
  }
  out.push('');

  // 6. Cost
  out.push('## 6. Cost');
  out.push('');
  out.push(
    `List prices from bench/prices.ts (${PRICES.region}, on demand, no free tier). Per run: the measured success-path ` +
      `calls (section 1), event source mapping requests per batch (section 1 for batch 1, section 4 for batch 10), ` +
      `the measured invocation wall time on the local cloud billed at the configured ${workerMemoryMb()} MB (arm64), ` +
      `the measured log bytes (section 2) plus an estimated ${PLATFORM_LOG_BYTES_PER_INVOCATION} bytes of Lambda ` +
      'platform lines per invocation. Invocation times on the emulator stand in for AWS ones: DynamoDB in-region is ' +
      'usually faster than the emulator here.',
  );
  out.push('');
  if (typeof r.costs === 'string') {
    out.push(r.costs);
  } else {
    const costs = r.costs;
    const items = costs[0]?.lines.map((line) => line.item) ?? [];
    const header = ['$ per million runs', ...r.costs.map((c) => `${c.worker}, batch ${c.batchSize}`)];
    const rows = items.map((item) => [
      item,
      ...costs.map((c) => {
        const line = c.lines.find((l) => l.item === item);
        return line === undefined ? '' : `${usd(line.dollars)} <sub>${line.basis}</sub>`;
      }),
    ]);
    rows.push(['**total**', ...r.costs.map((c) => `**${usd(c.total)}**`)]);
    out.push(table(header, rows));
    out.push('');
    const sked10 = r.costs.find((c) => c.worker === 'sked' && c.batchSize === 10);
    out.push(
      `An always-on t4g.small running APScheduler or Celery beat (with an 8 GB gp3 volume): ${usd(r.alwaysOn)} a month ` +
        'whatever it runs, with no redundancy (a second one for failover doubles it), and the runs themselves still ' +
        `need somewhere to execute.${sked10 === undefined ? '' : ` sked at batch 10 costs as much at about ${num(((r.alwaysOn / sked10.total) * 1e6) / 1e6, 1)} million runs a month (${num((r.alwaysOn / sked10.total / (30 * 24 * 60)) * 1e6, 0)} runs a minute, around the clock).`}`,
    );
  }
  out.push('');
  out.push('### Idle cost of an empty deployment');
  out.push('');
  if (typeof r.idle === 'string') {
    out.push(r.idle);
  } else {
    out.push(
      `Counted from the synthesized \`${r.idle.stage}\` stage templates (stateful + stateless): ` +
        `${r.idle.resources['AWS::CloudWatch::Alarm'] ?? 0} alarms, ${r.idle.resources['AWS::CloudWatch::Dashboard'] ?? 0} dashboard, ` +
        `${r.idle.resources['AWS::SecretsManager::Secret'] ?? 0} secret, ${r.idle.resources['AWS::KMS::Key'] ?? 0} KMS key, ` +
        `${r.idle.resources['AWS::Lambda::Function'] ?? 0} functions, ${r.idle.resources['AWS::DynamoDB::Table'] ?? 0} on-demand tables, ` +
        `${r.idle.resources['AWS::SQS::Queue'] ?? 0} queues. Tables, queues, functions, the API, the schedule group and ` +
        'topics cost nothing while idle; storage of a few MB is not counted.',
    );
    out.push('');
    out.push(
      table(
        ['item', '$ per month', 'basis'],
        [
          ...r.idle.lines.map((line) => [line.item, usd(line.dollars), line.basis]),
          ['**total**', `**${usd(r.idle.perMonth)}**`, ''],
        ],
      ),
    );
  }
  out.push('');

  // 7. Second precision (bench/sections/second-precision-report.ts)
  out.push(secondPrecisionSection(r.secondPrecision, { quick: r.quick, date: r.generatedAt.slice(0, 10) }));
  targets.push(secondPrecisionTarget(r.secondPrecision));
  out.push('');
  out.push('## Targets');
  out.push('');
  out.push(...targets);
  out.push('');
  out.push('## Reproducing');
  out.push('');
  out.push(
    '`npm run bench` (starts the local cloud when none answers at `AWS_ENDPOINT_URL`, creates its own uniquely named ' +
      'tables and queues and deletes them afterwards). `BENCH_QUICK=1 npm run bench` runs every section at a small size. ' +
      '`BENCH_ONLY=second-precision npm run bench` runs section 7 alone and rewrites only its part of this file.',
  );
  out.push('');
  return out.join('\n');
}
