import { randomUUID } from 'node:crypto';
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
  type Message,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterList, Job, JobDetail, RedriveResult, Run, RunNowResponse } from '../../lib/client';
import { guardedClient } from '../support/aws-clients';
import { awsStage } from '../support/e2e/aws-stage';
import { sideEffectsByRun, skedCli, type CliResult, type SkedCli } from '../support/e2e/cli';
import { deploySked, destroySked, type LocalSked } from '../support/e2e/deployment';
import { eventually } from '../support/e2e/eventually';

/**
 * The `sked` command line as a user runs it, against sked deployed under a stage of its own: every step spawns
 * `node bin/sked.mjs --stage <stage> ...` and reads what it printed and its exit code (README, "The sked command
 * line"). Jobs, runs and the DLQ are read back through the command line too; only the history check reads the test
 * task's side effects from the runs table, and the stale DLQ copy is put back with SQS, as a redrive that sent a copy
 * and could not delete it leaves one.
 */
const onAws = awsStage();
const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const stage = onAws ?? `local-cli${randomUUID().slice(0, 8)}`;
/** Job ids unique to this run, so that a stage shared with other files (on AWS) holds no job of the same id. */
const suffix = randomUUID().slice(0, 6);
const idOf = (name: string) => `cli-${name}-${suffix}`;
/** A trigger that does not fire while the file runs: every run here is started with `sked jobs run`. */
const YEARLY = "{ type: cron, expression: '0 0 1 1 *' }";

