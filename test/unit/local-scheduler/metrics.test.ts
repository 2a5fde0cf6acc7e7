import { CloudWatchClient, type PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { withAwsLimits } from '../../../lib/adapters/aws/limits';
import { SdkMetricPublisher } from '../../../scripts/local/scheduler/aws';
import { deliverOccurrence, type DeliveryDeps } from '../../../scripts/local/scheduler/deliver';
import { SchedulerMetrics } from '../../../scripts/local/scheduler/metrics';
import type { MetricDatapoint } from '../../../scripts/local/scheduler/ports';
import { DLQ_ARN, FakeClock, FakeMetricPublisher, FakeQueues, localSchedule, QUEUE_ARN } from './fakes';

const scheduledTime = new Date('2026-12-02T10:30:00Z');

function harness(start = '2026-12-02T10:30:00Z') {
  const clock = new FakeClock(start);
  const queues = new FakeQueues(clock);
  const publisher = new FakeMetricPublisher();
  const lines: string[] = [];
  const log = (line: string): void => {
    lines.push(line);
  };
  const metrics = new SchedulerMetrics({ publisher, clock, log, flushMs: 5_000 });
  const deps: DeliveryDeps = {
    queues,
    clock,
    random: () => 0.5,
    newExecutionId: () => 'exec',
    retryBackoff: { baseMs: 1_000, maxMs: 8_000 },
    log: () => undefined,
    metrics,
  };
  return { clock, queues, publisher, metrics, deps, lines };
}

/** `MetricName [Dimension=value] @minute: count`, sorted, for comparing whole publications. */
function summary(datapoints: readonly MetricDatapoint[]): string[] {
  return datapoints
    .map((datapoint) => {
      const dimensions = Object.entries(datapoint.dimensions).map(([name, value]) => `${name}=${value}`);
      return `${datapoint.metricName} [${dimensions.join(',')}] @${datapoint.timestamp.toISOString()}: ${datapoint.count}`;
    })
    .sort();
}

/** A throttling refusal as the SDK raises it. */
class RequestThrottled extends Error {
  override readonly name = 'RequestThrottled';
  readonly $metadata = { httpStatusCode: 403 };
}

describe('local scheduler AWS/Scheduler metrics', () => {
  it('counts a delivery retried to exhaustion then dead-lettered, per metric, for its group and account-wide', async () => {
    // Prepare: two retries, so three attempts, all failing; the DLQ takes the dead letter.
    const h = harness();
    h.queues.missing.add(QUEUE_ARN);
    const schedule = localSchedule({ groupName: 'sked-dev' });

    // Act
    const outcome = await deliverOccurrence(h.deps, schedule, scheduledTime);
    const published = await h.metrics.flush();

    // Assess: the retries waited 0.75 s and 1.5 s, all within the minute of 10:30.
    expect(outcome).toMatchObject({ kind: 'exhausted', attempts: 3, deadLettered: true });
    expect(published).toBe(true);
    expect(h.publisher.calls).toHaveLength(1);
    expect(h.publisher.calls[0]?.namespace).toBe('AWS/Scheduler');
    expect(summary(h.publisher.calls[0]?.datapoints ?? [])).toEqual([
      'InvocationAttemptCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 3',
      'InvocationAttemptCount [] @2026-12-02T10:30:00.000Z: 3',
      'InvocationDroppedCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'InvocationDroppedCount [] @2026-12-02T10:30:00.000Z: 1',
      'InvocationsSentToDeadLetterCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'InvocationsSentToDeadLetterCount [] @2026-12-02T10:30:00.000Z: 1',
      'TargetErrorCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 3',
      'TargetErrorCount [] @2026-12-02T10:30:00.000Z: 3',
    ]);
    expect(h.metrics.unpublished()).toEqual([]);
  });

  it('counts a dead letter that fails under the plain name and the one with its error code', async () => {
    // Prepare: no retries; the DLQ is gone too.
    const h = harness();
    h.queues.missing.add(QUEUE_ARN);
    h.queues.missing.add(DLQ_ARN);
    const schedule = localSchedule({
      groupName: 'sked-dev',
      target: { ...localSchedule().target, retryPolicy: { maximumEventAgeSeconds: 60, maximumRetryAttempts: 0 } },
    });

    // Act
    await deliverOccurrence(h.deps, schedule, scheduledTime);
    await h.metrics.flush();

    // Assess
    const names = summary(h.publisher.calls.flatMap((call) => call.datapoints)).filter((line) =>
      line.includes('[ScheduleGroup=sked-dev]'),
    );
    expect(names).toEqual([
      'InvocationAttemptCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'InvocationDroppedCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'InvocationsFailedToBeSentToDeadLetterCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'InvocationsFailedToBeSentToDeadLetterCount_AWS.SimpleQueueService.NonExistentQueue [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'TargetErrorCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
    ]);
  });

  it('counts a throttled send as a target error and a throttled one, then the retry that delivers', async () => {
    // Prepare
    const h = harness();
    let refused = false;
    h.deps = {
      ...h.deps,
      queues: {
        send: () => {
          if (refused) return Promise.resolve();
          refused = true;
          return Promise.reject(new RequestThrottled('Request is throttled.'));
        },
      },
    };

    // Act
    await deliverOccurrence(h.deps, localSchedule({ groupName: 'sked-dev' }), scheduledTime);
    await h.metrics.flush();

    // Assess
    expect(summary(h.publisher.calls.flatMap((call) => call.datapoints))).toEqual([
      'InvocationAttemptCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 2',
      'InvocationAttemptCount [] @2026-12-02T10:30:00.000Z: 2',
      'TargetErrorCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'TargetErrorCount [] @2026-12-02T10:30:00.000Z: 1',
      'TargetErrorThrottledCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'TargetErrorThrottledCount [] @2026-12-02T10:30:00.000Z: 1',
    ]);
  });

  it('keeps what a failed flush held, logs it once, and publishes it with later counts on the next flush', async () => {
    // Prepare
    const h = harness();
    h.publisher.failNext = 2;
    h.metrics.count('sked-dev', 'attempt');

    // Act
    const first = await h.metrics.flush();
    h.metrics.count('sked-dev', 'attempt');
    const second = await h.metrics.flush();
    const third = await h.metrics.flush();

    // Assess
    expect([first, second, third]).toEqual([false, false, true]);
    expect(h.lines).toEqual([
      'local scheduler: cannot publish AWS/Scheduler metrics (will keep trying): Error: CloudWatch is unavailable',
      'local scheduler: publishing AWS/Scheduler metrics again',
    ]);
    expect(summary(h.publisher.calls.flatMap((call) => call.datapoints))).toEqual([
      'InvocationAttemptCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 2',
      'InvocationAttemptCount [] @2026-12-02T10:30:00.000Z: 2',
    ]);
  });

  it('publishes one datapoint per minute, oldest first, and everything left on stop()', async () => {
    // Prepare
    const h = harness('2026-12-02T10:30:59Z');
    h.metrics.count('sked-dev', 'dropped');
    h.clock.set('2026-12-02T10:31:00Z');
    h.metrics.count('sked-dev', 'dropped');

    // Act
    await h.metrics.stop();

    // Assess
    expect(summary(h.publisher.calls.flatMap((call) => call.datapoints))).toEqual([
      'InvocationDroppedCount [ScheduleGroup=sked-dev] @2026-12-02T10:30:00.000Z: 1',
      'InvocationDroppedCount [ScheduleGroup=sked-dev] @2026-12-02T10:31:00.000Z: 1',
      'InvocationDroppedCount [] @2026-12-02T10:30:00.000Z: 1',
      'InvocationDroppedCount [] @2026-12-02T10:31:00.000Z: 1',
    ]);
    expect(h.metrics.unpublished()).toEqual([]);
  });

  it('sends at most 1,000 metrics a PutMetricData, each accepted by the limits guard, as statistic sets of Count', async () => {
    // Prepare: 1,000 groups with the longest names, each with a dead letter failing with a long code: 2,002 datapoints.
    const inputs: PutMetricDataCommandInput[] = [];
    const client = withAwsLimits(
      new CloudWatchClient({
        region: 'us-east-1',
        endpoint: 'http://127.0.0.1:9',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      }),
    );
    client.middlewareStack.add(
      (_next, context) => (args) => {
        if (context.commandName === 'PutMetricDataCommand') inputs.push(args.input as PutMetricDataCommandInput);
        return Promise.resolve({ output: { $metadata: {} }, response: {} });
      },
      { step: 'build', name: 'recordPutMetricData' },
    );
    const clock = new FakeClock('2026-12-02T10:30:00Z');
    const metrics = new SchedulerMetrics({
      publisher: new SdkMetricPublisher(client),
      clock,
      log: () => undefined,
      flushMs: 5_000,
    });
    for (let index = 0; index < 1000; index += 1) {
      metrics.count(`g${String(index).padStart(63, '0')}`, 'failedToBeSentToDeadLetter', `E${'x'.repeat(300)}`);
    }

    // Act
    await metrics.stop();
    client.destroy();

    // Assess
    expect(inputs.map((input) => input.MetricData?.length)).toEqual([1000, 1000, 2]);
    expect(inputs.every((input) => input.Namespace === 'AWS/Scheduler')).toBe(true);
    const first = inputs[0]?.MetricData?.[0];
    expect(first?.MetricName?.length).toBeLessThanOrEqual(255);
    expect(first).toMatchObject({
      Unit: 'Count',
      Timestamp: new Date('2026-12-02T10:30:00Z'),
      StatisticValues: { SampleCount: 1, Sum: 1, Minimum: 1, Maximum: 1 },
    });
    const accountWide = inputs.flatMap((input) => input.MetricData ?? []).filter((datum) => !datum.Dimensions);
    expect(accountWide.map((datum) => [datum.MetricName?.slice(0, 43), datum.StatisticValues?.Sum])).toEqual([
      ['InvocationsFailedToBeSentToDeadLetterCount', 1000],
      ['InvocationsFailedToBeSentToDeadLetterCount_', 1000],
    ]);
  });
});
