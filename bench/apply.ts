/**
 * `npm run bench:apply`: `sked apply` of 1,000 declared jobs against sked deployed to the local cloud, beside the same
 * jobs written one request at a time, and its section of BENCHMARKS.md (between `<!-- bench:apply -->` and
 * `<!-- /bench:apply -->`; nothing else in the file is touched).
 *
 * sked's real stacks are deployed under a throwaway stage with cdklocal (the stage's reconcile rule disabled, as in
 * section 4b, so that it does not sweep 1,000 jobs mid-measure) and destroyed afterwards. Each apply is the command
 * line as a user runs it, `node bin/sked.mjs --stage <stage> --json apply -f jobs.yaml`, as a child process; its API
 * requests are counted by bench/support/fetch-counter.ts, preloaded into that process, which wraps the fetch the typed
 * client sends every request with (retries count as requests). Wall time is the child's, from spawn to exit (Node and
 * tsx start-up, the stack-output lookup, the listing, the plan and the writes). In order:
 *   1. the first apply of the file (every job created), 2. the same file again (must write nothing: the versions of
 *   all jobs are compared), repeated, 3. the file with one field of one job edited (one write), 4. `jobs: []` with
 *   `--prune` (every job deleted), then the baselines on the emptied stage: 5. the typed client putting the same jobs
 *   4 at a time (apply's default concurrency) and 6. one at a time, each run counted the same way, and 7. `sked jobs
 *   create -f` once per job, one process each, for a sample (BENCH_APPLY_CLI_CREATES, default 100) extrapolated.
 *
 * BENCH_APPLY_JOBS (default 1000) sets the size, BENCH_APPLY_REPEATS (default 3) how often the unchanged apply runs.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DisableRuleCommand, EventBridgeClient, ListRulesCommand } from '@aws-sdk/client-eventbridge';
import { stringify as toYaml } from 'yaml';
import { createSkedClient, type FetchLike, type SkedClient } from '../lib/client';
import type { PlanEntry } from '../lib/domain/declarations';
import type { DeclaredJob } from '../lib/schemas/declarations';
import { ensureLocalCloud, localAwsEnv, MINISTACK_VERSION } from '../scripts/local-cloud';
import { guardedClient } from '../test/support/aws-clients';
import { deploySked, destroySked, type LocalSked } from '../test/support/e2e/deployment';
import { routeOf } from './support/fetch-counter';
import { spread, type Spread } from './support/stats';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const JOBS = positive('BENCH_APPLY_JOBS', 1000);
const REPEATS = positive('BENCH_APPLY_REPEATS', 3);
const CLI_CREATES = Math.min(JOBS, positive('BENCH_APPLY_CLI_CREATES', 100));
/** `sked apply`'s default `--concurrency`, and the baseline's. */
const CONCURRENCY = 4;
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const START = '<!-- bench:apply -->';
const END = '<!-- /bench:apply -->';

const log = (message: string) => process.stderr.write(`${message}\n`);

