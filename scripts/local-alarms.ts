/**
 * Local alarm evaluation in the foreground: evaluates the emulator's CloudWatch alarms the way AWS does until Ctrl-C
 * (scripts/local/alarms/, docs/local-cloud.md).
 *
 *   tsx scripts/local-alarms.ts [--prefix <alarm name prefix>] [--interval-ms 10000]
 *
 * The emulator is the one at AWS_ENDPOINT_URL (default http://localhost:4566); it is not started here.
 */
import { parseArgs } from 'node:util';
import { endpointFromEnv, isHealthy, probeEmulator } from './local-cloud';
import { DEFAULT_INTERVAL_MS, startLocalAlarms } from './local/alarms/local-alarms';

function log(line: string): void {
  console.log(`${new Date().toISOString().slice(11, 19)} ${line}`);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { prefix: { type: 'string' }, 'interval-ms': { type: 'string' } },
    strict: true,
  });
  const intervalMs = values['interval-ms'] === undefined ? DEFAULT_INTERVAL_MS : Number(values['interval-ms']);
  if (!Number.isInteger(intervalMs) || intervalMs < 1000) {
    throw new Error(
      `--interval-ms must be a whole number of milliseconds, at least 1000 (got ${values['interval-ms']})`,
    );
  }
  const endpoint = endpointFromEnv();
  if (!(await isHealthy(endpoint))) throw new Error(`local alarms: no emulator answers at ${endpoint}`);
  const emulator = await probeEmulator(endpoint);
  if (emulator.evaluatesAlarms !== 'no' && emulator.warning !== undefined) log(`local alarms: ${emulator.warning}`);

  const alarms = startLocalAlarms({
    endpoint,
    intervalMs,
    log,
    ...(values.prefix !== undefined && { alarmNamePrefix: values.prefix }),
  });
  log(
    `local alarms: evaluating ${values.prefix === undefined ? 'every alarm' : `the alarms named ${values.prefix}*`} ` +
      `at ${endpoint} every ${intervalMs} ms; Ctrl-C to stop`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await alarms.stop();
}

await main();
