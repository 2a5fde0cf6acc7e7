/**
 * The local AWS cloud for tests and `npm run local`.
 *
 * Uses an endpoint already answering at AWS_ENDPOINT_URL (default http://localhost:4566: LocalStack, MiniStack or
 * anything compatible). Otherwise installs MiniStack, pinned, from PyPI into the project's .venv and starts it,
 * waits for health, and stops it again when the caller is done, but only if it started it.
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

export interface LocalCloud {
  readonly endpoint: string;
  /** True when this process started the emulator (and so will stop it). */
  readonly started: boolean;
  stop(): Promise<void>;
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
    try {
      const response = await fetch(new URL(path, endpoint), { signal: AbortSignal.timeout(2000) });
      if (response.ok) return true;
    } catch {
      // not answering on this path (or at all); try the next one
    }
  }
  return false;
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
        `local cloud: MiniStack exited before it answered at ${endpoint}; see ${join(stateDir, 'ministack.log')}`,
      );
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(
    `local cloud: no answer at ${endpoint} after ${timeoutMs} ms; see ${join(stateDir, 'ministack.log')}`,
  );
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
 * Reuses a healthy endpoint or starts MiniStack. With `detached`, the emulator outlives this process and its pid is
 * recorded for `stopDetached`; otherwise `stop()` ends it.
 */
export async function ensureLocalCloud(options: { detached?: boolean } = {}): Promise<LocalCloud> {
  const endpoint = endpointFromEnv();
  if (await isHealthy(endpoint)) {
    return { endpoint, started: false, stop: () => Promise.resolve() };
  }
  const port = new URL(endpoint).port || '4566';
  const ministack = installMiniStack();
  mkdirSync(stateDir, { recursive: true });
  const log = openSync(join(stateDir, 'ministack.log'), 'a');
  const child = spawn(ministack, [], {
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
  console.error(`local cloud: started MiniStack ${MINISTACK_VERSION} (pid ${pid}) at ${endpoint}`);
  await waitForHealth(endpoint, 60_000, () => !exited);
  return {
    endpoint,
    started: true,
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
