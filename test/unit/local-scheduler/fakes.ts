import type {
  MetricDatapoint,
  MetricPublisher,
  OutboundMessage,
  QueueSender,
  ScheduleSource,
  ScheduleSummary,
  SchedulerClock,
} from '../../../scripts/local/scheduler/ports';
import { scheduleKey, type LocalSchedule } from '../../../scripts/local/scheduler/schedule';
import type { SchedulerState, StateStore } from '../../../scripts/local/scheduler/state';

export const QUEUE_ARN = 'arn:aws:sqs:us-east-1:000000000000:jobs';
export const DLQ_ARN = 'arn:aws:sqs:us-east-1:000000000000:delivery-dlq';

/** A schedule as GetSchedule would describe it, sked's shape by default: cron every minute, UTC, window OFF. */
export function localSchedule(overrides: Partial<LocalSchedule> & { readonly created?: string } = {}): LocalSchedule {
  const { created = '2026-12-02T10:00:40Z', ...rest } = overrides;
  const name = rest.name ?? 'job-1';
  const groupName = rest.groupName ?? 'sked-test';
  return {
    groupName,
    name,
    arn: `arn:aws:scheduler:us-east-1:000000000000:schedule/${groupName}/${name}`,
    expression: 'cron(* * * * ? *)',
    timezone: 'UTC',
    state: 'ENABLED',
    creationDate: new Date(created),
    lastModificationDate: new Date(created),
    actionAfterCompletion: 'NONE',
    target: {
      arn: QUEUE_ARN,
      input: '{"jobId":"job-1","scheduledTime":"<aws.scheduler.scheduled-time>"}',
      retryPolicy: { maximumEventAgeSeconds: 3600, maximumRetryAttempts: 2 },
      deadLetterArn: DLQ_ARN,
    },
    ...rest,
  };
}

/**
 * A clock that moves only when told to. A sleep moves it by the time slept (virtual time), so retries with
 * backoff take no real time.
 */
export class FakeClock implements SchedulerClock {
  private instant: number;
  constructor(start: string) {
    this.instant = Date.parse(start);
  }
  now(): number {
    return this.instant;
  }
  set(time: string): void {
    this.instant = Date.parse(time);
  }
  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted !== true) this.instant += ms;
    return Promise.resolve();
  }
}

export class FakeSchedules implements ScheduleSource {
  readonly schedules = new Map<string, LocalSchedule>();
  readonly deleted: string[] = [];

  put(schedule: LocalSchedule): void {
    this.schedules.set(scheduleKey(schedule.groupName, schedule.name), schedule);
  }
  list(): Promise<ScheduleSummary[]> {
    return Promise.resolve(
      [...this.schedules.values()].map((schedule) => ({
        groupName: schedule.groupName,
        name: schedule.name,
        lastModificationDate: schedule.lastModificationDate,
      })),
    );
  }
  get(groupName: string, name: string): Promise<LocalSchedule | undefined> {
    return Promise.resolve(this.schedules.get(scheduleKey(groupName, name)));
  }
  delete(groupName: string, name: string): Promise<void> {
    this.schedules.delete(scheduleKey(groupName, name));
    this.deleted.push(scheduleKey(groupName, name));
    return Promise.resolve();
  }
}

/** An SQS error as the SDK raises it: `name` from the JSON protocol, `Code` the query-compatible code. */
export class QueueDoesNotExist extends Error {
  override readonly name = 'QueueDoesNotExist';
  readonly Code = 'AWS.SimpleQueueService.NonExistentQueue';
  constructor() {
    super('The specified queue does not exist.');
  }
}

export interface SentMessage extends OutboundMessage {
  readonly queueArn: string;
  /** The fake clock's time when sent. */
  readonly at: number;
}

export class FakeQueues implements QueueSender {
  readonly sent: SentMessage[] = [];
  /** Every send attempted, failed ones too. */
  readonly attempted: SentMessage[] = [];
  readonly missing = new Set<string>();
  constructor(private readonly clock: SchedulerClock) {}

  send(queueArn: string, message: OutboundMessage): Promise<void> {
    const record = { queueArn, at: this.clock.now(), ...message };
    this.attempted.push(record);
    if (this.missing.has(queueArn)) return Promise.reject(new QueueDoesNotExist());
    this.sent.push(record);
    return Promise.resolve();
  }
  bodiesTo(queueArn: string): string[] {
    return this.sent.filter((message) => message.queueArn === queueArn).map((message) => message.body);
  }
}

/** Keeps every PutMetricData call; `failNext` makes that many calls fail. */
export class FakeMetricPublisher implements MetricPublisher {
  readonly calls: { readonly namespace: string; readonly datapoints: readonly MetricDatapoint[] }[] = [];
  failNext = 0;

  put(namespace: string, datapoints: readonly MetricDatapoint[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext -= 1;
      return Promise.reject(new Error('CloudWatch is unavailable'));
    }
    this.calls.push({ namespace, datapoints: [...datapoints] });
    return Promise.resolve();
  }
}

export class MemoryStateStore implements StateStore {
  saved: SchedulerState = new Map();
  load(): Promise<SchedulerState> {
    return Promise.resolve(this.saved);
  }
  save(state: SchedulerState): Promise<void> {
    this.saved = state;
    return Promise.resolve();
  }
}
