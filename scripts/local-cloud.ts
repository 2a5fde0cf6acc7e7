/**
 * The local AWS cloud for tests and `npm run local`.
 *
 * Uses an endpoint already answering at AWS_ENDPOINT_URL (default http://localhost:4566: LocalStack, MiniStack or
 * anything compatible). Otherwise installs MiniStack, pinned, from PyPI into the project's .venv and starts it through
 * sked's launcher (scripts/local/ministack/launch.py: its schedule sweep and alarm evaluation off), waits for health,
 * and stops it again when the caller is done, but only if it started it. docs/local-cloud.md has the details.
 *
 *   tsx scripts/local-cloud.ts install   # create .venv and install the pinned MiniStack and Schemathesis
 *   tsx scripts/local-cloud.ts start     # start (or reuse) and leave running; pid in .local-cloud/
 *   tsx scripts/local-cloud.ts stop      # stop what `start` started
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const MINISTACK_VERSION = '1.5.33';
/** The API contract fuzzer test/e2e/api-contract.test.ts runs, installed into the same .venv. */
export const SCHEMATHESIS_VERSION = '4.32.5';
export const DEFAULT_ENDPOINT = 'http://localhost:4566';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const venv = join(root, '.venv');
const stateDir = join(root, '.local-cloud');
const pidFile = join(stateDir, 'ministack.pid');
const launcher = join(root, 'scripts', 'local', 'ministack', 'launch.py');
const logFile = join(stateDir, 'ministack.log');

/** Whether the emulator does a job sked does itself locally: 'no' when known to be off, 'unknown' when it may. */
export type EmulatorDoes = 'no' | 'unknown';

export interface LocalCloud {
  readonly endpoint: string;
  /** True when this process started the emulator (and so will stop it). */
  readonly started: boolean;
  /** Whether the emulator fires EventBridge Scheduler schedules on its own, besides sked's local scheduler. */
  readonly firesSchedules: EmulatorDoes;
  /** Whether the emulator evaluates CloudWatch alarms on its own, besides sked's local alarm evaluator. */
  readonly evaluatesAlarms: EmulatorDoes;
  /** One line for the caller to print when either of them is 'unknown'; absent otherwise. */
  readonly warning?: string;
  stop(): Promise<void>;
}

/** What an emulator already answering at the endpoint does besides what sked does (see `probeEmulator`). */
export interface EmulatorFindings {
  readonly firesSchedules: EmulatorDoes;
  readonly evaluatesAlarms: EmulatorDoes;
  readonly warning?: string;
}

export function endpointFromEnv(): string {
  return process.env.AWS_ENDPOINT_URL ?? DEFAULT_ENDPOINT;
}

/** Credentials and region the emulator accepts; never real ones. */
export function localAwsEnv(endpoint: string): Record<string, string> {
  return {
    AWS_ENDPOINT_URL: endpoint,
    AWS_ENDPOINT_URL_S3: endpoint,
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
    AWS_REGION: process.env.AWS_REGION ?? 'us-east-1',
    AWS_DEFAULT_REGION: process.env.AWS_REGION ?? 'us-east-1',
  };
}

export async function isHealthy(endpoint: string): Promise<boolean> {
  for (const path of ['/_localstack/health', '/_ministack/health']) {
    if ((await healthAnswer(endpoint, path)) !== undefined) return true;
  }
  return false;
}

/** The JSON a health path answers with, or undefined when it does not answer 200 (or at all). */
async function healthAnswer(endpoint: string, path: string): Promise<unknown> {
  try {
    const response = await fetch(new URL(path, endpoint), { signal: AbortSignal.timeout(2000) });
    if (!response.ok) return undefined;
    return await response.json().catch(() => ({}));
  } catch {
    return undefined; // not answering on this path (or at all)
  }
}

/**
 * Tells what an emulator already running at the endpoint does on its own. sked's launcher marks its health answer
 * (`sked: { scheduleSweep: 'off', alarmEvaluation: 'off' }`); LocalStack (no /_ministack/health) never fires
 * Scheduler schedules. Anything else may do either.
 */
