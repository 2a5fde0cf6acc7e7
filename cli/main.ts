/**
 * `sked`: the command line (README, "The sked command line"). Run as `npx sked ...` after `npm ci`, or
 * `npm run sked -- ...`. Signs every API call with SigV4 from the standard AWS credential chain (static test
 * credentials on the local cloud), or sends SKED_TOKEN as a JWT for a stage with a Cognito authorizer.
 */
import { spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { readStackOutputs } from '../lib/adapters/aws/stack-outputs';
import { createSkedClient } from '../lib/client';
import { runCli } from './program';

const LOCAL_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };

function editFile(path: string): Promise<void> {
  const editor = process.env['VISUAL'] ?? process.env['EDITOR'] ?? 'vi';
  return new Promise((resolve, reject) => {
    const child = spawn(editor, [path], { stdio: 'inherit', shell: true });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${editor} exited with ${code}`))));
  });
}

const token = process.env['SKED_TOKEN'];
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
      auth:
        token !== undefined
          ? { kind: 'jwt', token }
          : target.local
            ? { kind: 'iam', credentials: LOCAL_CREDENTIALS }
            : { kind: 'iam' },
    }),
  sleep: (ms) => sleep(ms),
  now: () => new Date(),
  editFile,
});
