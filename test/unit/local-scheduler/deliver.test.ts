import { describe, expect, it } from 'vitest';
import { formatScheduledTime, newExecutionId, substituteContext } from '../../../scripts/local/scheduler/context';
import { deliverOccurrence, retryDelayMs, type DeliveryDeps } from '../../../scripts/local/scheduler/deliver';
import { NO_DELIVERY_METRICS } from '../../../scripts/local/scheduler/metrics';
import { DLQ_ARN, FakeClock, FakeQueues, localSchedule, QUEUE_ARN } from './fakes';

const scheduledTime = new Date('2026-12-02T10:30:00Z');
const CONTEXT_INPUT =
  '{"arn":"<aws.scheduler.schedule-arn>","time":"<aws.scheduler.scheduled-time>",' +
  '"execution":"<aws.scheduler.execution-id>","attempt":<aws.scheduler.attempt-number>}';

function deliveryDeps(start = '2026-12-02T10:30:00Z') {
  const clock = new FakeClock(start);
  const queues = new FakeQueues(clock);
  const lines: string[] = [];
  let ids = 0;
  const deps: DeliveryDeps = {
    queues,
    clock,
    random: () => 0.5,
    newExecutionId: () => `exec-${++ids}`,
    retryBackoff: { baseMs: 1_000, maxMs: 8_000 },
    log: (line) => lines.push(line),
    metrics: NO_DELIVERY_METRICS,
  };
  return { deps, clock, queues, lines };
}

describe('local scheduler context attributes', () => {
  it('substitutes all four as AWS does, the time in UTC to the second', () => {
    // Prepare
    const context = {
      scheduleArn: 'arn:aws:scheduler:us-east-1:000000000000:schedule/g/n',
      scheduledTime: new Date('2026-12-02T10:30:00.750Z'),
      executionId: 'd32c5kddcf5bb8c3',
      attemptNumber: 3,
    };

    // Act
    const body = substituteContext(`${CONTEXT_INPUT} <aws.scheduler.other>`, context);

    // Assess
    expect(body).toBe(
      '{"arn":"arn:aws:scheduler:us-east-1:000000000000:schedule/g/n","time":"2026-12-02T10:30:00Z",' +
        '"execution":"d32c5kddcf5bb8c3","attempt":3} <aws.scheduler.other>',
    );
  });

  it('formats the scheduled time like 2026-12-02T10:30:00Z and makes a new 16-character execution id each time', () => {
    // Prepare
    const time = new Date('2026-12-02T10:30:00Z');

    // Act
    const formatted = formatScheduledTime(time);
    const ids = new Set(Array.from({ length: 50 }, () => newExecutionId()));

    // Assess
    expect(formatted).toBe('2026-12-02T10:30:00Z');
    expect(ids.size).toBe(50);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{16}$/);
  });
});

