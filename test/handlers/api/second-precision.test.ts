import { describe, expect, it } from 'vitest';
import { bodyOf } from '../../support/fakes/api-gateway-event';
import { apiClient } from '../../support/fakes/api-handler';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

describe('the jobs API handler with triggers that need second precision', () => {
  it('previews a Quartz trigger at its seconds with 200, the tick schedule and why it needs one', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());

    // Act
    const response = await call({
      method: 'POST',
      path: '/triggers/preview',
      body: {
        trigger: { type: 'cron', expression: '0/15 30 1 * * ?', timezone: 'America/New_York' },
        count: 5,
        from: '2030-11-03T00:00:00Z',
      },
    });

    // Assess: 2030-11-03 is the New York fall-back day; 01:30 fires at its first occurrence (EDT) only
    expect(response.statusCode).toBe(200);
    expect(bodyOf(response)).toEqual({
      precision: 'second',
      expression: 'cron(0/5 * * * ? *)',
      timezone: 'UTC',
      triggerTimezone: 'America/New_York',
      nextRuns: [
        '2030-11-03T05:30:00.000Z',
        '2030-11-03T05:30:15.000Z',
        '2030-11-03T05:30:30.000Z',
        '2030-11-03T05:30:45.000Z',
        '2030-11-04T06:30:00.000Z',
      ],
      secondPrecision: {
        path: 'trigger.expression',
        message: expect.stringMatching(/second field is '0\/15'.*fires at most once a minute/) as unknown,
      },
    });
  });

  it('previews an APScheduler second field and an interval in seconds', async () => {
    // Prepare
    const call = apiClient(fakeJobsDeps());

    // Act
    const cron = await call({
      method: 'POST',
      path: '/triggers/preview',
      body: { trigger: { type: 'cron', second: '10, 40', minute: 0 }, count: 3 },
    });
    const interval = await call({
      method: 'POST',
      path: '/triggers/preview',
      body: { trigger: { type: 'interval', seconds: 20 }, count: 3 },
    });

    // Assess
    expect(bodyOf(cron).nextRuns).toEqual([
      '2030-01-01T00:00:10.000Z',
      '2030-01-01T00:00:40.000Z',
      '2030-01-01T01:00:10.000Z',
    ]);
    expect(bodyOf(interval).nextRuns).toEqual([
      '2030-01-01T00:00:00.000Z',
      '2030-01-01T00:00:20.000Z',
      '2030-01-01T00:00:40.000Z',
    ]);
    expect(bodyOf(interval).precision).toBe('second');
  });

  it('creates a job with such a trigger with 201 at second precision, with its tick schedule', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const call = apiClient(deps);

    // Act
    const response = await call({
      method: 'POST',
      path: '/jobs',
      body: cronJobBody({ id: 'tens', trigger: { type: 'cron', expression: '*/10 * * * * ?' } }),
    });
    const detail = await call({ method: 'GET', path: '/jobs/tens' });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(deps.schedules.definitions.get('tens')?.ScheduleExpression).toBe('cron(0/5 * * * ? *)');
    expect(bodyOf(detail).nextRuns).toEqual(
      expect.arrayContaining(['2030-01-01T00:00:00.000Z', '2030-01-01T00:00:10.000Z']),
    );
  });

  it("answers a job create with such a trigger and precision 'minute' with a 400 problem naming the field", async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const call = apiClient(deps);

    // Act
    const response = await call({
      method: 'POST',
      path: '/jobs',
      body: cronJobBody({ trigger: { type: 'cron', expression: '*/10 * * * * ?' }, precision: 'minute' }),
    });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(bodyOf(response).errors).toEqual([
      {
        path: 'trigger.expression',
        message:
          "the Quartz second field is '*/10': EventBridge Scheduler fires at most once a minute, so only second 0 " +
          "is supported (write 0 there); or leave out precision: 'minute' to fire it at the second",
      },
    ]);
    expect(deps.store.jobs.size).toBe(0);
  });

  it('creates a job with a Quartz expression whose seconds field is 0, as its cron(...)', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const call = apiClient(deps);

    // Act
    const response = await call({
      method: 'PUT',
      path: '/jobs/q',
      body: cronJobBody({ trigger: { type: 'cron', expression: '0 0 12 ? * 2#1 2031' } }),
    });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(deps.schedules.definitions.get('q')?.ScheduleExpression).toBe('cron(0 12 ? * 2#1 2031)');
  });
});
