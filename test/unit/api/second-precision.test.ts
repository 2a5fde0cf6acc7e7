import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/errors';
import type { FieldIssue } from '../../../lib/domain/errors';
import type { Trigger } from '../../../lib/schemas/trigger';
import { createJob, getJob, patchJob, previewTrigger, putJob } from '../../../lib/use-cases/jobs';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

const caller = 'arn:aws:iam::000000000000:user/alice';

async function validationIssues(promise: Promise<unknown>): Promise<FieldIssue[]> {
  const error: unknown = await promise.then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  if (!(error instanceof ValidationError)) throw new Error(`expected a ValidationError, got ${String(error)}`);
  return [...error.issues];
}

const SECOND_TRIGGERS: [string, Trigger, FieldIssue][] = [
  [
    "an APScheduler second='*/10'",
    { type: 'cron', second: '*/10', minute: 0 },
    {
      path: 'trigger.second',
      message: 'EventBridge Scheduler fires at most once a minute, so only second 0 is supported',
    },
  ],
  [
    'a Quartz expression firing at second 30',
    { type: 'cron', expression: '30 15 10 ? * MON-FRI' },
    {
      path: 'trigger.expression',
      message:
        "the Quartz second field is '30': EventBridge Scheduler fires at most once a minute, so only second 0 is " +
        'supported (write 0 there)',
    },
  ],
  [
    'an interval of 90 seconds',
    { type: 'interval', seconds: 90 },
    {
      path: 'trigger.seconds',
      message:
        'an interval of 90 seconds is not a whole number of minutes: EventBridge Scheduler fires on whole minutes ' +
        'and sked does not round',
    },
  ],
  [
    'a runAt with seconds',
    { type: 'date', runAt: '2030-06-01T09:00:30', timezone: 'Europe/Paris' },
    {
      path: 'trigger.runAt',
      message: 'seconds must be 0: EventBridge Scheduler runs one-time schedules at minute precision',
    },
  ],
];

