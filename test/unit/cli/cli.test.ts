import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ConsoleDeps } from '../../../cli/console/command';
import { EXIT } from '../../../cli/exit-codes';
import { buildPatch, runCli, type CliDeps } from '../../../cli/program';
import { createSkedClient } from '../../../lib/client';
import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { makeApiHandler } from '../../../lib/handlers/api-handler';
import { buildOpenApiDocument } from '../../../lib/openapi';
import { apiEvent, lambdaContext, type RequestSpec } from '../../support/fakes/api-gateway-event';
import { apiClient } from '../../support/fakes/api-handler';
import {
  exhaustedNote,
  fakeDeadLetterDeps,
  putJobs,
  putRun,
  scheduleEnvelope,
  workerCopyAttributes,
} from '../../support/fakes/dead-letter-world';
import { fakeJobsDeps, type FakeJobsDeps } from '../../support/fakes/jobs-deps';

/** These tests start no console. */
const UNUSED_CONSOLE: ConsoleDeps = {
  authenticate: () => () => Promise.reject(new Error('no console here')),
  assets: () => Promise.reject(new Error('no console here')),
  openBrowser: () => Promise.reject(new Error('no console here')),
  untilStopped: () => Promise.reject(new Error('no console here')),
};

const BASE_URL = 'https://abc123.execute-api.us-east-1.amazonaws.com/prod';

/** The CLI over the real API handler and fake deps: every request goes through routing, validation and problems. */
function cli(
  deps: FakeJobsDeps = fakeJobsDeps(),
  overrides: Partial<CliDeps> = {},
  call: (spec: RequestSpec) => Promise<APIGatewayProxyResult> = apiClient(deps),
) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const cwd = mkdtempSync(join(tmpdir(), 'sked-cli-test-'));
  const fetch = async (input: URL, init: RequestInit): Promise<Response> => {
    const url = new URL(input);
    const headers = Object.fromEntries(Object.entries((init.headers ?? {}) as Record<string, string>));
    const answer = await call({
      method: init.method ?? 'GET',
      path: url.pathname.replace(/^\/prod/, ''),
      headers,
      ...(typeof init.body === 'string' && { body: init.body }),
      ...(url.search !== '' && { query: Object.fromEntries(url.searchParams) }),
    });
    return new Response(answer.statusCode === 204 ? null : answer.body, {
      status: answer.statusCode,
      headers: answer.headers as Record<string, string>,
    });
  };
  const cliDeps: CliDeps = {
    env: { TZ: 'Europe/Paris' },
    cwd,
    stdout: (text) => stdout.push(text),
    stderr: (text) => stderr.push(text),
    isTty: false,
    readOutputs: () => Promise.resolve({ ApiId: 'abc123', ApiStage: 'prod' }),
    connect: (target) =>
      createSkedClient({
        baseUrl: target.baseUrl,
        region: target.region,
        auth: { kind: 'iam', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
        fetch,
        retry: { attempts: 1 },
      }),
    sleep: () => Promise.resolve(),
    now: () => new Date('2030-01-01T00:00:00Z'),
    editFile: () => Promise.resolve(),
    console: UNUSED_CONSOLE,
    ...overrides,
  };
  const run = async (...argv: string[]) => {
    stdout.length = 0;
    stderr.length = 0;
    const code = await runCli(['--api', BASE_URL, ...argv], cliDeps);
    return { code, out: stdout.join('\n'), err: stderr.join('\n') };
  };
  const file = (name: string, text: string) => writeFileSync(join(cwd, name), text);
  return { run, file, deps, cwd, dispose: () => rmSync(cwd, { recursive: true, force: true }) };
}

const JOB_YAML = `
id: nightly
trigger:
  type: cron
  expression: "30 10 * * *"
  timezone: Asia/Shanghai
target:
  type: task
  task: noop
tags: [reports]
`;

