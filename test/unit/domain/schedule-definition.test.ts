import { describe, expect, it } from 'vitest';
import { buildJob } from '../../../lib/domain/job';
import { toScheduleDefinition } from '../../../lib/domain/schedule-definition';
import { scheduledRunId, manualRunId } from '../../../lib/domain/run-id';
import { DEFAULT_JOB_POLICIES, jobInputSchema, type JobInput } from '../../../lib/schemas/job';
import { runEnvelopeSchema } from '../../../lib/schemas/envelope';

const now = new Date('2026-06-01T12:00:00Z');
const target = {
  groupName: 'sked-prod',
  queueArn: 'arn:aws:sqs:eu-west-1:123456789012:sked-jobs',
  roleArn: 'arn:aws:iam::123456789012:role/sked-scheduler',
  deliveryDlqArn: 'arn:aws:sqs:eu-west-1:123456789012:sked-delivery-dlq',
};
const jobFrom = (input: JobInput) =>
  buildJob(jobInputSchema.parse(input), { now, newId: () => 'job-1', defaults: DEFAULT_JOB_POLICIES });

describe('the schedule written for a job', () => {
  it('is complete for a cron job: expression, timezone, window, target, envelope, retry policy and DLQ', () => {
    // Prepare
    const job = jobFrom({
      id: 'nightly',
      description: 'nightly report',
      trigger: { type: 'cron', expression: '30 10 * * *', timezone: 'Asia/Shanghai' },
      target: { type: 'task', task: 'report' },
      startAt: '2026-07-01T00:00:00Z',
      endAt: '2027-07-01T00:00:00Z',
      jitterMinutes: 5,
    });

    // Act
    const definition = toScheduleDefinition(job, target, now);

    // Assess
    expect(definition).toEqual({
      Name: 'nightly',
      GroupName: 'sked-prod',
      ScheduleExpression: 'cron(30 10 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Shanghai',
      StartDate: new Date('2026-07-01T00:00:00Z'),
      EndDate: new Date('2027-07-01T00:00:00Z'),
      Description: 'nightly report',
      State: 'ENABLED',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 5 },
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: target.queueArn,
        RoleArn: target.roleArn,
        Input: '{"v":1,"jobId":"nightly","kind":"schedule","scheduledTime":"<aws.scheduler.scheduled-time>"}',
        RetryPolicy: { MaximumEventAgeInSeconds: 300 + 300 + 3600, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: target.deliveryDlqArn },
      },
    });
    expect(runEnvelopeSchema.safeParse(JSON.parse(definition.Target.Input)).success).toBe(true);
  });

  it('turns off the flexible window without jitter, disables a paused job and deletes a date schedule after it ran', () => {
    // Prepare
    const job = {
      ...jobFrom({
        trigger: { type: 'date', runAt: '2030-01-01T09:00:00', timezone: 'Europe/Paris' },
        target: { type: 'task', task: 'x' },
      }),
      state: 'paused' as const,
    };

    // Act
    const definition = toScheduleDefinition(job, target, now);

    // Assess
    expect(definition).toMatchObject({
      ScheduleExpression: 'at(2030-01-01T09:00:00)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      FlexibleTimeWindow: { Mode: 'OFF' },
      State: 'DISABLED',
      ActionAfterCompletion: 'DELETE',
    });
    expect(definition).not.toHaveProperty('StartDate');
    expect(definition).not.toHaveProperty('Description');
  });

  it('caps delivery retries at a day', () => {
    // Prepare
    const job = jobFrom({
      trigger: { type: 'interval', minutes: 90 },
      target: { type: 'task', task: 'x' },
      misfireGraceSeconds: 86_400,
    });

    // Act
    const definition = toScheduleDefinition(job, target, now);

    // Assess
    expect(definition.ScheduleExpression).toBe('rate(90 minutes)');
    expect(definition.Target.RetryPolicy.MaximumEventAgeInSeconds).toBe(86_400);
  });
});

describe('run ids', () => {
  it('are the same for every delivery of an occurrence and sort by time', () => {
    // Act
    const first = scheduledRunId(new Date('2030-01-01T09:00:00.000Z'));
    const again = scheduledRunId(new Date('2030-01-01T09:00:00Z'));
    const manual = manualRunId(new Date('2030-01-01T09:05:00Z'), 'ab12cd34');

    // Assess
    expect(first).toBe('20300101T090000Z');
    expect(again).toBe(first);
    expect(manual).toBe('20300101T090500Z-mab12cd34');
    expect([manual, first].sort()).toEqual([first, manual]);
  });
});