/** The message an assertion fails with: the command and everything it printed. */
const shown = (result: CliResult) =>
  `${result.command} exited ${result.code}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;

describe('the sked command line against a deployed stage', () => {
  const sqs = guardedClient(SQSClient);
  let sked: LocalSked;
  let cli: SkedCli;

  const getJob = (id: string) => cli.json<JobDetail & { etag: string }>('jobs', 'get', id);
  const versions = async (ids: readonly string[]) => {
    const jobs = await cli.json<Job[]>('jobs', 'ls');
    return Object.fromEntries(ids.map((id) => [id, jobs.find((job) => job.id === id)?.version]));
  };
  const runsOf = (jobId: string) => cli.json<Run[]>('runs', 'ls', jobId, '--limit', '50');
  const deadLettersOf = (jobId: string) => cli.json<DeadLetterList>('dlq', 'ls', '--job', jobId);

  beforeAll(async () => {
    // Prepare: the stage (test tasks on, as every throwaway stage) and a working directory for the job files
    sked = await deploySked(stage, endpoint);
    cli = skedCli(stage, onAws === undefined ? endpoint : undefined);
  }, 300_000);

  afterAll(async () => {
    cli?.dispose();
    await destroySked(stage, endpoint).catch((error: unknown) => console.error(error));
  }, 300_000);

  describe('jobs', () => {
    const job = idOf('basic');

    it('creates a job from a YAML file and lists it, as a table and as JSON', async () => {
      // Prepare
      cli.file(
        'job.yaml',
        [
          `id: ${job}`,
          'description: made from a file',
          `trigger: ${YEARLY}`,
          "target: { type: task, task: test.record-side-effect, payload: { note: 'from the cli' } }",
          'tags: [cli]',
        ].join('\n'),
      );

      // Act
      const created = await cli.run('jobs', 'create', '-f', 'job.yaml');
      const table = await cli.run('jobs', 'ls', '--tag', 'cli');
      const listed = await cli.run('jobs', 'ls', '--json');

      // Assess
      expect(created.code, shown(created)).toBe(0);
      expect(created.stdout).toContain(`created ${job} (version 1`);
      expect(table.code, shown(table)).toBe(0);
      expect(table.stdout).toMatch(new RegExp(`│ ${job}\\s+│ default\\s+│ enabled\\s+│ cron 0 0 1 1 \\*`));
      expect(listed.code, shown(listed)).toBe(0);
      const jobs = JSON.parse(listed.stdout) as Job[];
      expect(jobs.find((each) => each.id === job)).toMatchObject({
        id: job,
        state: 'enabled',
        description: 'made from a file',
        target: { type: 'task', task: 'test.record-side-effect', payload: { note: 'from the cli' } },
        tags: ['cli'],
        version: 1,
      });
    });

    it('pauses a job with a reason, which jobs get shows, and resumes it', async () => {
      // Act
      const paused = await cli.run('jobs', 'pause', job, '--reason', 'billing freeze until Monday');
      const whilePaused = await getJob(job);
      const human = await cli.run('jobs', 'get', job);
      const resumed = await cli.run('jobs', 'resume', job);
      const afterResume = await getJob(job);

      // Assess
      expect(paused.code, shown(paused)).toBe(0);
      expect(paused.stdout).toContain(`paused ${job}: billing freeze until Monday`);
      expect(whilePaused).toMatchObject({ state: 'paused', paused: { reason: 'billing freeze until Monday' } });
      expect(human.stdout).toMatch(/paused \S+ by \S+: billing freeze until Monday/);
      expect(resumed.code, shown(resumed)).toBe(0);
      expect(afterResume.state).toBe('enabled');
      expect(afterResume.paused).toBeUndefined();
    });

    it('runs a job now and waits for the run: it succeeds, exit 0', async () => {
      // Act
      const result = await cli.run('jobs', 'run', job, '--wait', '--timeout', '90');

      // Assess: stderr names the run queued, stdout its outcome line
      expect(result.code, shown(result)).toBe(0);
      const runId = /queued run (\S+) of/.exec(result.stderr)?.[1];
      expect(runId, result.stderr).toBeDefined();
      expect(result.stdout).toMatch(new RegExp(`${runId}\\s.*succeeded`));
      const run = await cli.json<Run>('runs', 'get', job, runId ?? '');
      expect(run).toMatchObject({ runId, kind: 'manual', status: 'succeeded', attempts: 1 });
    }, 120_000);

    it('refuses a patch at a stale ETag: exit 5, the conflict on stderr, the job unchanged', async () => {
      // Prepare: the ETag as read, then a change that makes it stale
      const { etag: stale, version } = await getJob(job);
      const moved = await cli.run('jobs', 'patch', job, '--set', 'description=changed once', '--if-match', stale);
      expect(moved.code, shown(moved)).toBe(0);

      // Act
      const refused = await cli.run('jobs', 'patch', job, '--set', 'description=changed twice', '--if-match', stale);

      // Assess
      expect(refused.code, shown(refused)).toBe(5);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toContain('error: 412');
      expect(refused.stderr).toContain('header.If-Match: does not match the current ETag');
      expect(refused.stderr).toContain('sked jobs get ID');
      expect(await getJob(job)).toMatchObject({ description: 'changed once', version: version + 1 });
    });

    it('deletes a job; jobs get then exits 3', async () => {
      // Act
      const deleted = await cli.run('jobs', 'rm', job);
      const gone = await cli.run('jobs', 'get', job);

      // Assess
      expect(deleted.code, shown(deleted)).toBe(0);
      expect(deleted.stdout).toContain(`deleted ${job}`);
      expect(gone.code, shown(gone)).toBe(3);
      expect(gone.stderr).toContain('error: 404');
    });

    it('refuses an invalid job file: exit 4, naming the field', async () => {
      // Prepare
      cli.file(
        'invalid.yaml',
        [
          `id: ${idOf('invalid')}`,
          `trigger: ${YEARLY}`,
          'target: { type: task, task: test.record-side-effect, payload: {} }',
          'retry: { maxAttempts: 0 }',
        ].join('\n'),
      );

      // Act
      const refused = await cli.run('jobs', 'create', '-f', 'invalid.yaml');
      const absent = await cli.run('jobs', 'get', idOf('invalid'));

      // Assess
      expect(refused.code, shown(refused)).toBe(4);
      expect(refused.stderr).toContain('error: 400');
      expect(refused.stderr).toMatch(/retry\.maxAttempts: .*>=1/);
      expect(absent.code, shown(absent)).toBe(3);
    });
  });

  describe('sked apply', () => {
    const [a, b, c] = [idOf('decl-a'), idOf('decl-b'), idOf('decl-c')];
    const registered = idOf('registered');
    const declaration = (options: { readonly maxAttempts: number; readonly withC: boolean }) =>
      [
        'jobs:',
        ...[a, b, ...(options.withC ? [c] : [])].flatMap((id) => [
          `  - id: ${id}`,
          `    trigger: ${YEARLY}`,
          `    target: { type: task, task: test.record-side-effect, payload: { note: ${id} } }`,
          ...(id === b ? [`    retry: { maxAttempts: ${options.maxAttempts} }`] : []),
        ]),
      ].join('\n');

    it('prints the plan of a file of 3 jobs with --dry-run (exit 8) and writes nothing', async () => {
      // Prepare
      cli.file('sked.schedules.yaml', declaration({ maxAttempts: 3, withC: true }));

      // Act
      const planned = await cli.run('apply', '-f', 'sked.schedules.yaml', '--dry-run');

      // Assess
      expect(planned.code, shown(planned)).toBe(8);
      expect(planned.stdout).toContain('plan for sked.schedules.yaml:');
      for (const id of [a, b, c]) expect(planned.stdout).toContain(`  + ${id}  (create)`);
      expect(planned.stdout).toContain('3 to create, 0 to update, 0 to delete, 0 unchanged');
      expect(await versions([a, b, c])).toEqual({ [a]: undefined, [b]: undefined, [c]: undefined });
    });

    it('creates the 3 jobs, marked as declared in the file', async () => {
      // Act
      const applied = await cli.run('apply', '-f', 'sked.schedules.yaml');

      // Assess
      expect(applied.code, shown(applied)).toBe(0);
      expect(applied.stdout).toContain('applied: 3 written, 0 failed');
      expect(await versions([a, b, c])).toEqual({ [a]: 1, [b]: 1, [c]: 1 });
      expect((await getJob(b)).managedBy).toMatchObject({ source: 'sked.schedules.yaml' });
    });

    it('shows a one-field diff after one field is edited, and writes only that job', async () => {
      // Prepare
      cli.file('sked.schedules.yaml', declaration({ maxAttempts: 5, withC: true }));

      // Act
      const planned = await cli.run('apply', '-f', 'sked.schedules.yaml', '--dry-run');
      const applied = await cli.run('--json', 'apply', '-f', 'sked.schedules.yaml');

      // Assess: one update, one change line in it
      expect(planned.code, shown(planned)).toBe(8);
      expect(planned.stdout.split('\n')).toEqual([
        'plan for sked.schedules.yaml:',
        `  ~ ${b}  (update)`,
        '      retry.maxAttempts: 3 → 5',
        '0 to create, 1 to update, 0 to delete, 2 unchanged',
        '',
      ]);
      expect(applied.code, shown(applied)).toBe(0);
      expect(JSON.parse(applied.stdout)).toMatchObject({ applied: true, written: [b], failed: [] });
      expect(await versions([a, b, c])).toEqual({ [a]: 1, [b]: 2, [c]: 1 });
      expect((await getJob(b)).retry.maxAttempts).toBe(5);
    });

    it('makes no write when the file is applied again unchanged', async () => {
      // Act
      const applied = await cli.run('--json', 'apply', '-f', 'sked.schedules.yaml');

      // Assess
      expect(applied.code, shown(applied)).toBe(0);
      const result = JSON.parse(applied.stdout) as { written: string[]; plan: { id: string; action: string }[] };
      expect(result.written).toEqual([]);
      expect(result.plan.map((entry) => entry.action)).toEqual(['unchanged', 'unchanged', 'unchanged']);
      expect(await versions([a, b, c])).toEqual({ [a]: 1, [b]: 2, [c]: 1 });
    });

    it('refuses jobs patch of a declared job without force: exit 5, "declared in code"', async () => {
      // Act
      const refused = await cli.run('jobs', 'patch', a, '--set', 'description=by hand');

      // Assess
      expect(refused.code, shown(refused)).toBe(5);
      expect(refused.stderr).toContain('error: 409');
      expect(refused.stderr).toContain(`job ${a} is declared in code (sked.schedules.yaml)`);
      expect((await getJob(a)).version).toBe(1);
    });

    it('keeps a job removed from the file until --prune deletes it, and never touches a job from jobs create', async () => {
      // Prepare: a job registered through the API, and the file without c
      cli.file(
        'registered.yaml',
        [
          `id: ${registered}`,
          `trigger: ${YEARLY}`,
          'target: { type: task, task: test.sleep, payload: { ms: 0 } }',
        ].join('\n'),
      );
      const created = await cli.run('jobs', 'create', '-f', 'registered.yaml');
      expect(created.code, shown(created)).toBe(0);
      cli.file('sked.schedules.yaml', declaration({ maxAttempts: 5, withC: false }));

      // Act
      const kept = await cli.run('apply', '-f', 'sked.schedules.yaml');
      const pruned = await cli.run('apply', '-f', 'sked.schedules.yaml', '--prune');

      // Assess
      expect(kept.code, shown(kept)).toBe(0);
      expect(kept.stdout).toContain(`  ? ${c}  (no longer declared; kept: --prune deletes it)`);
      expect(kept.stdout).toContain('applied: 0 written, 0 failed');
      expect(pruned.code, shown(pruned)).toBe(0);
      expect(pruned.stdout).toContain(`  - ${c}  (delete: no longer declared)`);
      expect(pruned.stdout).toContain('0 to create, 0 to update, 1 to delete, 2 unchanged');
      expect(pruned.stdout).not.toContain(registered);
      const gone = await cli.run('jobs', 'get', c);
      expect(gone.code, shown(gone)).toBe(3);
      expect(await versions([a, b, c, registered])).toEqual({ [a]: 1, [b]: 2, [c]: undefined, [registered]: 1 });
      expect((await getJob(registered)).managedBy).toBeUndefined();
    });
  });

  describe('sked dlq', () => {
    const job = idOf('dlq');
    let runId: string;
    /** The DLQ copy as SQS held it before the redrive: what a redrive that could not delete it leaves behind. */
    let copy: Message;

    it('lists the DLQ copy of a run that failed its only attempt, with its error', async () => {
      // Prepare: a task that fails its first 100 attempts, one attempt allowed
      cli.file(
        'dlq.yaml',
        [
          `id: ${job}`,
          `trigger: ${YEARLY}`,
          "target: { type: task, task: test.record-side-effect, payload: { failures: 100, note: 'redriven' } }",
          'retry: { maxAttempts: 1 }',
        ].join('\n'),
      );
      const created = await cli.run('jobs', 'create', '-f', 'dlq.yaml');
      expect(created.code, shown(created)).toBe(0);

      // Act: run it now, and watch that run until it ends
      ({ runId } = await cli.json<RunNowResponse>('jobs', 'run', job));
      const watched = await cli.run('runs', 'watch', job, '--run', runId, '--timeout', '90', '--interval', '1');
      const listed = await eventually(
        () => deadLettersOf(job),
        (list) => list.items.length > 0,
        { timeoutMs: 60_000, intervalMs: 2_000 },
      );
      const table = await cli.run('dlq', 'ls', '--job', job);

      // Assess
      expect(watched.code, shown(watched)).toBe(9);
      expect(watched.stdout).toMatch(new RegExp(`${runId}\\s.*failed.*planned failure 1 of 100`));
      expect(listed.items).toEqual([
        expect.objectContaining({
          queue: 'jobs',
          jobId: job,
          runId,
          reason: 'exhausted',
          errorCategory: 'task_exception',
          error: { class: 'Error', message: 'planned failure 1 of 100' },
          attempts: 1,
          redrives: 0,
          runStatus: 'failed',
          stale: false,
        }),
      ]);
      expect(table.code, shown(table)).toBe(0);
      expect(table.stdout).toMatch(
        new RegExp(`${runId}.*exhausted.*task_exception Error: planned failure 1 of 100.*redrivable`),
      );
    }, 180_000);

    it('redrives the copy once the job is fixed: the run succeeds, once, with one side effect', async () => {
      // Prepare: keep the copy as SQS holds it (for the next test), then fix the job's payload
      const messageId = (await deadLettersOf(job)).items[0]?.messageId;
      copy = await eventually(
        async () => {
          const { Messages = [] } = await sqs.send(
            new ReceiveMessageCommand({
              QueueUrl: sked.outputs.JobsDlqUrl,
              MaxNumberOfMessages: 10,
              WaitTimeSeconds: 1,
              VisibilityTimeout: 30,
              MessageAttributeNames: ['All'],
            }),
          );
          for (const message of Messages) {
            await sqs.send(
              new ChangeMessageVisibilityCommand({
                QueueUrl: sked.outputs.JobsDlqUrl,
                ReceiptHandle: message.ReceiptHandle,
                VisibilityTimeout: 0,
              }),
            );
          }
          return Messages.find((message) => message.MessageId === messageId);
        },
        (found) => found !== undefined,
        { timeoutMs: 30_000, intervalMs: 1_000 },
      ).then((found) => found as Message);
      const fixed = await cli.run('jobs', 'patch', job, '--set', 'target.payload.failures=0');
      expect(fixed.code, shown(fixed)).toBe(0);

      // Act
      const redriven = await cli.json<RedriveResult>('dlq', 'redrive', '--job', job);
      const runs = await eventually(
        () => runsOf(job),
        (all) => all.some((run) => run.status === 'succeeded'),
        { timeoutMs: 90_000, intervalMs: 2_000 },
      );

      // Assess: one run, one terminal outcome (succeeded, on its redrive), one side effect; the DLQ is empty
      expect(redriven.moved).toEqual([expect.objectContaining({ messageId, jobId: job, runId })]);
      expect(redriven).toMatchObject({ skippedStale: [], failed: [], remaining: 0 });
      expect(runs).toEqual([expect.objectContaining({ runId, status: 'succeeded', redrives: 1 })]);
      expect(await sideEffectsByRun(sked, job)).toEqual(new Map([[runId, 1]]));
      expect((await deadLettersOf(job)).items).toEqual([]);
    }, 180_000);

    it('lists a copy of a run that succeeded since as stale, and a redrive leaves it and runs nothing', async () => {
      // Prepare: the copy back in the DLQ, as a redrive that sent it and could not delete it would leave it
      await sqs.send(
        new SendMessageCommand({
          QueueUrl: sked.outputs.JobsDlqUrl,
          MessageBody: copy.Body,
          MessageAttributes: copy.MessageAttributes,
        }),
      );
      const listed = await eventually(
        () => deadLettersOf(job),
        (list) => list.items.length > 0,
        { timeoutMs: 30_000, intervalMs: 1_000 },
      );
      const staleId = listed.items[0]?.messageId ?? '';

      // Act
      const table = await cli.run('dlq', 'ls', '--job', job);
      const redriven = await cli.json<RedriveResult>('dlq', 'redrive', '--job', job);
      // Time for a run that should not happen to happen
      await new Promise((resolve) => setTimeout(resolve, 10_000));
      const purged = await cli.run('dlq', 'purge', staleId);

      // Assess
      expect(listed.items).toEqual([
        expect.objectContaining({ runId, runStatus: 'succeeded', stale: true, staleReason: 'succeeded' }),
      ]);
      expect(table.stdout).toMatch(new RegExp(`${runId}.*stale \\(succeeded\\)`));
      expect(redriven).toMatchObject({ moved: [], failed: [], remaining: 0 });
      expect(redriven.skippedStale).toEqual([
        expect.objectContaining({ messageId: staleId, runId, staleReason: 'succeeded' }),
      ]);
      expect(await runsOf(job)).toEqual([expect.objectContaining({ runId, status: 'succeeded', redrives: 1 })]);
      expect(await sideEffectsByRun(sked, job)).toEqual(new Map([[runId, 1]]));
      expect(purged.code, shown(purged)).toBe(0);
      expect(purged.stdout).toContain(`deleted ${staleId}`);
    }, 120_000);
  });
});
