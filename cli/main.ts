/**
 * `sked`: the command line (README, "The sked command line"). Run as `npx sked ...` after `npm ci`, or
 * `npm run sked -- ...`. Signs every API call with SigV4 from the standard AWS credential chain (static test
 * credentials on the local cloud), or sends SKED_TOKEN as a JWT for a stage with a Cognito authorizer.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { readStackOutputs } from '../lib/adapters/aws/stack-outputs';
import { createSkedClient, type SkedAuth } from '../lib/client';
import { authenticator } from '../lib/client/auth';
import { buildConsoleAssets } from './console/assets';
import { runCli } from './program';
import type { Target } from './target';

const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

function editFile(path: string): Promise<void> {
  const editor = process.env['VISUAL'] ?? process.env['EDITOR'] ?? 'vi';
  return new Promise((resolve, reject) => {
    const child = spawn(editor, [path], { stdio: 'inherit', shell: true });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${editor} exited with ${code}`))));
  });
}

/** Opens a URL with the platform's opener; rejects when there is none or it fails. */
function openBrowser(url: string): Promise<void> {
  const [command, ...args] =
    process.platform === 'darwin'
      ? ['open', url]
      : process.platform === 'win32'
        ? ['cmd', '/c', 'start', '""', url]
        : ['xdg-open', url];
  return new Promise((resolve, reject) => {
    const child = spawn(command ?? 'xdg-open', args, { stdio: 'ignore', detached: true });
    child.once('error', reject);
    child.once('spawn', () => {
      child.unref();
      resolve();
    });
  });
}

const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const token = process.env['SKED_TOKEN'];
const authOf = (target: Target): SkedAuth =>
  token !== undefined
    ? { kind: 'jwt', token }
    : target.local
      ? { kind: 'iam', credentials: LOCAL_CREDENTIALS }
      : { kind: 'iam' };

process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  stdout: (text) => process.stdout.write(`${text}\n`),
  stderr: (text) => process.stderr.write(`${text}\n`),
  isTty: process.stdout.isTTY,
  readOutputs: readStackOutputs,
  connect: (target) =>
    createSkedClient({
      baseUrl: target.baseUrl,
      region: target.region,
      userAgent: 'sked-cli',
      auth: authOf(target),
    }),
  sleep: (ms) => sleep(ms),
  now: () => new Date(),
  editFile,
  console: {
    authenticate: (target) => authenticator(authOf(target), new URL(target.baseUrl), target.region),
    assets: () => buildConsoleAssets(PROJECT_ROOT),
    openBrowser,
    untilStopped: () => Promise.race([once(process, 'SIGINT'), once(process, 'SIGTERM')]).then(() => undefined),
  },
});
