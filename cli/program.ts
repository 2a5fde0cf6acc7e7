import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, CommanderError, Option } from 'commander';
import { createColors } from 'picocolors';
import { parse as parseYaml, stringify as toYaml } from 'yaml';
import { SkedApiError, type Job, type JobInput, type PreviewRequest, type Run, type SkedClient } from '../lib/client';
import { MUTABLE_JOB_FIELDS } from '../lib/schemas/api';
import { TERMINAL_STATUSES } from '../lib/schemas/run';
import { applyDeclarations } from './apply';
import { addConsoleCommand, type ConsoleDeps } from './console/command';
import { addDlqCommands } from './dlq';
import { EXIT, exitCodeOf, UsageError } from './exit-codes';
import {
  colourStatus,
  describeError,
  describeTrigger,
  emit,
  RUN_HEAD,
  runRow,
  table,
  wallTime,
  zoneOf,
  type Output,
} from './render';
import { resolveTarget, type StackOutputsReader, type Target } from './target';

/** What the command line needs from its surroundings; tests hand in fakes. */
export interface CliDeps {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stdout is a terminal: colours and progress only then (and never with --json or NO_COLOR). */
  readonly isTty: boolean;
  readonly readOutputs: StackOutputsReader;
  /** The API client for a deployment. */
  readonly connect: (target: Target) => SkedClient;
  readonly sleep: (ms: number) => Promise<void>;
  readonly now: () => Date;
  /** Opens a file in the user's editor and resolves when it is closed. */
  readonly editFile: (path: string) => Promise<void>;
  /** `sked console`'s local server, browser and lifetime. */
  readonly console: ConsoleDeps;
}

interface GlobalOptions {
  readonly stage?: string;
  readonly api?: string;
  readonly region?: string;
  readonly json?: boolean;
  readonly color?: boolean;
}

const EXAMPLES = {
  root: `
Examples:
  $ sked --stage prod jobs ls
  $ sked jobs create -f nightly-report.yaml        (the deployment \`npm run local\` started)
  $ sked --api https://abc123.execute-api.eu-west-1.amazonaws.com/prod jobs get nightly-report --json

Exit codes: 0 ok, 1 error, 2 usage, 3 not found, 4 invalid input, 5 conflict or stale ETag, 6 auth,
7 throttled / unavailable (try again), 8 changes (apply --dry-run), 9 the run watched did not succeed.`,
  ls: `
Examples:
  $ sked jobs ls --group billing --state paused
  $ sked jobs ls --tag reports --json | jq -r '.[].id'`,
  get: `
Example:
  $ sked jobs get nightly-report`,
  create: `
Examples:
  $ sked jobs create -f job.yaml
  $ sked jobs create -f job.json --replace          (replace a job of the same id instead of failing)`,
  edit: `
Example:
  $ EDITOR=nano sked jobs edit nightly-report       (saved with the ETag it was read at; a conflict is shown)`,
  patch: `
Examples:
  $ sked jobs patch nightly-report --set trigger.hour=7 --set misfireGraceSeconds=60
  $ sked jobs patch nightly-report -f patch.yaml --if-match '"nightly-report.v3"'
  $ sked jobs patch nightly-report --unset description`,
  pause: `
Example:
  $ sked jobs pause nightly-report --reason "billing freeze until Monday"`,
  resume: `
Example:
  $ sked jobs resume nightly-report`,
  run: `
Examples:
  $ sked jobs run nightly-report --wait
  $ sked jobs run send-email --payload '{"recipient":"ops@example.com"}'`,
  rm: `
Example:
  $ sked jobs rm nightly-report`,
  runsLs: `
Example:
  $ sked runs ls nightly-report --status failed`,
  runsGet: `
Example:
  $ sked runs get nightly-report 20300101T090000Z --json`,
  watch: `
Examples:
  $ sked runs watch nightly-report
  $ sked runs watch                                  (every job)
  $ sked runs watch nightly-report --run 20300101T090000Z-mab12cd   (until that run ends; exit 0 if it succeeded)`,
  preview: `
Examples:
  $ sked preview '*/10 * * * * ?' --tz Europe/Paris
  $ sked preview '{"type":"interval","seconds":5}' --count 3
  $ sked preview '30 10 * * *' --tz Asia/Shanghai --from 2030-03-01T00:00:00Z`,
  tasks: `
Example:
  $ sked tasks --json`,
  apply: `
Examples:
  $ sked apply -f sked.schedules.yaml --dry-run     (print the plan; exit 8 when it has changes)
  $ sked apply -f sked.schedules.yaml --prune       (also delete declared jobs removed from the file)

The file: { jobs: [ <job document with its id>, ... ] } in YAML or JSON. Jobs registered through the API are never
touched; declared jobs refuse API changes without ?force=true (pause, resume and run stay allowed).`,
};

