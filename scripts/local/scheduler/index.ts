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
import {
  localCloudClients,
  SdkMetricPublisher,
  SdkQueueSender,
  SdkScheduleSource,
  type LocalCloudClients,
} from './aws';
import { systemClock } from './clock';
import { newExecutionId } from './context';
import { DEFAULT_RETRY_BACKOFF, deliverOccurrence, type DeliveryOutcome, type RetryBackoff } from './deliver';
import { NO_DELIVERY_METRICS, SchedulerMetrics } from './metrics';
import type { SchedulerLog } from './ports';
import { LocalSchedulerEngine } from './scheduler';
import { FileStateStore, stateFileFor } from './state';

export { emulatorFiresSchedules, type SweepProbeOptions } from './probe';
export { DEFAULT_RETRY_BACKOFF, type DeliveryOutcome, type RetryBackoff } from './deliver';
export { StateLockedError } from './state';
export {
  failedToBeSentToDeadLetterMetricName,
  SCHEDULE_GROUP_DIMENSION,
  SCHEDULER_METRIC_NAMES,
  SCHEDULER_NAMESPACE,
} from './metrics';

/** How often the schedules are listed again, so a change shows within about this long. */
export const DEFAULT_POLL_MS = 2_000;

/** How often the AWS/Scheduler metrics counted are published (AWS publishes them by the minute). */
export const DEFAULT_METRICS_FLUSH_MS = 5_000;

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
  /** Publish the AWS/Scheduler metrics to the endpoint's CloudWatch (docs/local-scheduler.md). @default true */
  readonly metrics?: boolean;
  /** @default DEFAULT_METRICS_FLUSH_MS (5 s) */
  readonly metricsFlushMs?: number;
  /**
   * In [0, 1), like Math.random: draws each flexible-window or spread delay and retry jitter; tests pass a fixed
   * one to know when a delivery comes. @default Math.random
   */
  readonly random?: () => number;
  /**
   * Delays each FlexibleTimeWindow OFF delivery by a uniform draw from [0, N) s, per occurrence, as AWS invokes
   * "within the minute" of the scheduled time: 60 makes local deliveries as late as AWS's may be. The target still
   * sees the occurrence's own time as `<aws.scheduler.scheduled-time>`. @default 0: delivered at the time itself
   */
  readonly invocationSpreadSeconds?: number;
}

export interface RunningLocalScheduler {
  /** The state file it keeps (one per endpoint and group selection). */
  readonly stateFile: string;
  /** Stops polling and retries, lets sends under way finish, publishes the metrics left, saves the state and releases its lock. */
  stop(): Promise<void>;
}

const endpointFromEnv = (): string => process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const regionFromEnv = (): string => process.env.AWS_REGION ?? 'us-east-1';

/**
 * Starts the local scheduler: it has read the schedules once when this resolves, and keeps following them until
 * stop(). Throws StateLockedError when another scheduler keeps the same state file.
 */
export async function startLocalScheduler(options: LocalSchedulerOptions = {}): Promise<RunningLocalScheduler> {
  const spread = options.invocationSpreadSeconds ?? 0;
  if (!Number.isFinite(spread) || spread < 0) {
    throw new RangeError(`invocationSpreadSeconds must be a number of seconds, 0 or more (got ${spread})`);
  }
  const endpoint = options.endpoint ?? endpointFromEnv();
  const stateDir = options.stateDir ?? process.env.SKED_LOCAL_SCHEDULER_STATE_DIR ?? DEFAULT_STATE_DIR;
  const store = new FileStateStore(stateFileFor(stateDir, endpoint, options.groups));
  const clients = localCloudClients(endpoint, options.region ?? regionFromEnv());
  const { scheduler, sqs } = clients;
  const log = options.log ?? ((line: string) => console.log(line));
  const metrics = metricsFor(options, clients, log);
  await store.lock();
  const engine = new LocalSchedulerEngine({
    schedules: new SdkScheduleSource(scheduler, options.groups, {
      skipGroupPrefixes: [SELF_SCHEDULED_GROUP_PREFIX],
      log,
    }),
    queues: new SdkQueueSender(sqs),
    state: store,
    clock: systemClock,
    random: options.random ?? Math.random,
    newExecutionId,
    pollMs: options.pollMs ?? DEFAULT_POLL_MS,
    retryBackoff: options.retryBackoff ?? DEFAULT_RETRY_BACKOFF,
    log,
    metrics: metrics ?? NO_DELIVERY_METRICS,
    invocationSpreadSeconds: spread,
  });
  try {
    await engine.start();
  } catch (error) {
    await store.unlock();
    destroyAll(clients);
    throw error;
  }
  engine.run();
  metrics?.run();
  return {
    stateFile: store.file,
    stop: async () => {
      await engine.stop();
      await metrics?.stop();
      destroyAll(clients);
      await store.unlock();
    },
  };
}

interface MetricsOptions {
  readonly metrics?: boolean;
  readonly metricsFlushMs?: number;
}

/** The metrics counter and publisher, or undefined for `metrics: false`. */
function metricsFor(
  options: MetricsOptions,
  clients: LocalCloudClients,
  log: SchedulerLog,
): SchedulerMetrics | undefined {
  if (options.metrics === false) return undefined;
  return new SchedulerMetrics({
    publisher: new SdkMetricPublisher(clients.cloudwatch),
    clock: systemClock,
    log,
    flushMs: options.metricsFlushMs ?? DEFAULT_METRICS_FLUSH_MS,
  });
}

function destroyAll(clients: LocalCloudClients): void {
  clients.scheduler.destroy();
  clients.sqs.destroy();
  clients.cloudwatch.destroy();
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
  /** Publish the occurrence's AWS/Scheduler metrics before returning. @default true */
  readonly metrics?: boolean;
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
  const clients = localCloudClients(options.endpoint ?? endpointFromEnv(), options.region ?? regionFromEnv());
  const { scheduler, sqs } = clients;
  const log = options.log ?? ((line: string) => console.log(line));
  const metrics = metricsFor(options, clients, log);
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
        log,
        metrics: metrics ?? NO_DELIVERY_METRICS,
      },
      schedule,
      options.at,
    );
  } finally {
    await metrics?.stop();
    destroyAll(clients);
  }
}