describe('triggers that need second precision', () => {
  describe('previewTrigger', () => {
    it('lists a Quartz every-10-seconds trigger to the second, with no expression and the reason a job refuses it', () => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      const preview = previewTrigger(deps, {
        trigger: { type: 'cron', expression: '*/10 * * * * ?', timezone: 'Europe/Paris' },
        count: 3,
        from: '2030-01-01T08:59:55Z',
      });

      // Assess
      expect(preview).toEqual({
        timezone: 'Europe/Paris',
        nextRuns: ['2030-01-01T09:00:00.000Z', '2030-01-01T09:00:10.000Z', '2030-01-01T09:00:20.000Z'],
        secondPrecision: {
          path: 'trigger.expression',
          message: expect.stringMatching(/Quartz second field is '\*\/10'.*once a minute/) as unknown,
        },
      });
      expect(deps.store.jobs.size).toBe(0);
    });

    it('gives a Quartz expression with seconds field 0 its equivalent cron(...) and no secondPrecision', () => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      const preview = previewTrigger(deps, {
        trigger: { type: 'cron', expression: '0 0 12 ? * 2#1 2030', timezone: 'UTC' },
        count: 2,
      });

      // Assess
      expect(preview).toEqual({
        expression: 'cron(0 12 ? * 2#1 2030)',
        timezone: 'UTC',
        nextRuns: ['2030-01-07T12:00:00.000Z', '2030-02-04T12:00:00.000Z'],
      });
    });

    it('anchors an interval in seconds at startAt, as a rate is', () => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      const preview = previewTrigger(deps, {
        trigger: { type: 'interval', minutes: 2, seconds: 5 },
        count: 3,
        from: '2030-01-01T00:05:00Z',
        startAt: '2030-01-01T00:00:03Z',
      });

      // Assess: 00:00:03 + k x 125 s
      expect(preview.nextRuns).toEqual([
        '2030-01-01T00:06:18.000Z',
        '2030-01-01T00:08:23.000Z',
        '2030-01-01T00:10:28.000Z',
      ]);
      expect(preview.secondPrecision?.path).toBe('trigger.seconds');
    });

    it('lists a runAt with seconds in its time zone', () => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      const preview = previewTrigger(deps, {
        trigger: { type: 'date', runAt: '2030-06-01T09:00:30', timezone: 'Europe/Paris' },
      });

      // Assess
      expect(preview).toEqual({
        timezone: 'Europe/Paris',
        nextRuns: ['2030-06-01T07:00:30.000Z'],
        secondPrecision: { path: 'trigger.runAt', message: expect.stringMatching(/seconds must be 0/) as unknown },
      });
    });

    it('still refuses a runAt with seconds that is not in the future', () => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      const attempt = () => previewTrigger(deps, { trigger: { type: 'date', runAt: '2029-12-31T23:59:30Z' } });

      // Assess
      expect(attempt).toThrow(/not in the future/);
    });

    it('refuses an invalid Quartz expression naming the field', () => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      const attempt = () => previewTrigger(deps, { trigger: { type: 'cron', expression: '*/10 * * * * *' } });

      // Assess
      expect(attempt).toThrow(
        expect.objectContaining({ issues: [expect.objectContaining({ path: 'trigger.expression' })] }),
      );
    });
  });

  describe('job writes', () => {
    it.each(SECOND_TRIGGERS)('createJob refuses %s with the field and the reason', async (_name, trigger, issue) => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      const issues = await validationIssues(
        createJob(deps, { body: cronJobBody({ id: 'j', trigger }), onConflict: 'fail', caller }),
      );

      // Assess
      expect(issues).toEqual([issue]);
      expect(deps.store.jobs.size).toBe(0);
      expect(deps.schedules.definitions.size).toBe(0);
    });

    it.each(SECOND_TRIGGERS)('putJob refuses %s with the field and the reason', async (_name, trigger, issue) => {
      // Prepare
      const deps = fakeJobsDeps();
      await putJob(deps, { id: 'j', body: cronJobBody(), caller });

      // Act
      const issues = await validationIssues(putJob(deps, { id: 'j', body: cronJobBody({ trigger }), caller }));

      // Assess
      expect(issues).toEqual([issue]);
      expect(deps.schedules.definitions.get('j')?.ScheduleExpression).toBe('cron(30 9 ? * MON-FRI *)');
    });

    it.each(SECOND_TRIGGERS)('patchJob refuses %s with the field and the reason', async (_name, trigger, issue) => {
      // Prepare
      const deps = fakeJobsDeps();
      await putJob(deps, { id: 'j', body: cronJobBody(), caller });
      // A merge patch keeps the fields it does not name, so it removes the old trigger's with null
      const patch = { trigger: { expression: null, timezone: null, ...trigger } };

      // Act
      const issues = await validationIssues(patchJob(deps, { id: 'j', patch, caller }));

      // Assess
      expect(issues).toEqual([issue]);
      expect(deps.store.jobs.get('j')?.version).toBe(1);
    });

    it('accepts a Quartz expression with seconds field 0 as its equivalent cron(...)', async () => {
      // Prepare
      const deps = fakeJobsDeps();
      const trigger: Trigger = { type: 'cron', expression: '0 15 10 ? * MON-FRI', timezone: 'Europe/Paris' };

      // Act
      const { job } = await createJob(deps, { body: cronJobBody({ id: 'q', trigger }), onConflict: 'fail', caller });
      const detail = await getJob(deps, 'q');

      // Assess
      expect(job.trigger).toEqual(trigger);
      expect(deps.schedules.definitions.get('q')).toMatchObject({
        ScheduleExpression: 'cron(15 10 ? * MON-FRI *)',
        ScheduleExpressionTimezone: 'Europe/Paris',
      });
      expect(detail.nextRuns.slice(0, 2)).toEqual(['2030-01-01T09:15:00.000Z', '2030-01-02T09:15:00.000Z']);
    });
  });
});