/** Runs the command line; resolves with the exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = new Command('sked')
    .description('Drive a sked deployment: jobs, runs, trigger previews and tasks.')
    .option('--stage <name>', 'the stage to use (its stack outputs name the API); default: the `npm run local` one')
    .option('--api <url>', 'the API URL with its stage, instead of --stage')
    .option('--region <region>', 'AWS region (default AWS_REGION, else us-east-1)')
    .option('--json', 'print JSON for scripts instead of tables')
    .option('--no-color', 'no colours (also NO_COLOR=1)')
    .addHelpText('after', EXAMPLES.root)
    .showHelpAfterError('(sked --help lists the commands)')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.stdout(text.replace(/\n$/, '')),
      writeErr: (text) => deps.stderr(text.replace(/\n$/, '')),
    });

  const context = (command: Command) => {
    const options = command.optsWithGlobals<GlobalOptions>();
    const json = options.json === true;
    const useColor = deps.isTty && !json && options.color !== false && deps.env['NO_COLOR'] === undefined;
    const output: Output = {
      json,
      colors: createColors(useColor),
      viewerZone: deps.env['TZ'] ?? Intl.DateTimeFormat().resolvedOptions().timeZone,
      out: deps.stdout,
      err: deps.stderr,
    };
    const client = async (): Promise<SkedClient> =>
      deps.connect(await resolveTarget(options, deps.env, deps.cwd, deps.readOutputs));
    return { output, client, showProgress: deps.isTty && !json };
  };

  /** Wraps an action: its errors become the printed problem and the exit code. */
  const action =
    <A extends unknown[]>(work: (command: Command, ...args: A) => Promise<number | void>) =>
    async (...args: unknown[]): Promise<void> => {
      const command = args.at(-1) as Command;
      try {
        const code = await work(command, ...(args.slice(0, -2) as A));
        if (typeof code === 'number') exitCode = code;
      } catch (error) {
        const { output } = context(command);
        if (output.json) output.err(JSON.stringify(errorJson(error), null, 2));
        else output.err(describeError(output.colors, error));
        exitCode = exitCodeOf(error);
      }
    };

  const jobs = program.command('jobs').description('list, read, create, change and delete jobs');

  jobs
    .command('ls')
    .description('list jobs with their state, trigger and next run')
    .option('--group <group>', 'only jobs of this group')
    .option('--tag <tag>', 'only jobs with this tag')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(['enabled', 'paused', 'completed']))
    .addHelpText('after', EXAMPLES.ls)
    .action(
      action(async (command) => {
        const { output, client } = context(command);
        const options = command.opts<{ group?: string; tag?: string; state?: Job['state'] }>();
        const api = await client();
        const items: Job[] = [];
        for await (const job of api.iterateJobs({
          ...(options.group !== undefined && { group: options.group }),
          ...(options.tag !== undefined && { tag: options.tag }),
          ...(options.state !== undefined && { state: options.state }),
        })) {
          items.push(job);
        }
        emit(output, items, () =>
          items.length === 0
            ? 'no jobs'
            : table(
                ['id', 'group', 'state', 'trigger', 'zone', 'precision', 'tags'],
                items.map((job) => [
                  job.id,
                  job.group,
                  colourStatus(output.colors, job.state),
                  describeTrigger(job.trigger),
                  zoneOf(job),
                  job.precision ?? '',
                  job.tags.join(','),
                ]),
              ),
        );
      }),
    );

  jobs
    .command('get')
    .description('show a job: its definition, ETag, next fire times (in its zone and yours) and last run')
    .argument('<id>', 'job id')
    .addHelpText('after', EXAMPLES.get)
    .action(
      action(async (command, id: string) => {
        const { output, client } = context(command);
        const { job, etag } = await (await client()).getJob(id);
        emit(output, { ...job, etag }, () => {
          const zone = zoneOf(job);
          const lines = [
            `${output.colors.bold(job.id)}  ${colourStatus(output.colors, job.state)}  version ${job.version}  ETag ${etag ?? '(none)'}`,
            `trigger: ${describeTrigger(job.trigger)} (${zone})`,
          ];
          if (job.paused !== undefined) {
            lines.push(
              `paused ${job.paused.at} by ${job.paused.by}${job.paused.reason !== undefined ? `: ${job.paused.reason}` : ''}`,
            );
          }
          if (job.nextRuns.length > 0) {
            lines.push(
              table(
                [`next runs (${zone})`, `yours (${output.viewerZone})`],
                job.nextRuns.map((time) => [wallTime(time, zone), wallTime(time, output.viewerZone)]),
              ),
            );
          }
          if (job.lastRun !== undefined) {
            lines.push(`last run: ${job.lastRun.runId} ${colourStatus(output.colors, job.lastRun.status)}`);
          }
          lines.push(toYaml(editableOf(job)).trimEnd());
          return lines.join('\n');
        });
      }),
    );

  jobs
    .command('create')
    .description('create a job from a JSON or YAML file')
    .requiredOption('-f, --file <path>', 'the job document (JSON or YAML)')
    .option('--replace', 'replace a job of the same id instead of failing with a conflict')
    .addHelpText('after', EXAMPLES.create)
    .action(
      action(async (command) => {
        const { output, client } = context(command);
        const options = command.opts<{ file: string; replace?: boolean }>();
        const body = readDocument(deps.cwd, options.file) as JobInput;
        const written = await (
          await client()
        ).createJob(body, options.replace === true ? { onConflict: 'replace' } : {});
        emit(
          output,
          { ...written.job, etag: written.etag },
          () =>
            `${written.created ? 'created' : 'replaced'} ${output.colors.bold(written.job.id)} (version ${written.job.version}, ETag ${written.etag ?? '(none)'})`,
        );
      }),
    );

  jobs
    .command('edit')
    .description("edit a job's definition in $EDITOR as YAML; saved with the ETag it was read at")
    .argument('<id>', 'job id')
    .addHelpText('after', EXAMPLES.edit)
    .action(
      action(async (command, id: string) => {
        const { output, client } = context(command);
        const api = await client();
        const { job, etag } = await api.getJob(id);
        const before = toYaml(editableOf(job));
        const folder = mkdtempSync(join(tmpdir(), 'sked-edit-'));
        const file = join(folder, `${id}.yaml`);
        try {
          writeFileSync(file, `# sked jobs edit ${id} (version ${job.version}); save and close to apply\n${before}`);
          await deps.editFile(file);
          const after = readFileSync(file, 'utf8');
          const edited: unknown = parseYaml(after);
          if (JSON.stringify(edited) === JSON.stringify(parseYaml(before))) {
            emit(output, { id, changed: false }, () => 'no change');
            return;
          }
          const written = await api.putJob(id, { ...(edited as JobInput), id }, { ifMatch: etag });
          emit(output, { ...written.job, etag: written.etag }, () => `saved ${id} (version ${written.job.version})`);
        } finally {
          rmSync(folder, { recursive: true, force: true });
        }
      }),
    );

  jobs
    .command('patch')
    .description('change fields of a job with a JSON merge patch (from a file, or --set / --unset)')
    .argument('<id>', 'job id')
    .option('-f, --file <path>', 'the merge patch (JSON or YAML)')
    .option(
      '--set <path=value...>',
      'set a field (dotted path; the value is read as JSON when it parses, else as text)',
    )
    .option('--unset <path...>', 'remove an optional field')
    .option('--if-match <etag>', 'refuse (exit 5) unless the job is still at this ETag')
    .addHelpText('after', EXAMPLES.patch)
    .action(
      action(async (command, id: string) => {
        const { output, client } = context(command);
        const options = command.opts<{ file?: string; set?: string[]; unset?: string[]; ifMatch?: string }>();
        const patch = buildPatch(deps.cwd, options);
        const { job, etag } = await (await client()).patchJob(id, patch, { ifMatch: options.ifMatch });
        emit(output, { ...job, etag }, () => `patched ${id} (version ${job.version}, ETag ${etag ?? '(none)'})`);
      }),
    );

  jobs
    .command('pause')
    .description('pause a job: its schedule is disabled; the reason is kept on the job')
    .argument('<id>', 'job id')
    .option('--reason <text>', 'why, shown with the job')
    .option('--if-match <etag>', 'refuse unless the job is still at this ETag')
    .addHelpText('after', EXAMPLES.pause)
    .action(
      action(async (command, id: string) => {
        const { output, client } = context(command);
        const options = command.opts<{ reason?: string; ifMatch?: string }>();
        const { job, etag } = await (
          await client()
        ).pauseJob(id, {
          ...(options.reason !== undefined && { reason: options.reason }),
          ifMatch: options.ifMatch,
        });
        emit(
          output,
          { ...job, etag },
          () => `paused ${id}${options.reason !== undefined ? `: ${options.reason}` : ''}`,
        );
      }),
    );

  jobs
    .command('resume')
    .description('resume a paused job')
    .argument('<id>', 'job id')
    .option('--if-match <etag>', 'refuse unless the job is still at this ETag')
    .addHelpText('after', EXAMPLES.resume)
    .action(
      action(async (command, id: string) => {
        const { output, client } = context(command);
        const { ifMatch } = command.opts<{ ifMatch?: string }>();
        const { job, etag } = await (await client()).resumeJob(id, { ifMatch });
        emit(output, { ...job, etag }, () => `resumed ${id}`);
      }),
    );

  jobs
    .command('run')
    .description('run a job now (its schedule is unchanged)')
    .argument('<id>', 'job id')
    .option('--payload <json>', 'the payload for this run instead of the task job’s own')
    .option('--wait', 'wait for the run to end; exit 0 if it succeeded, 9 if not')
    .option('--timeout <seconds>', 'with --wait: give up after this long (exit 7)', '300')
    .addHelpText('after', EXAMPLES.run)
    .action(
      action(async (command, id: string) => {
        const { output, client } = context(command);
        const options = command.opts<{ payload?: string; wait?: boolean; timeout: string }>();
        const payload = options.payload !== undefined ? parseJsonOption('--payload', options.payload) : undefined;
        const api = await client();
        const queued = await api.runJob(id, payload !== undefined ? { payload: payload as never } : {});
        if (options.wait !== true) {
          emit(output, queued, () => `queued run ${queued.runId} of ${id}`);
          return;
        }
        if (!output.json) output.err(`queued run ${queued.runId} of ${id}; waiting for it to end`);
        return watchRuns(api, output, deps, {
          jobId: id,
          runId: queued.runId,
          timeoutSeconds: Number(options.timeout),
        });
      }),
    );

  jobs
    .command('rm')
    .description('delete a job and its schedule (its run history stays until it expires)')
    .argument('<id>', 'job id')
    .option('--if-match <etag>', 'refuse unless the job is still at this ETag')
    .addHelpText('after', EXAMPLES.rm)
    .action(
      action(async (command, id: string) => {
        const { output, client } = context(command);
        const { ifMatch } = command.opts<{ ifMatch?: string }>();
        await (await client()).deleteJob(id, { ifMatch });
        emit(output, { id, deleted: true }, () => `deleted ${id}`);
      }),
    );

  const runs = program.command('runs').description("read a job's run history, or watch outcomes as they happen");

  runs
    .command('ls')
    .description("a job's runs, newest first")
    .argument('<job>', 'job id')
    .addOption(
      new Option('--status <status>', 'only runs in this status').choices([
        'queued',
        'running',
        'succeeded',
        'failed',
        'missed',
        'skipped',
      ]),
    )
    .option('--limit <n>', 'at most this many', '20')
    .addHelpText('after', EXAMPLES.runsLs)
    .action(
      action(async (command, jobId: string) => {
        const { output, client } = context(command);
        const options = command.opts<{ status?: Run['status']; limit: string }>();
        const limit = positiveInt('--limit', options.limit);
        const api = await client();
        const zone = zoneOf((await api.getJob(jobId)).job);
        const items: Run[] = [];
        for await (const run of api.iterateRuns(jobId, {
          ...(options.status !== undefined && { status: options.status }),
        })) {
          items.push(run);
          if (items.length >= limit) break;
        }
        emit(output, items, () =>
          items.length === 0
            ? 'no runs'
            : table(
                RUN_HEAD,
                items.map((run) => runRow(output, run, zone)),
              ),
        );
      }),
    );

  runs
    .command('get')
    .description('one run: status, attempts, timings, error and result')
    .argument('<job>', 'job id')
    .argument('<run>', 'run id')
    .addHelpText('after', EXAMPLES.runsGet)
    .action(
      action(async (command, jobId: string, runId: string) => {
        const { output, client } = context(command);
        const run = await (await client()).getRun(jobId, runId);
        emit(output, run, () => toYaml(run).trimEnd());
      }),
    );

  runs
    .command('watch')
    .description('print run outcomes as they happen, for one job or every job')
    .argument('[job]', 'job id (default: every job)')
    .option('--run <runId>', 'stop when this run ends; exit 0 if it succeeded, 9 if not')
    .option('--timeout <seconds>', 'stop after this long (exit 7 when --run has not ended)')
    .option('--interval <seconds>', 'how often to look', '2')
    .addHelpText('after', EXAMPLES.watch)
    .action(
      action(async (command, jobId: string | undefined) => {
        const { output, client } = context(command);
        const options = command.opts<{ run?: string; timeout?: string; interval: string }>();
        if (options.run !== undefined && jobId === undefined) throw new UsageError('--run needs the job id');
        return watchRuns(await client(), output, deps, {
          ...(jobId !== undefined && { jobId }),
          ...(options.run !== undefined && { runId: options.run }),
          ...(options.timeout !== undefined && { timeoutSeconds: positiveInt('--timeout', options.timeout) }),
          intervalMs: positiveInt('--interval', options.interval) * 1000,
        });
      }),
    );

  program
    .command('preview')
    .description("a trigger's next fire times, in its zone and yours, and the schedule a job with it gets")
    .argument('<trigger>', 'a trigger as JSON, or a cron expression (Unix, Quartz with seconds, or cron(...))')
    .option('--tz <zone>', 'time zone for a cron expression given as text', 'UTC')
    .option('--count <n>', 'how many fire times', '10')
    .option('--from <instant>', 'list from this ISO-8601 instant (default now)')
    .addHelpText('after', EXAMPLES.preview)
    .action(
      action(async (command, text: string) => {
        const { output, client } = context(command);
        const options = command.opts<{ tz: string; count: string; from?: string }>();
        const trigger = text.trim().startsWith('{')
          ? (parseJsonOption('<trigger>', text) as PreviewRequest['trigger'])
          : ({ type: 'cron', expression: text, timezone: options.tz } as const);
        const request: PreviewRequest = {
          trigger,
          count: positiveInt('--count', options.count),
          ...(options.from !== undefined && { from: options.from }),
        };
        const preview = await (await client()).previewTrigger(request);
        const zone = trigger.type === 'interval' ? 'UTC' : (trigger.timezone ?? 'UTC');
        emit(output, preview, () =>
          [
            `${preview.precision} precision; schedule ${preview.expression} (${preview.timezone})`,
            ...(preview.secondPrecision !== undefined
              ? [
                  output.colors.dim(
                    `needs seconds: ${preview.secondPrecision.path}: ${preview.secondPrecision.message}`,
                  ),
                ]
              : []),
            table(
              [`fire time (${zone})`, `yours (${output.viewerZone})`, 'UTC'],
              preview.nextRuns.map((time) => [wallTime(time, zone), wallTime(time, output.viewerZone), time]),
            ),
          ].join('\n'),
        );
      }),
    );

  program
    .command('apply')
    .description('create, update and (with --prune) delete the jobs a file declares, like terraform apply')
    .requiredOption('-f, --file <path>', 'the declaration file (YAML or JSON)')
    .option('--dry-run', 'print the plan only (create, update with a field diff, delete)')
    .option('--prune', 'delete jobs this file declared before and no longer does')
    .option('--source <name>', 'what the jobs are marked as declared by (default: the file path)')
    .option('--concurrency <n>', 'writes under way at once', '4')
    .addHelpText('after', EXAMPLES.apply)
    .action(
      action(async (command) => {
        const { output, client, showProgress } = context(command);
        const options = command.opts<{
          file: string;
          dryRun?: boolean;
          prune?: boolean;
          source?: string;
          concurrency: string;
        }>();
        return applyDeclarations(
          await client(),
          output,
          deps.cwd,
          {
            file: options.file,
            dryRun: options.dryRun === true,
            prune: options.prune === true,
            source: options.source,
            concurrency: positiveInt('--concurrency', options.concurrency),
          },
          showProgress,
        );
      }),
    );

  program
    .command('tasks')
    .description('the tasks jobs can run, with their timeouts')
    .addHelpText('after', EXAMPLES.tasks)
    .action(
      action(async (command) => {
        const { output, client } = context(command);
        const { items } = await (await client()).listTasks();
        emit(output, items, () =>
          table(
            ['task', 'timeout', 'description'],
            items.map((task) => [task.name, `${task.timeoutSeconds} s`, task.description]),
          ),
        );
      }),
    );

  addDlqCommands(program, context, action);
  addConsoleCommand(program, context, action, deps);

  try {
    await program.parseAsync([...argv], { from: 'user' });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  return exitCode;
}