function positive(name: string, fallback: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name}: a whole number of at least 1, got '${text}'`);
  return value;
}

/** API requests by `METHOD /route STATUS`. */
type Calls = Record<string, number>;

const total = (calls: Calls) => Object.values(calls).reduce((sum, count) => sum + count, 0);
const throttled = (calls: Calls) =>
  Object.entries(calls)
    .filter(([key]) => / (429|503)$/.test(key))
    .reduce((sum, [, count]) => sum + count, 0);

/** The declared job `index` (1-based): a yearly cron on 1 January, so that none fires while the bench runs. */
function declaredJob(index: number, maxAttempts = 3): DeclaredJob {
  return {
    id: `bench-apply-${String(index).padStart(4, '0')}`,
    description: `declared job ${index} of ${JOBS}`,
    group: 'bench',
    tags: ['bench', `shard-${index % 10}`],
    trigger: { type: 'cron', expression: `${index % 60} ${index % 24} 1 1 *`, timezone: 'UTC' },
    target: { type: 'task', task: 'test.record-side-effect', payload: { note: `job ${index}` } },
    retry: { maxAttempts },
    misfireGraceSeconds: 300,
  };
}

const declaredJobs = (edited?: number) =>
  Array.from({ length: JOBS }, (_, offset) => declaredJob(offset + 1, offset + 1 === edited ? 5 : 3));

/** One `sked` command as a child process: its wall time, exit code, output and counted API requests. */
interface CommandRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  readonly calls: Calls;
}

function skedCommand(stage: string, cwd: string): (...args: string[]) => Promise<CommandRun> {
  const tsxLoader = import.meta.resolve('tsx');
  const counter = pathToFileURL(join(root, 'bench', 'support', 'fetch-counter.ts')).href;
  const bin = join(root, 'bin', 'sked.mjs');
  return (...args) =>
    new Promise((resolve, reject) => {
      const countsFile = join(cwd, `calls-${randomUUID()}.json`);
      const started = performance.now();
      const child = spawn(
        process.execPath,
        ['--import', tsxLoader, '--import', counter, bin, '--stage', stage, ...args],
        {
          cwd,
          env: { ...process.env, NO_COLOR: '1', BENCH_FETCH_COUNTS: countsFile },
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.once('error', reject);
      child.once('close', (code) => {
        const seconds = (performance.now() - started) / 1000;
        let calls: Calls = {};
        try {
          calls = JSON.parse(readFileSync(countsFile, 'utf8')) as Calls;
          rmSync(countsFile);
        } catch {
          // The process wrote no counts (it failed before its first request): none made.
        }
        resolve({ code: code ?? -1, stdout, stderr, seconds, calls });
      });
    });
}

interface ApplyOutcome {
  readonly written: readonly string[];
  readonly failed: readonly unknown[];
  readonly plan: readonly PlanEntry[];
}

/** A typed client whose requests are counted as the child's are. */
function countedClient(sked: LocalSked, calls: Calls): SkedClient {
  const counting: FetchLike = async (input, init) => {
    const url = new URL(String(input));
    let outcome = 'network-error';
    try {
      const response = await fetch(input, init);
      outcome = String(response.status);
      return response;
    } finally {
      const key = `${init?.method ?? 'GET'} ${routeOf(url)} ${outcome}`;
      calls[key] = (calls[key] ?? 0) + 1;
    }
  };
  return createSkedClient({
    baseUrl: sked.apiBaseUrl,
    region: REGION,
    auth: { kind: 'iam', credentials: CREDENTIALS },
    fetch: counting,
  });
}

async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    for (let index = next++; index < items.length; index = next++) await work(items[index] as T);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

/** Every bench job's version, read with the typed client (uncounted). */
async function benchVersions(client: SkedClient): Promise<Map<string, number>> {
  const versions = new Map<string, number>();
  for await (const job of client.iterateJobs({ group: 'bench', limit: 100 })) versions.set(job.id, job.version);
  return versions;
}

interface Measured {
  readonly label: string;
  readonly writes: number;
  readonly seconds: Spread;
  readonly calls: Calls;
  readonly note?: string;
}

interface Results {
  readonly stage: string;
  readonly deploySeconds: number;
  readonly applies: readonly Measured[];
  readonly baselines: readonly Measured[];
  readonly cliCreatePerJob: Spread;
  readonly cliCreateCalls: Calls;
  /** `sked --help`: a process that loads the command line and makes no request. */
  readonly startup: Spread;
  readonly checks: readonly string[];
  readonly durationSeconds: number;
}

function assertThat(condition: boolean, message: string, checks: string[]): void {
  if (!condition) throw new Error(`check failed: ${message}`);
  checks.push(message);
}

async function measure(endpoint: string): Promise<Results> {
  const started = performance.now();
  const stage = `local-bapply${randomUUID().slice(0, 8)}`;
  const cwd = mkdtempSync(join(tmpdir(), 'sked-bench-apply-'));
  const checks: string[] = [];
  log(`bench:apply: deploying stage ${stage}...`);
  const deployStarted = performance.now();
  const sked = await deploySked(stage, endpoint);
  const deploySeconds = (performance.now() - deployStarted) / 1000;
  try {
    const eventbridge = guardedClient(EventBridgeClient, { region: REGION, endpoint });
    const { Rules } = await eventbridge.send(new ListRulesCommand({ NamePrefix: sked.stackNames[1] }));
    for (const rule of Rules ?? []) {
      if (rule.Name !== undefined) await eventbridge.send(new DisableRuleCommand({ Name: rule.Name }));
    }
    const cli = skedCommand(stage, cwd);
    const reader = countedClient(sked, {});
    const apply = async (label: string, jobs: readonly DeclaredJob[], extra: string[] = []) => {
      writeFileSync(join(cwd, 'jobs.yaml'), toYaml({ jobs }));
      const run = await cli('--json', 'apply', '-f', 'jobs.yaml', ...extra);
      if (run.code !== 0) throw new Error(`${label}: sked apply exited ${run.code}\n${run.stderr.slice(-4000)}`);
      const outcome = JSON.parse(run.stdout) as ApplyOutcome;
      log(
        `bench:apply: ${label}: ${outcome.written.length} written in ${run.seconds.toFixed(1)} s, ${total(run.calls)} requests`,
      );
      return { run, outcome };
    };

    // 1. Every job created.
    const first = await apply('first apply', declaredJobs());
    assertThat(
      first.outcome.written.length === JOBS && first.outcome.failed.length === 0,
      `the first apply created all ${JOBS} jobs, none failed`,
      checks,
    );
    const created = await benchVersions(reader);
    assertThat(
      created.size === JOBS && [...created.values()].every((version) => version === 1),
      `all ${JOBS} jobs exist at version 1`,
      checks,
    );

    // 2. The same file: nothing to write.
    const unchanged: CommandRun[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const again = await apply(`unchanged apply ${repeat + 1}/${REPEATS}`, declaredJobs());
      assertThat(
        again.outcome.written.length === 0 && again.outcome.plan.every((entry) => entry.action === 'unchanged'),
        `unchanged apply ${repeat + 1}: 0 writes, ${JOBS} unchanged`,
        checks,
      );
      unchanged.push(again.run);
    }
    const afterUnchanged = await benchVersions(reader);
    assertThat(
      [...created].every(([id, version]) => afterUnchanged.get(id) === version),
      'after the unchanged applies every job is at the version it was created at',
      checks,
    );
    assertThat(
      unchanged.every((run) => Object.keys(run.calls).every((key) => key.startsWith('GET /jobs '))),
      'an unchanged apply only lists (GET /jobs)',
      checks,
    );

    // 3. One field of one job edited.
    const editedIndex = Math.ceil(JOBS / 2);
    const editedId = declaredJob(editedIndex).id;
    const edit = await apply('one job edited', declaredJobs(editedIndex));
    const updates = edit.outcome.plan.filter((entry) => entry.action === 'update');
    assertThat(
      edit.outcome.written.length === 1 &&
        edit.outcome.written[0] === editedId &&
        updates.length === 1 &&
        updates[0]?.action === 'update' &&
        updates[0].changes.length === 1 &&
        updates[0].changes[0]?.path === 'retry.maxAttempts',
      `the edited apply wrote ${editedId} only, with one change (retry.maxAttempts)`,
      checks,
    );
    const afterEdit = await benchVersions(reader);
    assertThat(
      [...created].every(([id, version]) => afterEdit.get(id) === (id === editedId ? version + 1 : version)),
      'after it only that job has a new version',
      checks,
    );

    // 4. Everything pruned, which empties the stage for the baselines.
    const prune = await apply('prune all', [], ['--prune']);
    assertThat(prune.outcome.written.length === JOBS, `the prune deleted all ${JOBS} jobs`, checks);
    assertThat((await benchVersions(reader)).size === 0, 'no bench job is left', checks);

    const applies: Measured[] = [
      {
        label: `first apply (${JOBS} created)`,
        writes: JOBS,
        seconds: spread([first.run.seconds]),
        calls: first.run.calls,
      },
      {
        label: 'the same file again',
        writes: 0,
        seconds: spread(unchanged.map((run) => run.seconds)),
        calls: unchanged[0]?.calls ?? {},
        note: `${REPEATS} runs; the same requests each time`,
      },
      { label: 'one field of one job edited', writes: 1, seconds: spread([edit.run.seconds]), calls: edit.run.calls },
      {
        label: `\`jobs: []\` with --prune (${JOBS} deleted)`,
        writes: JOBS,
        seconds: spread([prune.run.seconds]),
        calls: prune.run.calls,
      },
    ];

    // 5, 6. The typed client, 4 at a time and one at a time; the jobs deleted after each (not measured).
    const baselines: Measured[] = [];
    for (const concurrency of [CONCURRENCY, 1]) {
      const calls: Calls = {};
      const client = countedClient(sked, calls);
      const jobs = declaredJobs();
      const putStarted = performance.now();
      await inParallel(jobs, concurrency, async ({ id, ...body }) => {
        await client.putJob(id, body);
      });
      const seconds = (performance.now() - putStarted) / 1000;
      const label = `typed client \`putJob\` x ${JOBS}, ${concurrency === 1 ? 'one at a time' : `${concurrency} at a time`}`;
      log(`bench:apply: ${label}: ${seconds.toFixed(1)} s, ${total(calls)} requests`);
      assertThat((await benchVersions(reader)).size === JOBS, `${label}: all ${JOBS} jobs exist`, checks);
      baselines.push({ label, writes: JOBS, seconds: spread([seconds]), calls });
      await inParallel([...(await benchVersions(reader)).keys()], CONCURRENCY, (id) => reader.deleteJob(id));
    }

    // The fixed cost of a command: Node, tsx and the command line loaded, no request (`sked --help`).
    const startup: number[] = [];
    for (let repeat = 0; repeat < REPEATS; repeat++) {
      const run = await cli('--help');
      if (run.code !== 0) throw new Error(`sked --help exited ${run.code}\n${run.stderr}`);
      startup.push(run.seconds);
    }

    // 7. `sked jobs create -f`, one process per job, for a sample.
    const perJob: number[] = [];
    const cliCreateCalls: Calls = {};
    for (const job of declaredJobs().slice(0, CLI_CREATES)) {
      writeFileSync(join(cwd, 'job.yaml'), toYaml(job));
      const run = await cli('jobs', 'create', '-f', 'job.yaml');
      if (run.code !== 0) throw new Error(`sked jobs create exited ${run.code}\n${run.stderr}`);
      perJob.push(run.seconds);
      for (const [key, count] of Object.entries(run.calls)) cliCreateCalls[key] = (cliCreateCalls[key] ?? 0) + count;
    }
    const cliCreatePerJob = spread(perJob);
    log(`bench:apply: sked jobs create x ${CLI_CREATES}: median ${cliCreatePerJob.median.toFixed(2)} s per job`);
    assertThat(
      (await benchVersions(reader)).size === CLI_CREATES,
      `sked jobs create x ${CLI_CREATES}: all exist`,
      checks,
    );

    return {
      stage,
      deploySeconds,
      applies,
      baselines,
      cliCreatePerJob,
      cliCreateCalls,
      startup: spread(startup),
      checks,
      durationSeconds: (performance.now() - started) / 1000,
    };
  } finally {
    log(`bench:apply: destroying stage ${stage}...`);
    await destroySked(stage, endpoint).catch((error: unknown) =>
      log(`bench:apply: destroying ${stage} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    rmSync(cwd, { recursive: true, force: true });
  }
}

const fmt = (value: number, digits = 1) => value.toFixed(digits);
const seconds = (s: Spread) =>
  s.n === 1 ? `**${fmt(s.median)}**` : `${fmt(s.min)} / **${fmt(s.median)}** / ${fmt(s.max)}`;
const callList = (calls: Calls) =>
  Object.entries(calls)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, count]) => `${key} x${count}`)
    .join(', ') || 'none';
const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : `${(a / b).toFixed(2)}`);

function section(results: Results): string {
  const date = new Date().toISOString().slice(0, 10);
  let commit = '?';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout.
  }
  const [first, unchanged, edited, pruned] = results.applies;
  const [putConcurrent, putSequential] = results.baselines;
  if (!first || !unchanged || !edited || !pruned || !putConcurrent || !putSequential)
    throw new Error('missing results');
  const cliTotal = results.cliCreatePerJob.median * JOBS;
  const row = (measured: Measured) =>
    `| ${measured.label} | ${measured.writes} | ${seconds(measured.seconds)} | ${total(measured.calls)} | ${
      measured.writes === 0 ? 'no write' : fmt(total(measured.calls) / measured.writes, 2)
    } | ${throttled(measured.calls)} | ${callList(measured.calls)} |`;
  const lines = [
    START,
    `## sked apply: ${JOBS.toLocaleString('en-US')} declared jobs`,
    '',
    `Measured by \`npm run bench:apply\` (bench/apply.ts) on ${date} at commit ${commit}, in ${fmt(results.durationSeconds, 0)} s, on ${cpus().length} cores against the emulator at the endpoint given (MiniStack ${MINISTACK_VERSION} pinned). sked's real stacks were deployed with cdklocal under a throwaway stage (${fmt(results.deploySeconds, 0)} s, destroyed afterwards; its reconcile rule disabled). Each apply is the command line as a user runs it, \`sked --stage <stage> --json apply -f jobs.yaml\` (default \`--concurrency 4\`), a child process timed from spawn to exit (Node and tsx start-up, the stack-output lookup, listing, planning, writing). API requests are counted inside that process by wrapping the fetch the typed client sends each request with (bench/support/fetch-counter.ts); a retried request counts again, and the 429/503 column counts those answers. Jobs: a yearly cron each (none fires during the run), a task target, tags, a group, a retry policy; every write also creates the job's schedule and sends its first tick, which the deployed worker handles meanwhile, for the applies and the baselines alike.`,
    '',
    `| apply | writes | wall time (s) | API requests | requests per write | 429/503 | requests |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    row(first),
    row(unchanged),
    row(edited),
    row(pruned),
    '',
    `Checked: ${results.checks.join('; ')}.`,
    '',
    `**Baselines**, on the emptied stage, the same ${JOBS} job documents without the declaration marker: the typed client's \`putJob\` in one process (no start-up, no listing, no plan), counted the same way, and \`sked jobs create -f job.yaml\`, one process per job, for ${CLI_CREATES} jobs (median per job, extrapolated to ${JOBS}).`,
    '',
    `| baseline | writes | wall time (s) | API requests | requests per write | 429/503 | requests |`,
    '| --- | --- | --- | --- | --- | --- | --- |',
    row(putConcurrent),
    row(putSequential),
    `| \`sked jobs create\` x ${CLI_CREATES}, one process each | ${CLI_CREATES} | ${fmt(results.cliCreatePerJob.min, 2)} / **${fmt(results.cliCreatePerJob.median, 2)}** / ${fmt(results.cliCreatePerJob.max, 2)} per job; ${JOBS} x median = **${fmt(cliTotal)}** | ${total(results.cliCreateCalls)} | ${fmt(total(results.cliCreateCalls) / CLI_CREATES, 2)} | ${throttled(results.cliCreateCalls)} | ${callList(results.cliCreateCalls)} |`,
    '',
    `A command's fixed cost, Node and tsx starting and the command line loading with no request (\`sked --help\`, ${results.startup.n} runs): ${fmt(results.startup.min, 2)} / **${fmt(results.startup.median, 2)}** / ${fmt(results.startup.max, 2)} s; every apply above and each \`sked jobs create\` pays it once, plus one CloudFormation DescribeStacks for \`--stage\` (not an API request, not counted).`,
    '',
    'Ratios (median wall times):',
    '',
    `- First apply / typed client ${CONCURRENCY} at a time: **${ratio(first.seconds.median, putConcurrent.seconds.median)}** in time, ${ratio(total(first.calls), total(putConcurrent.calls))} in requests (the apply lists the jobs once before writing).`,
    `- First apply / typed client one at a time: **${ratio(first.seconds.median, putSequential.seconds.median)}**.`,
    `- First apply / \`sked jobs create\` once per job (extrapolated): **${ratio(first.seconds.median, cliTotal)}**.`,
    `- Unchanged apply / first apply: **${ratio(unchanged.seconds.median, first.seconds.median)}** in time, ${ratio(total(unchanged.calls), total(first.calls))} in requests (${total(unchanged.calls)} listing requests, 0 writes, against ${total(first.calls)}).`,
    `- One-job edit / unchanged apply: **${ratio(edited.seconds.median, unchanged.seconds.median)}** in time, ${total(edited.calls) - total(unchanged.calls)} more request(s).`,
    '',
    `Re-run: \`npm run bench:apply\` (AWS_ENDPOINT_URL names the emulator; one is started when none answers). BENCH_APPLY_JOBS (default 1000), BENCH_APPLY_REPEATS (default 3), BENCH_APPLY_CLI_CREATES (default 100). It rewrites only this section.`,
    '',
    END,
  ];
  return lines.join('\n');
}

function splice(existing: string, text: string): string {
  const start = existing.indexOf(START);
  const end = existing.indexOf(END);
  if (start !== -1 && end > start) return existing.slice(0, start) + text + existing.slice(end + END.length);
  return `${existing.replace(/\n*$/, '\n\n')}${text}\n`;
}

async function main(): Promise<void> {
  const cloud = await ensureLocalCloud();
  Object.assign(process.env, localAwsEnv(cloud.endpoint));
  try {
    const results = await measure(cloud.endpoint);
    const file = join(root, 'BENCHMARKS.md');
    const text = section(results);
    writeFileSync(file, splice(readFileSync(file, 'utf8'), text));
    log('bench:apply: its section of BENCHMARKS.md rewritten');
    process.stdout.write(`${text}\n`);
  } finally {
    await cloud.stop();
  }
}

await main();
