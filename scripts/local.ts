/**
 * `npm run local`: sked on the local cloud, end to end.
 *
 * Starts (or reuses) the local cloud, bootstraps and deploys the `local` stage with cdklocal, prints the API endpoint,
 * starts the local-only tooling (scripts/local/local-bridge.ts, and sked's local scheduler and alarm evaluator,
 * scripts/local/local-tooling.ts), registers a job that runs every minute and a date job a minute ahead through
 * API Gateway with sked's typed client (SigV4-signed), and streams their runs as they happen.
 *
 * Ctrl-C, or `npm run local:down` from another terminal, stops what this started: the emulator if it started it,
 * otherwise the stacks it deployed.
 *
 * `npm run local:fire -- --job ID --at TIME` delivers one occurrence of a job of the running session at once, as
 * EventBridge Scheduler would deliver the occurrence scheduled for TIME: for trying misfire, coalescing and outages.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import * as z from 'zod';
import { createSkedClient, type JobInput, type SkedClient } from '../lib/client';
import type { LocalBridge } from '../scripts/local/local-bridge';
import { parseArgs } from 'node:util';
import { startLocalTooling, type LocalTooling } from '../scripts/local/local-tooling';
import { fireScheduleOccurrence } from '../scripts/local/scheduler';
import { signedFetch } from '../scripts/local/signed-fetch';
import { guardedClient } from '../test/support/aws-clients';
import { deploySked, destroySked, readOutputs, startLocalBridge } from '../test/support/e2e/deployment';
import { ensureLocalCloud, localAwsEnv, stopDetached } from './local-cloud';

const STAGE = 'local';
const root = join(fileURLToPath(new URL('.', import.meta.url)), '..');
const sessionFile = join(root, '.local-cloud', 'local-session.json');
const sessionSchema = z.object({ stage: z.string(), endpoint: z.string(), startedEmulator: z.boolean(), pid: z.int() });
type Session = z.infer<typeof sessionSchema>;

function log(line: string): void {
  console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
}

function readSession(): Session | undefined {
  if (!existsSync(sessionFile)) return undefined;
  const parsed = sessionSchema.safeParse(JSON.parse(readFileSync(sessionFile, 'utf8')));
  return parsed.success ? parsed.data : undefined;
}

async function down(session: Session | undefined): Promise<void> {
  if (session === undefined) {
    log('nothing to stop: no `npm run local` session is recorded');
    return;
  }
  if (session.startedEmulator) {
    log(stopDetached() ? 'stopped the local cloud (and the stacks in it)' : 'the local cloud was not running');
  } else {
    log(`destroying the ${session.stage} stacks on ${session.endpoint} (the local cloud was already running before)`);
    Object.assign(process.env, localAwsEnv(session.endpoint));
    await destroySked(session.stage, session.endpoint, { quiet: false });
  }
  rmSync(sessionFile, { force: true });
}

async function registerDemoJobs(client: SkedClient): Promise<string[]> {
  const runAt = new Date(Date.now() + 2 * 60_000);
  runAt.setUTCSeconds(0, 0);
  const jobs: (JobInput & { readonly id: string })[] = [
    {
      id: 'demo-every-minute',
      name: 'Demo: a report every minute',
      trigger: { type: 'cron', expression: '* * * * *' },
      target: { type: 'task', task: 'report.write', payload: { title: 'demo', figures: { answer: 42 } } },
    },
    {
      id: 'demo-date',
      name: 'Demo: once, a minute or two from now',
      trigger: { type: 'date', runAt: runAt.toISOString() },
      target: { type: 'task', task: 'report.write', payload: { title: 'one-off' } },
    },
  ];
  for (const job of jobs) {
    const { created } = await client.putJob(job.id, job);
    log(`registered ${job.id} (${JSON.stringify(job.trigger)}) -> ${created ? 201 : 200}`);
  }
  return jobs.map((job) => job.id);
}

async function streamRuns(client: SkedClient, jobIds: readonly string[], signal: AbortSignal) {
  const seen = new Map<string, string>();
  while (!signal.aborted) {
    for (const jobId of jobIds) {
      // A failed poll (the emulator busy or restarting) is retried on the next round, not the end of the stream.
      const page = await client.listRuns(jobId, { limit: 20 }).catch(() => undefined);
      if (page === undefined) continue;
      for (const run of page.items) {
        const key = `${jobId}/${run.runId}`;
        const line = `${run.status} attempts=${run.attempts}${run.durationMs !== undefined ? ` ${run.durationMs}ms` : ''}${run.reason !== undefined ? ` (${run.reason})` : ''}${run.error !== undefined ? ` ${run.error.class}: ${run.error.message}` : ''}`;
        if (seen.get(key) === line) continue;
        seen.set(key, line);
        log(`run ${jobId} ${run.scheduledTime}: ${line}`);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 5_000));
  }
}

async function up(): Promise<void> {
  const cloud = await ensureLocalCloud({ detached: true });
  Object.assign(process.env, localAwsEnv(cloud.endpoint));
  mkdirSync(join(root, '.local-cloud'), { recursive: true });
  const session: Session = { stage: STAGE, endpoint: cloud.endpoint, startedEmulator: cloud.started, pid: process.pid };
  writeFileSync(sessionFile, `${JSON.stringify(session)}\n`);
  log(cloud.started ? `started the local cloud at ${cloud.endpoint}` : `reusing the local cloud at ${cloud.endpoint}`);
  if (cloud.warning !== undefined) log(`warning: ${cloud.warning}`);

  log('bootstrapping and deploying the local stage (cdklocal) ...');
  const sked = await deploySked(STAGE, cloud.endpoint, { quiet: false });
  log(`API endpoint: ${sked.apiBaseUrl}  (SigV4, service execute-api, test credentials)`);
  log(
    `   on AWS this would be https://${sked.outputs.ApiId}.execute-api.<region>.amazonaws.com/${sked.outputs.ApiStage}`,
  );

  const region = process.env.AWS_REGION ?? 'us-east-1';
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
  const bridgeDeps = {
    endpoint: cloud.endpoint,
    sqs: guardedClient(SQSClient),
    cloudwatch: guardedClient(CloudWatchClient),
    logsFetch: signedFetch({ region, service: 'logs', credentials }),
    log,
  };
  const stopping = new AbortController();
  const stop = () => {
    if (stopping.signal.aborted) return;
    stopping.abort();
    log('stopping ...');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let bridge: LocalBridge | undefined;
  let tooling: LocalTooling | undefined;
  // Whatever ends the session (Ctrl-C, local:down, a failed registration), what it started is stopped.
  try {
    bridge = await startLocalBridge(bridgeDeps, sked);
    tooling = await startLocalTooling({
      endpoint: cloud.endpoint,
      groups: [sked.outputs.ScheduleGroupName],
      alarmNamePrefix: `Sked-${STAGE}-`,
      log,
    });
    log(`started ${tooling.started.join(' and ') || 'no local scheduler or alarm evaluator (both turned off)'}`);
    const client = createSkedClient({ baseUrl: sked.apiBaseUrl, region, auth: { kind: 'iam', credentials } });
    const jobIds = await registerDemoJobs(client);
    log(`streaming runs; fire an occurrence at once with \`npm run local:fire -- --job ID --at TIME\`; Ctrl-C to stop`);
    await streamRuns(client, jobIds, stopping.signal);
  } finally {
    await tooling?.stop();
    await bridge?.stop();
    await down(readSession());
  }
}

/** Delivers one occurrence of a job of the running session for the scheduled time given, now. */
async function fire(args: readonly string[]): Promise<void> {
  const { values } = parseArgs({ args: [...args], options: { job: { type: 'string' }, at: { type: 'string' } } });
  const usage = 'usage: npm run local:fire -- --job ID --at 2030-01-01T09:00:00Z';
  if (values.job === undefined || values.at === undefined) throw new Error(`${usage} (--job and --at are needed)`);
  const at = new Date(values.at);
  if (Number.isNaN(at.getTime())) throw new Error(`${usage} (--at ${values.at} is not an ISO-8601 date-time)`);
  const session = readSession();
  if (session === undefined) throw new Error('no `npm run local` session is recorded: start one first');
  Object.assign(process.env, localAwsEnv(session.endpoint));
  const { ScheduleGroupName: group } = await readOutputs(session.stage);
  // A job's schedule has the job's id as its name.
  const outcome = await fireScheduleOccurrence({ endpoint: session.endpoint, group, schedule: values.job, at, log });
  if (outcome.kind !== 'delivered') process.exitCode = 1;
}

async function main(command: string | undefined): Promise<void> {
  if (command === 'fire') {
    await fire(process.argv.slice(3));
    return;
  }
  if (command === 'down') {
    const session = readSession();
    // A running `npm run local` tears down itself on SIGTERM; otherwise do it here.
    if (session !== undefined && session.pid !== process.pid && isAlive(session.pid)) {
      process.kill(session.pid, 'SIGTERM');
      log(`asked npm run local (pid ${session.pid}) to stop`);
      return;
    }
    await down(session);
    return;
  }
  if (command !== undefined) throw new Error(`usage: local.ts [down | fire --job ID --at TIME] (got ${command})`);
  await up();
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

await main(process.argv[2]);