interface WatchOptions {
  readonly jobId?: string;
  readonly runId?: string;
  readonly timeoutSeconds?: number;
  readonly intervalMs?: number;
}

/**
 * Polls runs and prints each outcome once as it changes. With a run id it ends when that run ends: 0 when it
 * succeeded, 9 when not, 7 at the timeout.
 */
async function watchRuns(api: SkedClient, output: Output, deps: CliDeps, options: WatchOptions): Promise<number> {
  const seen = new Map<string, string>();
  const started = deps.now().getTime();
  const zones = new Map<string, string>();
  const intervalMs = options.intervalMs ?? 2000;
  for (let round = 0; ; round++) {
    const jobIds =
      options.jobId !== undefined
        ? [options.jobId]
        : await (async () => {
            const ids: string[] = [];
            for await (const job of api.iterateJobs()) {
              ids.push(job.id);
              zones.set(job.id, zoneOf(job));
            }
            return ids;
          })();
    for (const jobId of jobIds) {
      if (!zones.has(jobId)) zones.set(jobId, zoneOf((await api.getJob(jobId)).job));
      const { items } = await api.listRuns(jobId, { limit: 20 });
      for (const run of [...items].reverse()) {
        const key = `${jobId}/${run.runId}`;
        const state = `${run.status}/${run.attempts}`;
        if (seen.get(key) === state) continue;
        const isNew = !seen.has(key);
        seen.set(key, state);
        // The first look shows only runs still going (or the one watched); history is `sked runs ls`.
        if (round === 0 && isNew && options.runId !== run.runId && TERMINAL_STATUSES.includes(run.status)) {
          continue;
        }
        if (output.json) output.out(JSON.stringify(run));
        else output.out(`${jobId.padEnd(20)} ${runRow(output, run, zones.get(jobId) ?? 'UTC').join('  ')}`);
        if (run.runId === options.runId && TERMINAL_STATUSES.includes(run.status)) {
          return run.status === 'succeeded' ? EXIT.ok : EXIT.runDidNotSucceed;
        }
      }
    }
    if (options.timeoutSeconds !== undefined && deps.now().getTime() - started >= options.timeoutSeconds * 1000) {
      if (options.runId !== undefined) {
        output.err(`run ${options.runId} had not ended after ${options.timeoutSeconds} s`);
        return EXIT.unavailable;
      }
      return EXIT.ok;
    }
    await deps.sleep(intervalMs);
  }
}