describe('the sked command line', () => {
  let h: ReturnType<typeof cli>;
  beforeEach(() => {
    h = cli();
  });
  afterEach(() => h.dispose());

  it('creates a job from YAML, lists it and shows it with its next runs in its zone and the viewer’s', async () => {
    // Prepare
    h.file('job.yaml', JOB_YAML);

    // Act
    const created = await h.run('jobs', 'create', '-f', 'job.yaml');
    const listed = await h.run('jobs', 'ls');
    const shown = await h.run('jobs', 'get', 'nightly');

    // Assess
    expect(created).toMatchObject({ code: EXIT.ok, out: expect.stringContaining('created nightly') as unknown });
    expect(listed.out).toMatch(/nightly.*enabled.*cron 30 10 \* \* \*.*Asia\/Shanghai/);
    expect(shown.code).toBe(EXIT.ok);
    expect(shown.out).toContain('next runs (Asia/Shanghai)');
    expect(shown.out).toMatch(/2030-01-01 10:30:00\s+│ 2030-01-01 03:30:00/);
  });

  it('prints JSON that parses with --json', async () => {
    // Prepare
    h.file('job.yaml', JOB_YAML);
    await h.run('jobs', 'create', '-f', 'job.yaml');

    // Act
    const listed = await h.run('jobs', 'ls', '--json');
    const shown = await h.run('jobs', 'get', 'nightly', '--json');

    // Assess
    expect((JSON.parse(listed.out) as { id: string }[]).map((job) => job.id)).toEqual(['nightly']);
    expect(JSON.parse(shown.out)).toMatchObject({
      id: 'nightly',
      etag: '"nightly.v1"',
      nextRuns: expect.any(Array) as unknown,
    });
  });

  it('refuses an invalid job with exit 4 and shows each field path with what was wrong', async () => {
    // Prepare
    h.file(
      'bad.json',
      JSON.stringify({ trigger: { type: 'cron', expression: '61 * * * *' }, target: { type: 'task', task: 'nope' } }),
    );

    // Act
    const result = await h.run('jobs', 'create', '-f', 'bad.json');

    // Assess
    expect(result.code).toBe(EXIT.invalid);
    expect(result.err).toMatch(/400/);
    expect(result.err).toMatch(/trigger\.expression: /);
    expect(result.err).toMatch(/target\.task: unknown task 'nope'/);
    expect(h.deps.store.jobs.size).toBe(0);
  });

  it('pauses with a reason, resumes, runs now, and deletes, each with exit 0', async () => {
    // Prepare
    h.file('job.yaml', JOB_YAML);
    await h.run('jobs', 'create', '-f', 'job.yaml');

    // Act
    const paused = await h.run('jobs', 'pause', 'nightly', '--reason', 'billing freeze');
    const stateWhilePaused = h.deps.store.jobs.get('nightly')?.paused?.reason;
    const resumed = await h.run('jobs', 'resume', 'nightly');
    const ran = await h.run('jobs', 'run', 'nightly', '--json');
    const removed = await h.run('jobs', 'rm', 'nightly');
    const gone = await h.run('jobs', 'get', 'nightly');

    // Assess
    expect([paused.code, resumed.code, ran.code, removed.code]).toEqual([0, 0, 0, 0]);
    expect(stateWhilePaused).toBe('billing freeze');
    expect(JSON.parse(ran.out)).toMatchObject({ runId: expect.stringMatching(/^\d{8}T\d{6}Z-m/) as unknown });
    expect(h.deps.queue.sent.some((envelope) => envelope.kind === 'manual')).toBe(true);
    expect(gone.code).toBe(EXIT.notFound);
  });

  it('shows the conflict and exits 5 when a patch carries a stale ETag', async () => {
    // Prepare
    h.file('job.yaml', JOB_YAML);
    await h.run('jobs', 'create', '-f', 'job.yaml');
    await h.run('jobs', 'patch', 'nightly', '--set', 'name=Nightly report');

    // Act
    const stale = await h.run(
      'jobs',
      'patch',
      'nightly',
      '--set',
      'misfireGraceSeconds=60',
      '--if-match',
      '"nightly.v1"',
    );

    // Assess
    expect(stale.code).toBe(EXIT.conflict);
    expect(stale.err).toMatch(/412/);
    expect(stale.err).toContain('the job changed since the ETag you gave was read');
    expect(h.deps.store.jobs.get('nightly')).toMatchObject({ version: 2, misfireGraceSeconds: 300 });
  });

  it('saves an edit with the ETag it was read at', async () => {
    // Prepare
    h.file('job.yaml', JOB_YAML);
    await h.run('jobs', 'create', '-f', 'job.yaml');
    const edited = cli(h.deps, {
      editFile: (path) => {
        writeFileSync(path, JOB_YAML.replace('30 10 * * *', '0 8 * * MON-FRI'));
        return Promise.resolve();
      },
    });

    // Act
    const result = await edited.run('jobs', 'edit', 'nightly');
    edited.dispose();

    // Assess
    expect(result).toMatchObject({ code: EXIT.ok, out: 'saved nightly (version 2)' });
    expect(h.deps.store.jobs.get('nightly')?.trigger).toMatchObject({ expression: '0 8 * * MON-FRI' });
  });

  it('previews a Quartz trigger with seconds in its zone and the viewer’s', async () => {
    // Act
    const result = await h.run('preview', '*/10 * * * * ?', '--tz', 'Asia/Shanghai', '--count', '2');

    // Assess
    expect(result.code).toBe(EXIT.ok);
    expect(result.out).toContain('second precision; schedule cron(0/5 * * * ? *) (UTC)');
    expect(result.out).toMatch(/2030-01-01 08:00:00\s+│ 2030-01-01 01:00:00\s+│ 2030-01-01T00:00:00.000Z/);
    expect(result.out).toContain('2030-01-01 08:00:10');
  });

  it('watches a run until it ends, exiting 0 when it succeeded and 9 when not', async () => {
    // Prepare: the ledger says the run-now run succeeded / failed
    h.file('job.yaml', JOB_YAML);
    await h.run('jobs', 'create', '-f', 'job.yaml');
    const seed = (runId: string, status: 'succeeded' | 'failed') =>
      h.deps.runs.seed({
        jobId: 'nightly',
        runId,
        scheduledTime: '2030-01-01T00:00:00.000Z',
        kind: 'manual',
        status,
        attempts: 1,
        startedAt: '2030-01-01T00:00:00.500Z',
      });
    seed('20300101T000000Z-mok', 'succeeded');
    seed('20300101T000000Z-mbad', 'failed');

    // Act
    const ok = await h.run('runs', 'watch', 'nightly', '--run', '20300101T000000Z-mok');
    const bad = await h.run('runs', 'watch', 'nightly', '--run', '20300101T000000Z-mbad');

    // Assess
    expect(ok.code).toBe(EXIT.ok);
    expect(ok.out).toMatch(/20300101T000000Z-mok.*succeeded.*0\.5 s/);
    expect(bad.code).toBe(EXIT.runDidNotSucceed);
  });

  it('answers an unknown command or option with exit 2 and help, and --help with exit 0', async () => {
    // Act
    const unknown = await h.run('jobs', 'frobnicate');
    const badOption = await h.run('jobs', 'ls', '--colour');
    const help = await h.run('jobs', 'patch', '--help');

    // Assess
    expect([unknown.code, badOption.code, help.code]).toEqual([EXIT.usage, EXIT.usage, EXIT.ok]);
    expect(help.out).toContain('--set trigger.hour=7');
  });

  it('finds the API of a stage from its stack outputs', async () => {
    // Prepare
    const seen: string[] = [];
    const staged = cli(fakeJobsDeps(), {
      readOutputs: (stackName) => {
        seen.push(stackName);
        return Promise.resolve({ ApiId: 'abc123', ApiStage: 'prod' });
      },
    });

    // Act
    const result = await runCli(['--stage', 'payments', 'tasks', '--json'], {
      env: {},
      cwd: staged.cwd,
      stdout: () => undefined,
      stderr: () => undefined,
      isTty: false,
      readOutputs: (stackName) => {
        seen.push(stackName);
        return Promise.resolve(undefined);
      },
      connect: () => {
        throw new Error('not reached');
      },
      sleep: () => Promise.resolve(),
      now: () => new Date(),
      editFile: () => Promise.resolve(),
      console: UNUSED_CONSOLE,
    });
    staged.dispose();

    // Assess: the stage has no stack, which is a usage error naming it
    expect(result).toBe(EXIT.usage);
    expect(seen).toEqual(['Sked-payments-Stateless']);
  });
});

