import { appendFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ensureLocalCloud, localAwsEnv } from '../../scripts/local-cloud';
import { startLocalTooling } from '../../scripts/local/local-tooling';
import { PROJECT_ROOT } from '../../cdk/constructs/sked-function';

/**
 * Vitest global setup for the layers that talk to the local cloud: reuse or start it, and beside it sked's local
 * scheduler (every schedule group, so each test's own group fires as on AWS) and local alarm evaluator (sked's
 * alarms). Their lines go to `.local-cloud/test-tooling.log`, not to the test output. What it started, it stops.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const cloud = await ensureLocalCloud();
  if (cloud.warning !== undefined) console.error(`local cloud: ${cloud.warning}`);
  Object.assign(process.env, localAwsEnv(cloud.endpoint));
  const dir = join(PROJECT_ROOT, '.local-cloud');
  mkdirSync(dir, { recursive: true });
  const logFile = join(dir, 'test-tooling.log');
  // A fresh state directory per run: the test schedules of an earlier run are gone or not this run's concern.
  const stateDir = mkdtempSync(join(dir, 'scheduler-tests-'));
  const tooling = await startLocalTooling({
    endpoint: cloud.endpoint,
    alarmNamePrefix: 'Sked-',
    stateDir,
    log: (line) => appendFileSync(logFile, `${new Date().toISOString()} ${line}\n`),
  });
  return async () => {
    await tooling.stop();
    rmSync(stateDir, { recursive: true, force: true });
    await cloud.stop();
  };
}
