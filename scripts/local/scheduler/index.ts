/**
 * LOCAL ONLY, never deployed. sked's local scheduler: it makes the schedules on a LocalStack-compatible emulator
 * fire the way EventBridge Scheduler fires them (docs/local-scheduler.md).
 *
 *   const scheduler = await startLocalScheduler({ groups: ['sked-dev'] });
 *   ...
 *   await scheduler.stop();
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { localCloudClients, SdkQueueSender, SdkScheduleSource } from './aws';
import { systemClock } from './clock';
import { newExecutionId } from './context';
import { DEFAULT_RETRY_BACKOFF, deliverOccurrence, type DeliveryOutcome, type RetryBackoff } from './deliver';
import type { SchedulerLog } from './ports';
import { LocalSchedulerEngine } from './scheduler';
import { FileStateStore, stateFileFor } from './state';

export { emulatorFiresSchedules, type SweepProbeOptions } from './probe';
export { DEFAULT_RETRY_BACKOFF, type DeliveryOutcome, type RetryBackoff } from './deliver';
export { StateLockedError } from './state';

/** How often the schedules are listed again, so a change shows within about this long. */
export const DEFAULT_POLL_MS = 2_000;

/** The default state directory, relative to the repository: `.local-cloud/scheduler/`. */
export const DEFAULT_STATE_DIR = join(fileURLToPath(new URL('../../..', import.meta.url)), '.local-cloud', 'scheduler');

/**
 * A scheduler that follows every group leaves out the groups named with this prefix: their owner runs a scheduler of
 * its own for them (the local scheduler's cloud tests do, to control its timing and restarts), and two schedulers
 * following one group would deliver each occurrence twice.
 */
export const SELF_SCHEDULED_GROUP_PREFIX = 'sked-self-scheduled-';

export interface LocalSchedulerOptions {
  /** @default AWS_ENDPOINT_URL, else http://localhost:4566 */
  readonly endpoint?: string;
  /** @default AWS_REGION, else us-east-1 */
  readonly region?: string;
  /** The schedule groups to follow. @default every group but those named SELF_SCHEDULED_GROUP_PREFIX... */
  readonly groups?: readonly string[];
  /** Where the state file lives. @default SKED_LOCAL_SCHEDULER_STATE_DIR, else `.local-cloud/scheduler/` */
  readonly stateDir?: string;
  /** @default DEFAULT_POLL_MS (2 s) */
  readonly pollMs?: number;
  /** The wait between delivery retries; tests pass a few milliseconds. @default DEFAULT_RETRY_BACKOFF (1 s doubling to 60 s) */
  readonly retryBackoff?: RetryBackoff;
  /** One line per delivery attempt, dead letter and warning. @default console.log */
  readonly log?: SchedulerLog;
}

export interface RunningLocalScheduler {
  /** The state file it keeps (one per endpoint and group selection). */
  readonly stateFile: string;
  /** Stops polling and retries, lets sends under way finish, saves the state and releases its lock. */
  stop(): Promise<void>;
}

const endpointFromEnv = (): string => process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const regionFromEnv = (): string => process.env.AWS_REGION ?? 'us-east-1';

/**
 * Starts the local scheduler: it has read the schedules once when this resolves, and keeps following them until
 * stop(). Throws StateLockedError when another scheduler keeps the same state file.
 */
export async function startLocalScheduler(options: LocalSchedulerOptions = {}): Promise<RunningLocalScheduler> {
  const endpoint = options.endpoint ?? endpointFromEnv();
  const stateDir = options.stateDir ?? process.env.SKED_LOCAL_SCHEDULER_STATE_DIR ?? DEFAULT_STATE_DIR;
  const store = new FileStateStore(stateFileFor(stateDir, endpoint, options.groups));
  const { scheduler, sqs } = localCloudClients(endpoint, options.region ?? regionFromEnv());
  await store.lock();
  const engine = new LocalSchedulerEngine({
    schedules: new SdkScheduleSource(scheduler, options.groups, [SELF_SCHEDULED_GROUP_PREFIX]),
    queues: new SdkQueueSender(sqs),
    state: store,
    clock: systemClock,
    random: Math.random,
    newExecutionId,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    retryBackoff: options.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
    log: options.log ?? ((line) => console.log(line)),
  });
  try {
    await engine.start();
  } catch (error) {
    await store.unlock();
    throw error;
  }
  engine.run();
  return {
    stateFile: store.file,
    stop: async () => {
      await engine.stop();
      scheduler.destroy();
      sqs.destroy();
      await store.unlock();
    },
  };
}

export interface FireOptions {
  readonly endpoint?: string;
  readonly region?: string;
  /** @default 'default' */
  readonly group?: string;
  readonly schedule: string;
  /** The scheduled time the target sees in `<aws.scheduler.scheduled-time>`. */
  readonly at: Date;
  readonly retryBackoff?: RetryBackoff;
  readonly log?: SchedulerLog;
}

/** The schedule named does not exist. */
export class ScheduleNotFoundError extends Error {
  override readonly name = 'ScheduleNotFoundError';
}

/**
 * Delivers one occurrence of a schedule for the given scheduled time, now, with its retries and dead letter, as if
 * it were due: for trying misfire, coalescing and outages. It ignores State and the state file and deletes nothing.
 */
export async function fireScheduleOccurrence(options: FireOptions): Promise<DeliveryOutcome> {
  const group = options.group ?? 'default';
  const { scheduler, sqs } = localCloudClients(
    options.endpoint ?? endpointFromEnv(),
    options.region ?? regionFromEnv(),
  );
  try {
    const schedule = await new SdkScheduleSource(scheduler, [group]).get(group, options.schedule);
    if (schedule === undefined) throw new ScheduleNotFoundError(`no schedule ${options.schedule} in group ${group}`);
    return await deliverOccurrence(
      {
        queues: new SdkQueueSender(sqs),
        clock: systemClock,
        random: Math.random,
        newExecutionId,
        retryBackoff: options.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
        log: options.log ?? ((line) => console.log(line)),
      },
      schedule,
      options.at,
    );
  } finally {
    scheduler.destroy();
    sqs.destroy();
  }
}