const DECLARATIONS = `
jobs:
  - id: report
    trigger: { type: cron, expression: "0 3 * * *" }
    target: { type: task, task: noop }
    retry: { maxAttempts: 3 }
  - id: cleanup
    trigger: { type: interval, hours: 6 }
    target: { type: task, task: noop }
  - id: ping
    trigger: { type: interval, seconds: 30 }
    target: { type: task, task: noop }
`;

describe('sked apply', () => {
  let h: ReturnType<typeof cli>;
  beforeEach(() => {
    h = cli();
    h.file('sked.schedules.yaml', DECLARATIONS);
  });
  afterEach(() => h.dispose());

  it('prints the plan of a dry run and exits 8, then creates the three jobs marked as declared', async () => {
    // Act
    const dry = await h.run('apply', '-f', 'sked.schedules.yaml', '--dry-run');
    const storedAfterDryRun = h.deps.store.jobs.size;
    const applied = await h.run('apply', '-f', 'sked.schedules.yaml');

    // Assess
    expect(dry.code).toBe(EXIT.changes);
    expect(dry.out).toContain('+ cleanup  (create)');
    expect(dry.out).toContain('3 to create, 0 to update, 0 to delete, 0 unchanged');
    expect(storedAfterDryRun).toBe(0);
    expect(applied.code).toBe(EXIT.ok);
    expect([...h.deps.store.jobs.values()].map((job) => [job.id, job.managedBy?.source])).toEqual(
      expect.arrayContaining([
        ['report', 'sked.schedules.yaml'],
        ['cleanup', 'sked.schedules.yaml'],
        ['ping', 'sked.schedules.yaml'],
      ]),
    );
  });

  it('makes no write when the file is unchanged, and shows a one-field diff after an edit', async () => {
    // Prepare
    await h.run('apply', '-f', 'sked.schedules.yaml');
    const versions = () => Object.fromEntries([...h.deps.store.jobs.values()].map((job) => [job.id, job.version]));
    const before = versions();

    // Act
    const again = await h.run('apply', '-f', 'sked.schedules.yaml', '--dry-run');
    h.file('sked.schedules.yaml', DECLARATIONS.replace('maxAttempts: 3', 'maxAttempts: 5'));
    const edited = await h.run('apply', '-f', 'sked.schedules.yaml');

    // Assess
    expect(again.code).toBe(EXIT.ok);
    expect(again.out).toContain('0 to create, 0 to update, 0 to delete, 3 unchanged');
    expect(edited.out).toContain('~ report  (update)');
    expect(edited.out).toContain('retry.maxAttempts: 3 → 5');
    expect(edited.out.match(/→/g)).toHaveLength(1);
    expect(versions()).toEqual({ ...before, report: 2 });
  });

  it('deletes a job removed from the file only with --prune, and never a job registered through the API', async () => {
    // Prepare
    await h.run('apply', '-f', 'sked.schedules.yaml');
    h.file('dynamic.yaml', JOB_YAML);
    await h.run('jobs', 'create', '-f', 'dynamic.yaml');
    h.file('sked.schedules.yaml', DECLARATIONS.split('  - id: ping')[0] ?? '');

    // Act
    const kept = await h.run('apply', '-f', 'sked.schedules.yaml');
    const pruned = await h.run('apply', '-f', 'sked.schedules.yaml', '--prune');

    // Assess
    expect(kept.out).toContain('? ping  (no longer declared; kept: --prune deletes it)');
    expect(pruned.out).toContain('- ping  (delete: no longer declared)');
    expect([...h.deps.store.jobs.keys()].sort()).toEqual(['cleanup', 'nightly', 'report']);
  });

  it('refuses a PATCH of a declared job without force, showing the problem and exiting 5', async () => {
    // Prepare
    await h.run('apply', '-f', 'sked.schedules.yaml');

    // Act
    const refused = await h.run('jobs', 'patch', 'report', '--set', 'misfireGraceSeconds=60');

    // Assess
    expect(refused.code).toBe(EXIT.conflict);
    expect(refused.err).toContain('409 The job is declared in code');
    expect(refused.err).toContain('sked.schedules.yaml');
  });

  it('refuses an invalid declaration file with exit 4, naming the job and field', async () => {
    // Prepare
    h.file(
      'bad.yaml',
      'jobs:\n  - trigger: { type: cron, expression: "0 3 * * *" }\n    target: { type: task, task: noop }\n',
    );

    // Act
    const result = await h.run('apply', '-f', 'bad.yaml');

    // Assess
    expect(result.code).toBe(EXIT.invalid);
    expect(result.err).toContain('jobs.0.id');
  });
});