export async function probeEmulator(endpoint: string): Promise<EmulatorFindings> {
  const ministack = await healthAnswer(endpoint, '/_ministack/health');
  if (ministack !== undefined) {
    const marker = isRecord(ministack) && isRecord(ministack.sked) ? ministack.sked : {};
    const firesSchedules: EmulatorDoes = marker.scheduleSweep === 'off' ? 'no' : 'unknown';
    const evaluatesAlarms: EmulatorDoes = marker.alarmEvaluation === 'off' ? 'no' : 'unknown';
    if (firesSchedules === 'no' && evaluatesAlarms === 'no') return { firesSchedules, evaluatesAlarms };
    return {
      firesSchedules,
      evaluatesAlarms,
      warning:
        `the MiniStack at ${endpoint} was not started by sked: it may fire schedules on its own sweep and evaluate ` +
        'alarms by metric name alone, besides what sked does locally; stop it and let sked start its own ' +
        '(docs/local-cloud.md)',
    };
  }
  return {
    firesSchedules: 'no',
    evaluatesAlarms: 'unknown',
    warning:
      `the emulator at ${endpoint} is not MiniStack (LocalStack?): its Scheduler fires nothing, but it may ` +
      'evaluate alarms on its own besides sked (docs/local-cloud.md)',
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** pip-installs `name==version` into .venv (created when missing) once; returns the path of its `bin/<name>`. */
function installPinned(name: string, version: string): string {
  const bin = join(venv, 'bin', name);
  const marker = join(venv, `.${name}-${version}`);
  if (existsSync(marker) && existsSync(bin)) return bin;
  if (!existsSync(join(venv, 'bin', 'python'))) {
    console.error(`local cloud: creating ${venv}`);
    execFileSync(process.env.PYTHON ?? 'python3', ['-m', 'venv', venv], { stdio: 'inherit' });
  }
  console.error(`local cloud: installing ${name}==${version} from PyPI`);
  execFileSync(join(venv, 'bin', 'pip'), ['install', '--quiet', '--disable-pip-version-check', `${name}==${version}`], {
    stdio: 'inherit',
  });
  writeFileSync(marker, `${version}\n`);
  return bin;
}

export function installMiniStack(): string {
  return installPinned('ministack', MINISTACK_VERSION);
}

export function installSchemathesis(): string {
  return installPinned('schemathesis', SCHEMATHESIS_VERSION);
}

async function waitForHealth(endpoint: string, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await isHealthy(endpoint)) return;
    if (!isAlive())
      throw new Error(
        `local cloud: MiniStack exited before it answered at ${endpoint}; the end of ${logFile}:\n${logTail()}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`local cloud: no answer at ${endpoint} after ${timeoutMs} ms; see ${logFile}`);
}

/** The last lines of the emulator's log: where the launcher says why it refused to start. */
function logTail(lines = 5): string {
  if (!existsSync(logFile)) return '';
  return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Reuses a healthy endpoint or starts MiniStack through sked's launcher. With `detached`, the emulator outlives this
 * process and its pid is recorded for `stopDetached`; otherwise `stop()` ends it. A reused emulator is probed for
 * what it does on its own (`firesSchedules`, `evaluatesAlarms`, `warning`), for the caller to report.
 */
export async function ensureLocalCloud(options: { detached?: boolean } = {}): Promise<LocalCloud> {
  const endpoint = endpointFromEnv();
  if (await isHealthy(endpoint)) {
    return { endpoint, started: false, ...(await probeEmulator(endpoint)), stop: () => Promise.resolve() };
  }
  const port = new URL(endpoint).port || '4566';
  installMiniStack();
  mkdirSync(stateDir, { recursive: true });
  const log = openSync(logFile, 'a');
  const child = spawn(join(venv, 'bin', 'python'), [launcher, '--expect-version', MINISTACK_VERSION], {
    cwd: stateDir,
    env: { ...process.env, GATEWAY_PORT: port, MINISTACK_HOST: new URL(endpoint).hostname, LOG_LEVEL: 'WARNING' },
    stdio: ['ignore', log, log],
    detached: true,
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error('local cloud: could not start MiniStack');
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  if (options.detached) {
    child.unref();
    writeFileSync(pidFile, `${pid}\n`);
  }
  console.error(
    `local cloud: started MiniStack ${MINISTACK_VERSION} (pid ${pid}) at ${endpoint}, its schedule sweep and alarm evaluation off`,
  );
  await waitForHealth(endpoint, 60_000, () => !exited);
  return {
    endpoint,
    started: true,
    firesSchedules: 'no',
    evaluatesAlarms: 'no',
    stop: async () => {
      if (exited) return;
      process.kill(-pid, 'SIGTERM');
      const deadline = Date.now() + 10_000;
      while (!exited && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!exited) process.kill(-pid, 'SIGKILL');
    },
  };
}

/** Stops an emulator that `ensureLocalCloud({ detached: true })` started; a no-op when none is recorded. */
export function stopDetached(): boolean {
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  rmSync(pidFile);
  if (!Number.isInteger(pid) || !isRunning(pid)) return false;
  process.kill(-pid, 'SIGTERM');
  return true;
}

async function main(command: string | undefined): Promise<void> {
  switch (command) {
    case 'install':
      installMiniStack();
      installSchemathesis();
      console.error(
        `local cloud: ministack ${MINISTACK_VERSION} and schemathesis ${SCHEMATHESIS_VERSION} installed in ${venv}`,
      );
      return;
    case 'start': {
      const cloud = await ensureLocalCloud({ detached: true });
      console.error(
        cloud.started ? `local cloud: running at ${cloud.endpoint}` : `local cloud: reusing ${cloud.endpoint}`,
      );
      if (cloud.warning !== undefined) console.error(`local cloud: ${cloud.warning}`);
      return;
    }
    case 'stop':
      console.error(stopDetached() ? 'local cloud: stopped' : 'local cloud: nothing started by sked is running');
      return;
    default:
      throw new Error(`usage: local-cloud.ts install|start|stop (got ${command ?? 'nothing'})`);
  }
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main(process.argv[2]);
}
