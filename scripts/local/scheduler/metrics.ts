/**
 * LOCAL ONLY. The CloudWatch metrics EventBridge Scheduler publishes in `AWS/Scheduler`
 * (https://docs.aws.amazon.com/scheduler/latest/UserGuide/monitoring-cloudwatch.html), counted as deliveries happen
 * and published in batches with PutMetricData, so that alarms on them (sked's SchedulerTargetErrors and
 * SchedulerDropped) can fire against an emulator.
 */
import type { MetricDatapoint, MetricPublisher, SchedulerClock, SchedulerLog } from './ports';

export const SCHEDULER_NAMESPACE = 'AWS/Scheduler';
/** The one dimension AWS documents; each metric is also published without it, account-wide. */
export const SCHEDULE_GROUP_DIMENSION = 'ScheduleGroup';

/** The metrics, by the delivery event that counts one. All have the unit Count. */
export const SCHEDULER_METRIC_NAMES = {
  /** Every attempt to send to the target, retries included. */
  attempt: 'InvocationAttemptCount',
  /** Every attempt the target refused. */
  targetError: 'TargetErrorCount',
  /** An attempt the target refused by throttling (counted as a target error too). */
  targetErrorThrottled: 'TargetErrorThrottledCount',
  /** An occurrence given up after its RetryPolicy, whether or not its dead letter then reached the DLQ. */
  dropped: 'InvocationDroppedCount',
  sentToDeadLetter: 'InvocationsSentToDeadLetterCount',
  /** Also published per error code: `InvocationsFailedToBeSentToDeadLetterCount_<code>`. */
  failedToBeSentToDeadLetter: 'InvocationsFailedToBeSentToDeadLetterCount',
} as const;

export type SchedulerMetricEvent = keyof typeof SCHEDULER_METRIC_NAMES;

/** What a delivery reports as it goes. */
export interface DeliveryMetrics {
  /** One event for a schedule of `groupName`; `errorCode` names why a dead letter failed (failedToBeSentToDeadLetter). */
  count(groupName: string, event: SchedulerMetricEvent, errorCode?: string): void;
}

/** For `metrics: false`: nothing is counted or published. */
export const NO_DELIVERY_METRICS: DeliveryMetrics = { count: () => undefined };

/** PutMetricData takes at most 1,000 metrics a call; even at the longest names and values that is under its 1 MB. */
const MAX_DATAPOINTS_PER_CALL = 1000;
const MAX_METRIC_NAME_LENGTH = 255;
/** PutMetricData refuses timestamps more than two weeks old; a datapoint unpublished for that long (less an hour's margin) is dropped. */
const MAX_UNPUBLISHED_AGE_MS = 14 * 24 * 60 * 60 * 1000 - 60 * 60 * 1000;
const MINUTE_MS = 60_000;

/** The per-code name, as AWS's example `InvocationsFailedToBeSentToDeadLetterCount_AWS.SimpleQueueService.NonExistentQueue`. */
export function failedToBeSentToDeadLetterMetricName(errorCode: string): string {
  return `${SCHEDULER_METRIC_NAMES.failedToBeSentToDeadLetter}_${errorCode}`.slice(0, MAX_METRIC_NAME_LENGTH);
}

export interface SchedulerMetricsDeps {
  readonly publisher: MetricPublisher;
  readonly clock: SchedulerClock;
  readonly log: SchedulerLog;
  /** How often what was counted is published. */
  readonly flushMs: number;
}

/**
 * Counts events per metric, dimensions and minute (one datum each, as a statistic set of that many 1s, so Sum and
 * SampleCount both read as the number of events), and publishes them every `flushMs` with one PutMetricData, and on
 * stop(). A failed call is logged and its datapoints are published by a later flush; it never throws.
 */
export class SchedulerMetrics implements DeliveryMetrics {
  private readonly pending = new Map<string, MetricDatapoint>();
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private flushing: Promise<boolean> = Promise.resolve(true);
  private failing = false;

  constructor(private readonly deps: SchedulerMetricsDeps) {}

  count(groupName: string, event: SchedulerMetricEvent, errorCode?: string): void {
    const timestamp = new Date(Math.floor(this.deps.clock.now() / MINUTE_MS) * MINUTE_MS);
    const names: string[] = [SCHEDULER_METRIC_NAMES[event]];
    if (event === 'failedToBeSentToDeadLetter' && errorCode !== undefined) {
      names.push(failedToBeSentToDeadLetterMetricName(errorCode));
    }
    for (const metricName of names) {
      this.add({ metricName, dimensions: { [SCHEDULE_GROUP_DIMENSION]: groupName }, timestamp, count: 1 });
      this.add({ metricName, dimensions: {}, timestamp, count: 1 });
    }
  }

  /** What is counted and not yet published (for tests). */
  unpublished(): MetricDatapoint[] {
    return [...this.pending.values()];
  }

  /** Publishes every `flushMs` until stop(). */
  run(): void {
    this.loop ??= this.runLoop();
  }

  /** One PutMetricData with the oldest datapoints not yet published (none when there are none). Whether it worked. */
  flush(): Promise<boolean> {
    this.flushing = this.flushing.then(() => this.publishOldest());
    return this.flushing;
  }

  /** Stops the periodic flush and publishes what is left, one call after another until done or one fails. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.loop;
    while (this.pending.size > 0 && (await this.flush()));
  }

  private async runLoop(): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await this.deps.clock.sleep(this.deps.flushMs, this.stopping.signal);
      if (!this.stopping.signal.aborted) await this.flush();
    }
  }

  private add(datapoint: MetricDatapoint): void {
    const key = JSON.stringify([datapoint.metricName, datapoint.dimensions, datapoint.timestamp.getTime()]);
    const known = this.pending.get(key);
    this.pending.set(key, known === undefined ? datapoint : { ...known, count: known.count + datapoint.count });
  }

  private async publishOldest(): Promise<boolean> {
    this.dropExpired();
    const batch = [...this.pending.entries()]
      .sort(([, a], [, b]) => a.timestamp.getTime() - b.timestamp.getTime())
      .slice(0, MAX_DATAPOINTS_PER_CALL);
    if (batch.length === 0) return true;
    for (const [key] of batch) this.pending.delete(key);
    try {
      await this.deps.publisher.put(
        SCHEDULER_NAMESPACE,
        batch.map(([, datapoint]) => datapoint),
      );
    } catch (error) {
      // Counted again, with whatever came in meanwhile, for the next flush.
      for (const [, datapoint] of batch) this.add(datapoint);
      if (!this.failing) {
        this.deps.log(
          `local scheduler: cannot publish ${SCHEDULER_NAMESPACE} metrics (will keep trying): ${describe(error)}`,
        );
      }
      this.failing = true;
      return false;
    }
    if (this.failing) this.deps.log(`local scheduler: publishing ${SCHEDULER_NAMESPACE} metrics again`);
    this.failing = false;
    return true;
  }

  private dropExpired(): void {
    const oldest = this.deps.clock.now() - MAX_UNPUBLISHED_AGE_MS;
    let dropped = 0;
    for (const [key, datapoint] of this.pending) {
      if (datapoint.timestamp.getTime() < oldest) {
        this.pending.delete(key);
        dropped += 1;
      }
    }
    if (dropped > 0) {
      this.deps.log(`local scheduler: dropped ${dropped} ${SCHEDULER_NAMESPACE} datapoints too old for PutMetricData`);
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
