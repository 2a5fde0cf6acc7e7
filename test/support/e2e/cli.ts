/**
 * The `sked` command line as a user runs it, for the end-to-end tests: `node bin/sked.mjs --stage <stage> ...` as a
 * child process in a working directory of its own, with what it printed and the code it exited with. On the local
 * cloud it finds the stage's API from the stack outputs on AWS_ENDPOINT_URL, as `sked --stage` does for a user there;
 * on AWS (`npm run test:aws`) from the stage's stack outputs in the region, signed with the default credential chain.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetFunctionConfigurationCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { PROJECT_ROOT } from '../../../cdk/constructs/sked-function';
import { ENV } from '../../../lib/schemas/config';
import { guardedClient } from '../aws-clients';
import type { LocalSked } from './deployment';
import { sideEffectsByRunId } from './side-effects';

/** What one `sked` command printed, and its exit code. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The command as typed, for assertion messages. */
  readonly command: string;
}

export interface SkedCli {
  /** The working directory the commands run in, where `file` writes. */
  readonly cwd: string;
  /** Runs `sked --stage <stage> ...args` and resolves when it exits, whatever its exit code. */
  run(...args: string[]): Promise<CliResult>;
  /** Runs `sked --stage <stage> --json ...args`, expects exit 0, and parses stdout. */
  json<T = unknown>(...args: string[]): Promise<T>;
  /** Writes a file into the working directory. */
  file(name: string, text: string): void;
  dispose(): void;
}

const SKED_BIN = join(PROJECT_ROOT, 'bin', 'sked.mjs');
/** A command that has not exited by then is killed: a hang fails the test instead of holding it to its timeout. */
const COMMAND_TIMEOUT_MS = 120_000;

/**
 * The command line for a stage. `endpoint`: the local cloud's (AWS_ENDPOINT_URL for the child), or undefined on
 * AWS. Colours off and the viewer's zone fixed, so output reads the same on every machine.
 */
export function skedCli(stage: string, endpoint: string | undefined): SkedCli {
  const cwd = mkdtempSync(join(tmpdir(), 'sked-cli-e2e-'));
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', TZ: 'UTC' };
  delete env['SKED_TOKEN'];
  if (endpoint !== undefined) env['AWS_ENDPOINT_URL'] = endpoint;
  else delete env['AWS_ENDPOINT_URL'];

  const run = (...args: string[]): Promise<CliResult> =>
    new Promise((resolve, reject) => {
      const argv = ['--stage', stage, ...args];
      const command = `sked ${argv.join(' ')}`;
      const child = spawn(process.execPath, [SKED_BIN, ...argv], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_TIMEOUT_MS);
      child.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === null) {
          reject(new Error(`${command} was ended by ${signal ?? 'a signal'}\n${stdout}\n${stderr}`));
          return;
        }
        resolve({ code, stdout, stderr, command });
      });
    });

  return {
    cwd,
    run,
    async json<T>(...args: string[]): Promise<T> {
      const result = await run('--json', ...args);
      if (result.code !== 0) {
        throw new Error(`${result.command} exited with ${result.code}\n${result.stdout}\n${result.stderr}`);
      }
      return JSON.parse(result.stdout) as T;
    },
    file: (name, text) => writeFileSync(join(cwd, name), text),
    dispose: () => rmSync(cwd, { recursive: true, force: true }),
  };
}

/**
 * How many side effects test.record-side-effect recorded for each run of a job (`effect#<runId>#...` items in the
 * stage's runs table), for the history check after a redrive: one for a run that succeeded, none for one that failed.
 */
export async function sideEffectsByRun(sked: LocalSked, jobId: string): Promise<Map<string, number>> {
  const lambda = guardedClient(LambdaClient);
  const configuration = await lambda.send(
    new GetFunctionConfigurationCommand({ FunctionName: sked.outputs.WorkerFunctionName }),
  );
  const runsTable = configuration.Environment?.Variables?.[ENV.runsTable];
  if (runsTable === undefined) throw new Error(`${sked.outputs.WorkerFunctionName} has no ${ENV.runsTable}`);
  return sideEffectsByRunId(guardedClient(DynamoDBClient), runsTable, jobId);
}
