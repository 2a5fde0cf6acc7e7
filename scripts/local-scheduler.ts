/**
 * LOCAL ONLY. The local scheduler's command (docs/local-scheduler.md): EventBridge Scheduler's firing, for an emulator.
 *
 *   tsx scripts/local-scheduler.ts run [--group NAME]... [--state DIR] [--poll-ms N] [--retry-base-ms N] [--no-metrics]
 *   tsx scripts/local-scheduler.ts fire --schedule NAME [--group NAME] --at ISO_TIME [--no-metrics]
 *   tsx scripts/local-scheduler.ts probe     # does the emulator fire schedules by itself?
 *
 * The endpoint is AWS_ENDPOINT_URL (default http://localhost:4566), the region AWS_REGION (default us-east-1).
 */
import { parseArgs } from 'node:util';
import {
  DEFAULT_RETRY_BACKOFF,
  emulatorFiresSchedules,
  fireScheduleOccurrence,
  ScheduleNotFoundError,
  startLocalScheduler,
  StateLockedError,
} from './local/scheduler';

const USAGE =
  'usage: local-scheduler.ts run [--group NAME]... [--state DIR] [--poll-ms N] [--retry-base-ms N] [--no-metrics]\n' +
  '       local-scheduler.ts fire --schedule NAME [--group NAME] --at ISO_TIME [--no-metrics]\n' +
  '       local-scheduler.ts probe';

class UsageError extends Error {
  override readonly name = 'UsageError';
}

function positiveInteger(text: string | undefined, flag: string): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw new UsageError(`${flag} takes a positive whole number`);
  return value;
}

async function run(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      group: { type: 'string', multiple: true },
      state: { type: 'string' },
      'poll-ms': { type: 'string' },
      'retry-base-ms': { type: 'string' },
      'no-metrics': { type: 'boolean' },
    },
  });
  const pollMs = positiveInteger(values['poll-ms'], '--poll-ms');
  const retryBaseMs = positiveInteger(values['retry-base-ms'], '--retry-base-ms');
  const groups = values.group ?? [];
  const scheduler = await startLocalScheduler({
    ...(groups.length > 0 && { groups }),
    ...(values.state !== undefined && { stateDir: values.state }),
    ...(values['no-metrics'] === true && { metrics: false }),
    ...(pollMs !== undefined && { pollMs }),
    ...(retryBaseMs !== undefined && {
      retryBackoff: { baseMs: retryBaseMs, maxMs: Math.max(retryBaseMs, DEFAULT_RETRY_BACKOFF.maxMs) },
    }),
  });
  const following = groups.length > 0 ? `groups ${groups.join(', ')}` : 'every group';
  console.log(`local scheduler: following ${following}; state in ${scheduler.stateFile}; Ctrl-C stops`);
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await scheduler.stop();
  console.log('local scheduler: stopped');
}

async function fire(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      schedule: { type: 'string' },
      group: { type: 'string' },
      at: { type: 'string' },
      'no-metrics': { type: 'boolean' },
    },
  });
  if (values.schedule === undefined || values.at === undefined) throw new UsageError('fire needs --schedule and --at');
  const at = new Date(values.at);
  if (Number.isNaN(at.getTime())) throw new UsageError(`--at ${values.at} is not an ISO-8601 date-time`);
  const outcome = await fireScheduleOccurrence({
    schedule: values.schedule,
    ...(values.group !== undefined && { group: values.group }),
    ...(values['no-metrics'] === true && { metrics: false }),
    at,
  });
  if (outcome.kind !== 'delivered') process.exitCode = 1;
}

async function probe(): Promise<void> {
  const fires = await emulatorFiresSchedules({
    endpoint: process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566',
    region: process.env.AWS_REGION ?? 'us-east-1',
  });
  console.log(
    fires
      ? 'local scheduler: the emulator fires schedules itself; running the local scheduler too would deliver twice'
      : 'local scheduler: the emulator does not fire schedules itself',
  );
}

const [command, ...rest] = process.argv.slice(2);
try {
  switch (command) {
    case 'run':
      await run(rest);
      break;
    case 'fire':
      await fire(rest);
      break;
    case 'probe':
      await probe();
      break;
    default:
      throw new UsageError(`unknown command ${command ?? '(none)'}`);
  }
} catch (error) {
  if (error instanceof StateLockedError || error instanceof ScheduleNotFoundError) {
    console.error(`local scheduler: ${error.message}`);
    process.exitCode = 1;
  } else if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
    console.error(`${error.message}\n${USAGE}`);
    process.exitCode = 2;
  } else {
    throw error;
  }
}
