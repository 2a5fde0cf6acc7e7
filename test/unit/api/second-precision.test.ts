import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/errors';
import type { FieldIssue } from '../../../lib/domain/errors';
import type { Trigger } from '../../../lib/schemas/trigger';
import { SCHEDULED_TIME_PLACEHOLDER } from '../../../lib/schemas/envelope';
import { createJob, getJob, patchJob, pauseJob, previewTrigger, putJob, resumeJob } from '../../../lib/use-cases/jobs';
import { cronJobBody, fakeJobsDeps, NOW } from '../../support/fakes/jobs-deps';

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
    it('lists a Quartz every-10-seconds trigger to the second, with the tick schedule and why it needs one', () => {
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
        precision: 'second',
        expression: 'cron(0/5 * * * ? *)',
        timezone: 'UTC',
        triggerTimezone: 'Europe/Paris',
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
        precision: 'minute',
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
        precision: 'second',
        expression: 'cron(0/5 * * * ? *)',
        timezone: 'UTC',
        triggerTimezone: 'Europe/Paris',
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
    it.each(SECOND_TRIGGERS)(
      'createJob takes %s at second precision: a tick schedule, a first tick, next runs to the second',
      async (_name, trigger) => {
        // Prepare
        const deps = fakeJobsDeps();

        // Act
        const { job } = await createJob(deps, { body: cronJobBody({ id: 'j', trigger }), onConflict: 'fail', caller });
        const detail = await getJob(deps, 'j');

        // Assess
        expect(job.trigger).toEqual(trigger);
        expect(job.precision).toBeUndefined();
        expect(deps.schedules.definitions.get('j')).toMatchObject({
          ScheduleExpression: 'cron(0/5 * * * ? *)',
          ScheduleExpressionTimezone: 'UTC',
          State: 'ENABLED',
          FlexibleTimeWindow: { Mode: 'OFF' },
          Target: {
            Input: JSON.stringify({ v: 1, jobId: 'j', kind: 'tick', scheduledTime: SCHEDULED_TIME_PLACEHOLDER }),
          },
        });
        expect(deps.queue.sent).toEqual([{ v: 1, jobId: 'j', kind: 'tick', scheduledTime: NOW.toISOString() }]);
        expect(detail.nextRuns.length).toBeGreaterThan(0);
        expect(detail.nextRuns.some((time) => !time.endsWith(':00.000Z'))).toBe(true);
      },
    );

    it.each(SECOND_TRIGGERS)(
      "createJob refuses %s on a job that asks for precision: 'minute', naming the field",
      async (_name, trigger, issue) => {
        // Prepare
        const deps = fakeJobsDeps();

        // Act
        const issues = await validationIssues(
          createJob(deps, {
            body: cronJobBody({ id: 'j', trigger, precision: 'minute' }),
            onConflict: 'fail',
            caller,
          }),
        );

        // Assess
        expect(issues).toEqual([
          { path: issue.path, message: `${issue.message}; or leave out precision: 'minute' to fire it at the second` },
        ]);
        expect(deps.store.jobs.size).toBe(0);
        expect(deps.schedules.definitions.size).toBe(0);
        expect(deps.queue.sent).toEqual([]);
      },
    );

    it.each(SECOND_TRIGGERS)(
      "putJob refuses %s with precision: 'minute' and keeps the job",
      async (_name, trigger, issue) => {
        // Prepare
        const deps = fakeJobsDeps();
        await putJob(deps, { id: 'j', body: cronJobBody(), caller });

        // Act
        const issues = await validationIssues(
          putJob(deps, { id: 'j', body: cronJobBody({ trigger, precision: 'minute' }), caller }),
        );

        // Assess
        expect(issues.map((found) => found.path)).toEqual([issue.path]);
        expect(deps.schedules.definitions.get('j')?.ScheduleExpression).toBe('cron(30 9 ? * MON-FRI *)');
      },
    );

    it.each(SECOND_TRIGGERS)(
      "patchJob refuses %s with precision: 'minute' and keeps the job",
      async (_name, trigger, issue) => {
        // Prepare
        const deps = fakeJobsDeps();
        await putJob(deps, { id: 'j', body: cronJobBody({ precision: 'minute' }), caller });
        // A merge patch keeps the fields it does not name, so it removes the old trigger's with null
        const patch = { trigger: { expression: null, timezone: null, ...trigger } };

        // Act
        const issues = await validationIssues(patchJob(deps, { id: 'j', patch, caller }));

        // Assess
        expect(issues.map((found) => found.path)).toEqual([issue.path]);
        expect(deps.store.jobs.get('j')?.version).toBe(1);
      },
    );

    it("runs a minute cron at second precision when the job asks for precision: 'second'", async () => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      await createJob(deps, { body: cronJobBody({ id: 'daily', precision: 'second' }), onConflict: 'fail', caller });

      // Assess
      expect(deps.schedules.definitions.get('daily')).toMatchObject({ ScheduleExpression: 'cron(0/5 * * * ? *)' });
      expect(deps.queue.sent).toHaveLength(1);
    });

    it('refuses a flexible time window on a second-precision job, naming jitterMinutes', async () => {
      // Prepare
      const deps = fakeJobsDeps();

      // Act
      const issues = await validationIssues(
        createJob(deps, {
          body: cronJobBody({ id: 'j', trigger: { type: 'interval', seconds: 5 }, jitterMinutes: 2 }),
          onConflict: 'fail',
          caller,
        }),
      );

      // Assess
      expect(issues.map((issue) => issue.path)).toEqual(['jitterMinutes']);
      expect(issues[0]?.message).toMatch(/no flexible time window/);
    });

    it('starts the tick schedule 10 minutes before a future startAt and ends it at endAt', async () => {
      // Prepare
      const deps = fakeJobsDeps();
      const body = cronJobBody({
        id: 'bounded',
        trigger: { type: 'interval', seconds: 5 },
        startAt: '2030-01-02T09:00:00Z',
        endAt: '2030-01-02T10:00:00Z',
      });

      // Act
      await createJob(deps, { body, onConflict: 'fail', caller });

      // Assess
      expect(deps.schedules.definitions.get('bounded')).toMatchObject({
        StartDate: new Date('2030-01-02T08:50:00Z'),
        EndDate: new Date('2030-01-02T10:00:00Z'),
        ActionAfterCompletion: 'NONE',
      });
    });

    it('gives a date job with seconds a tick schedule that ends at its date and deletes itself', async () => {
      // Prepare
      const deps = fakeJobsDeps();
      const trigger: Trigger = { type: 'date', runAt: '2030-01-01T09:28:05Z' };

      // Act
      await createJob(deps, { body: cronJobBody({ id: 'once', trigger }), onConflict: 'fail', caller });

      // Assess
      expect(deps.schedules.definitions.get('once')).toMatchObject({
        StartDate: new Date('2030-01-01T09:18:05Z'),
        EndDate: new Date('2030-01-01T09:28:05Z'),
        ActionAfterCompletion: 'DELETE',
      });
    });

    it('sends no first tick for a paused job, and one when it is resumed', async () => {
      // Prepare
      const deps = fakeJobsDeps();
      await createJob(deps, {
        body: cronJobBody({ id: 'j', trigger: { type: 'interval', seconds: 5 } }),
        onConflict: 'fail',
        caller,
      });
      await pauseJob(deps, { id: 'j', body: {}, caller });
      const sentWhilePaused = deps.queue.sent.length;

      // Act
      await resumeJob(deps, { id: 'j', caller });

      // Assess
      expect(sentWhilePaused).toBe(1);
      expect(deps.schedules.definitions.get('j')?.State).toBe('ENABLED');
      expect(deps.queue.sent.map((envelope) => envelope.kind)).toEqual(['tick', 'tick']);
    });

    it('keeps the job when its first tick cannot be sent, and says so in the log', async () => {
      // Prepare
      const deps = fakeJobsDeps();
      deps.queue.failure = new Error('SQS unavailable');

      // Act
      const { job } = await createJob(deps, {
        body: cronJobBody({ id: 'j', trigger: { type: 'interval', seconds: 5 } }),
        onConflict: 'fail',
        caller,
      });

      // Assess
      expect(job.id).toBe('j');
      expect(deps.store.jobs.has('j')).toBe(true);
      expect(deps.log.entries.filter((entry) => entry.level === 'warn').map((entry) => entry.message)).toContain(
        'could not send the first tick of a second-precision job; its next scheduled tick covers it',
      );
    });

    it("reads APScheduler's run_date form with a space, and fires an interval created mid-second on whole seconds", async () => {
      // Prepare: created at 00:00:00.250
      const deps = fakeJobsDeps(new Date('2030-01-01T00:00:00.250Z'));

      // Act
      await createJob(deps, {
        body: cronJobBody({ id: 'once', trigger: { type: 'date', runAt: '2030-08-13 23:28:05' } }),
        onConflict: 'fail',
        caller,
      });
      await createJob(deps, {
        body: cronJobBody({ id: 'fives', trigger: { type: 'interval', seconds: 5 } }),
        onConflict: 'fail',
        caller,
      });

      // Assess
      expect((await getJob(deps, 'once')).nextRuns).toEqual(['2030-08-13T23:28:05.000Z']);
      expect((await getJob(deps, 'fives')).nextRuns.slice(0, 2)).toEqual([
        '2030-01-01T00:00:01.000Z',
        '2030-01-01T00:00:06.000Z',
      ]);
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
