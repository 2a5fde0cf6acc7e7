/**
 * LOCAL ONLY. What the local scheduler needs from the cloud and from time, so that its timing and interleaving can
 * be tested with fakes; aws.ts implements the cloud side with the SDK.
 */
import type { LocalSchedule } from './schedule';

export interface ScheduleSummary {
  readonly groupName: string;
  readonly name: string;
  readonly lastModificationDate?: Date;
}

/** The Scheduler API over the watched schedule groups. */
export interface ScheduleSource {
  /** Every schedule of the watched groups (all pages). */
  list(): Promise<ScheduleSummary[]>;
  /** The schedule, or undefined when it no longer exists. */
  get(groupName: string, name: string): Promise<LocalSchedule | undefined>;
  /** Deletes the schedule; one already gone is no error. */
  delete(groupName: string, name: string): Promise<void>;
}

export interface OutboundMessage {
  readonly body: string;
  readonly messageGroupId?: string;
  /** String message attributes. */
  readonly attributes?: Readonly<Record<string, string>>;
}

/** SendMessage to a queue named by its ARN. Throws the service's error when the send fails. */
export interface QueueSender {
  send(queueArn: string, message: OutboundMessage): Promise<void>;
}

/** One CloudWatch datum: `count` events of value 1 in the minute starting at `timestamp`. */
export interface MetricDatapoint {
  readonly metricName: string;
  /** None for an account-wide metric. */
  readonly dimensions: Readonly<Record<string, string>>;
  readonly timestamp: Date;
  readonly count: number;
}

/** PutMetricData: all the datapoints in one call (the caller keeps within its limits). Throws the service's error. */
export interface MetricPublisher {
  put(namespace: string, datapoints: readonly MetricDatapoint[]): Promise<void>;
}

export interface SchedulerClock {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or early (without error) once `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** One line per delivery attempt, per dead letter, and per thing worth a warning. */
export type SchedulerLog = (line: string) => void;