describe('sked dlq', () => {
  it('lists copies with their error and standing, redrives the fixed job’s and purges the stale one', async () => {
    // Prepare: two exhausted copies; the run of 'done' succeeded since
    const dlq = fakeDeadLetterDeps();
    const at = new Date('2030-01-01T09:00:00Z');
    putJobs(dlq.jobs, 'fixed', 'done');
    const copy = async (jobId: string) =>
      dlq.deadLetters.put('jobs', scheduleEnvelope(jobId, at), await workerCopyAttributes(exhaustedNote(jobId, at)));
    const fresh = await copy('fixed');
    const stale = await copy('done');
    putRun(dlq.runs, { jobId: 'done', runId: '20300101T090000Z', status: 'succeeded' });
    const handler = makeApiHandler({
      deps: fakeJobsDeps(),
      logger: new Logger({ serviceName: 'sked-cli-test', logLevel: 'SILENT' }),
      openApiDocument: buildOpenApiDocument,
      deadLetters: dlq,
    });
    const h = cli(fakeJobsDeps(), {}, (spec) => handler(apiEvent(spec), lambdaContext()));

    // Act
    const listed = await h.run('dlq', 'ls', '--queue', 'jobs');
    const asJson = await h.run('dlq', 'ls', '--json');
    const redriven = await h.run('dlq', 'redrive', '--job', 'fixed');
    const purged = await h.run('dlq', 'purge', stale);
    h.dispose();

    // Assess
    expect(listed.code).toBe(EXIT.ok);
    expect(listed.out).toMatch(new RegExp(`${fresh}.*fixed.*exhausted.*redrivable`));
    expect(listed.out).toMatch(new RegExp(`${stale}.*done.*stale \\(succeeded\\)`));
    expect((JSON.parse(asJson.out) as { items: unknown[] }).items).toHaveLength(2);
    expect(redriven).toMatchObject({ code: EXIT.ok, out: expect.stringContaining(`moved   ${fresh}`) as unknown });
    expect(purged).toMatchObject({ code: EXIT.ok, out: expect.stringContaining(`deleted ${stale}`) as unknown });
    expect(dlq.deadLetters.ids('jobs')).toEqual([]);
  });
});

describe('buildPatch', () => {
  it('builds a merge patch from --set paths (JSON values when they parse) and --unset', () => {
    // Act
    const patch = buildPatch('/', {
      set: ['trigger.hour=7', 'name=Nightly report', 'tags=["a","b"]'],
      unset: ['description'],
    });

    // Assess
    expect(patch).toEqual({ trigger: { hour: 7 }, name: 'Nightly report', tags: ['a', 'b'], description: null });
  });

  it('refuses an empty patch and a path through __proto__', () => {
    // Act / Assess
    expect(() => buildPatch('/', {})).toThrow(/nothing to patch/);
    expect(() => buildPatch('/', { set: ['__proto__.x=1'] })).toThrow(/not a field path/);
  });
});