describe('local scheduler delivery', () => {
  it('sends the substituted input to the target queue once when it succeeds', async () => {
    // Prepare
    const { deps, queues, lines } = deliveryDeps();
    const schedule = localSchedule({ target: { ...localSchedule().target, input: CONTEXT_INPUT } });

    // Act
    const outcome = await deliverOccurrence(deps, schedule, scheduledTime);

    // Assess
    expect(outcome).toEqual({ kind: 'delivered', attempts: 1 });
    expect(queues.bodiesTo(QUEUE_ARN)).toEqual([
      `{"arn":"${schedule.arn}","time":"2026-12-02T10:30:00Z","execution":"exec-1","attempt":1}`,
    ]);
    expect(lines).toEqual([
      'local scheduler: sked-test/job-1 at 2026-12-02T10:30:00Z attempt 1: delivered (execution exec-1)',
    ]);
  });

  it('passes SqsParameters.MessageGroupId on for a FIFO queue', async () => {
    // Prepare
    const { deps, queues } = deliveryDeps();
    const schedule = localSchedule({ target: { ...localSchedule().target, messageGroupId: 'jobs' } });

    // Act
    await deliverOccurrence(deps, schedule, scheduledTime);

    // Assess
    expect(queues.sent.map((message) => message.messageGroupId)).toEqual(['jobs']);
  });

  it('retries a failed send with a new execution id and attempt number, and delivers on the retry', async () => {
    // Prepare
    const { deps, queues, clock } = deliveryDeps();
    const schedule = localSchedule({ target: { ...localSchedule().target, input: CONTEXT_INPUT } });
    queues.missing.add(QUEUE_ARN);
    const originalSend = queues.send.bind(queues);
    queues.send = async (arn, message) => {
      const result = originalSend(arn, message);
      queues.missing.delete(QUEUE_ARN);
      return result;
    };

    // Act
    const outcome = await deliverOccurrence(deps, schedule, scheduledTime);

    // Assess: the one retry waited min(8 s, 1 s) × [0.5, 1], here 0.75 s.
    expect(outcome).toEqual({ kind: 'delivered', attempts: 2 });
    expect(queues.attempted.map((message) => message.at - scheduledTime.getTime())).toEqual([0, 750]);
    expect(queues.bodiesTo(QUEUE_ARN)).toEqual([
      `{"arn":"${schedule.arn}","time":"2026-12-02T10:30:00Z","execution":"exec-2","attempt":2}`,
    ]);
    expect(clock.now()).toBe(scheduledTime.getTime() + 750);
  });

  it('after MaximumRetryAttempts retries sends the dead-letter event with the documented attributes', async () => {
    // Prepare
    const { deps, queues } = deliveryDeps();
    const schedule = localSchedule({ target: { ...localSchedule().target, input: CONTEXT_INPUT } });
    queues.missing.add(QUEUE_ARN);

    // Act
    const outcome = await deliverOccurrence(deps, schedule, scheduledTime);

    // Assess: 1 attempt + 2 retries, then the DLQ copy of the last attempt's input.
    expect(outcome).toEqual({ kind: 'exhausted', attempts: 3, condition: 'MaximumRetryAttempts', deadLettered: true });
    expect(queues.attempted.filter((message) => message.queueArn === QUEUE_ARN)).toHaveLength(3);
    const [deadLetter, ...others] = queues.sent;
    expect(others).toEqual([]);
    expect(deadLetter?.queueArn).toBe(DLQ_ARN);
    expect(deadLetter?.body).toBe(
      `{"arn":"${schedule.arn}","time":"2026-12-02T10:30:00Z","execution":"exec-3","attempt":3}`,
    );
    expect(deadLetter?.attributes).toEqual({
      ERROR_CODE: 'AWS.SimpleQueueService.NonExistentQueue',
      ERROR_MESSAGE: 'The specified queue does not exist.',
      EXECUTION_ID: 'exec-3',
      EXHAUSTED_RETRY_CONDITION: 'MaximumRetryAttempts',
      IS_PAYLOAD_TRUNCATED: 'false',
      RETRY_ATTEMPTS: '2',
      SCHEDULED_TIME: '2026-12-02T10:30:00Z',
      SCHEDULE_ARN: schedule.arn,
      TARGET_ARN: QUEUE_ARN,
    });
  });

  it('stops retrying at MaximumEventAgeInSeconds and names that condition', async () => {
    // Prepare: retries wait 30 s, 60 s, 120 s ... (3/4 of a cap of 40 s, doubling); the event may be 100 s old.
    const { deps, queues } = deliveryDeps();
    const schedule = localSchedule({
      target: {
        ...localSchedule().target,
        retryPolicy: { maximumEventAgeSeconds: 100, maximumRetryAttempts: 185 },
      },
    });
    queues.missing.add(QUEUE_ARN);

    // Act
    const outcome = await deliverOccurrence(
      { ...deps, retryBackoff: { baseMs: 40_000, maxMs: 600_000 } },
      schedule,
      scheduledTime,
    );

    // Assess: attempts at 0 s, 30 s and 90 s; a fourth at 210 s would be past the age.
    expect(outcome).toEqual({
      kind: 'exhausted',
      attempts: 3,
      condition: 'MaximumEventAgeInSeconds',
      deadLettered: true,
    });
    expect(
      queues.attempted
        .filter((message) => message.queueArn === QUEUE_ARN)
        .map((message) => message.at - scheduledTime.getTime()),
    ).toEqual([0, 30_000, 90_000]);
    expect(queues.sent[0]?.attributes?.EXHAUSTED_RETRY_CONDITION).toBe('MaximumEventAgeInSeconds');
  });

  it('drops the occurrence, with a log line, when the retries run out and there is no DeadLetterConfig', async () => {
    // Prepare
    const { deps, queues, lines } = deliveryDeps();
    const { deadLetterArn: _none, ...target } = localSchedule().target;
    const schedule = localSchedule({
      target: { ...target, retryPolicy: { maximumEventAgeSeconds: 60, maximumRetryAttempts: 0 } },
    });
    queues.missing.add(QUEUE_ARN);

    // Act
    const outcome = await deliverOccurrence(deps, schedule, scheduledTime);

    // Assess
    expect(outcome).toEqual({ kind: 'exhausted', attempts: 1, condition: 'MaximumRetryAttempts', deadLettered: false });
    expect(queues.sent).toEqual([]);
    expect(lines.at(-1)).toBe(
      'local scheduler: sked-test/job-1 at 2026-12-02T10:30:00Z: dropped after 1 attempt(s) (MaximumRetryAttempts), no DeadLetterConfig',
    );
  });

  it('abandons the retries once the scheduler stops', async () => {
    // Prepare
    const { deps, queues } = deliveryDeps();
    const stopping = new AbortController();
    queues.missing.add(QUEUE_ARN);
    deps.clock.sleep = () => {
      stopping.abort();
      return Promise.resolve();
    };

    // Act
    const outcome = await deliverOccurrence(deps, localSchedule(), scheduledTime, stopping.signal);

    // Assess
    expect(outcome).toEqual({ kind: 'abandoned', attempts: 1 });
    expect(queues.attempted).toHaveLength(1);
  });

  it('waits between retries with exponential backoff and jitter: [cap / 2, cap], cap doubling up to maxMs', () => {
    // Prepare
    const backoff = { baseMs: 100, maxMs: 1_000 };

    // Act
    const lowest = [1, 2, 3, 4, 5].map((retry) => retryDelayMs(backoff, retry, () => 0));
    const highest = [1, 2, 3, 4, 5].map((retry) => retryDelayMs(backoff, retry, () => 0.999_999));

    // Assess
    expect(lowest).toEqual([50, 100, 200, 400, 500]);
    expect(highest).toEqual([100, 200, 400, 800, 1_000]);
  });
});