/** The fields of a job a client writes, in the API's order: what `edit` shows and `get` prints. */
function editableOf(job: Job): Record<string, unknown> {
  const view: Record<string, unknown> = {};
  for (const field of MUTABLE_JOB_FIELDS) if (job[field] !== undefined) view[field] = job[field];
  return view;
}

function readDocument(cwd: string, path: string): unknown {
  let text: string;
  try {
    text = readFileSync(join(cwd, path), 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    // YAML 1.2 is a superset of JSON: one parser reads both.
    return parseYaml(text);
  } catch (error) {
    throw new UsageError(`${path} is neither JSON nor YAML: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseJsonOption(name: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new UsageError(`${name}: not JSON: ${text}`);
  }
}

function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1)
    throw new UsageError(`${name}: expected a whole number of at least 1, got '${text}'`);
  return value;
}

/** A merge patch from a file and/or `--set path=value` / `--unset path` (null removes, per RFC 7396). */
export function buildPatch(
  cwd: string,
  options: { readonly file?: string; readonly set?: readonly string[]; readonly unset?: readonly string[] },
): Record<string, unknown> {
  const patch: Record<string, unknown> =
    options.file !== undefined ? asObject(readDocument(cwd, options.file), options.file) : {};
  const assign = (path: string, value: unknown) => {
    const keys = path.split('.');
    if (keys.some((key) => key === '' || key === '__proto__')) throw new UsageError(`not a field path: '${path}'`);
    let target = patch;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    target[keys.at(-1) ?? path] = value;
  };
  for (const entry of options.set ?? []) {
    const at = entry.indexOf('=');
    if (at <= 0) throw new UsageError(`--set expects path=value, got '${entry}'`);
    const raw = entry.slice(at + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: the text itself.
    }
    assign(entry.slice(0, at), value);
  }
  for (const path of options.unset ?? []) assign(path, null);
  if (Object.keys(patch).length === 0) throw new UsageError('nothing to patch: give -f FILE, --set or --unset');
  return patch;
}

function asObject(value: unknown, where: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new UsageError(`${where}: a merge patch must be an object`);
  }
  return value as Record<string, unknown>;
}

function errorJson(error: unknown): Record<string, unknown> {
  if (error instanceof SkedApiError) {
    return {
      error: error.name,
      message: error.message,
      status: error.status,
      type: error.type,
      issues: error.issues,
      ...(error.requestId !== undefined && { requestId: error.requestId }),
    };
  }
  return {
    error: error instanceof Error ? error.name : 'Error',
    message: error instanceof Error ? error.message : String(error),
  };
}
