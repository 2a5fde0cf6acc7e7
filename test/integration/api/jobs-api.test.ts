import { Logger } from '@aws-lambda-powertools/logger';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateScheduleCommand,
  DeleteScheduleCommand,
  GetScheduleCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-scheduler';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulerSchedules } from '../../../lib/adapters/aws/scheduler-schedules';
import { makeApiHandler } from '../../../lib/handlers/api-handler';
import { awsJobsDeps } from '../../../lib/composition/aws-jobs-deps';
import { buildOpenApiDocument } from '../../../lib/openapi';
import { problemSchema } from '../../../lib/schemas/api';
import { apiConfigSchema, parseConfig } from '../../../lib/schemas/config';
import { reconcile } from '../../../lib/use-cases/jobs';
import type { JobsDeps } from '../../../lib/use-cases/jobs/deps';
import { apiEvent, bodyOf, lambdaContext, type RequestSpec } from '../../support/fakes/api-gateway-event';
import { testTaskRegistry } from '../../support/fakes/jobs-deps';
import { createCloudFixture, type CloudFixture } from './cloud-fixture';

const logger = new Logger({ serviceName: 'sked-api-it', logLevel: 'SILENT' });
const task = { type: 'task', task: 'report', payload: { recipient: 'ops@example.com' } };

describe('the jobs API against the local cloud', () => {
  let cloud: CloudFixture;
  let deps: JobsDeps;
  let call: (spec: RequestSpec) => ReturnType<ReturnType<typeof makeApiHandler>>;

  const scheduleOf = (name: string, groupName = cloud.groupName) =>
    cloud.clients.scheduler.send(new GetScheduleCommand({ Name: name, GroupName: groupName }));
  const storedJob = (id: string) =>
    cloud.clients.dynamodb.send(
      new GetItemCommand({ TableName: cloud.jobsTable, Key: { id: { S: id } }, ConsistentRead: true }),
    );

  beforeAll(async () => {
    cloud = await createCloudFixture('sked-api');
    const config = parseConfig(apiConfigSchema, cloud.env);
    deps = awsJobsDeps(config, testTaskRegistry(), logger, cloud.clients);
    const handler = makeApiHandler({ deps, logger, openApiDocument: buildOpenApiDocument });
    call = (spec) => handler(apiEvent(spec), lambdaContext());
  });

  afterAll(async () => {
    const names = await new SchedulerSchedules(cloud.clients.scheduler, cloud.groupName).listNames();
    for (const Name of names) {
      await cloud.clients.scheduler.send(new DeleteScheduleCommand({ Name, GroupName: cloud.groupName }));
    }
    await cloud.destroy();
  });

  it('creates a cron job whose schedule carries the expression, zone, window, target, input, retries and DLQ', async () => {
    // Act
    const response = await call({
      method: 'POST',
      path: '/jobs',
      body: {
        id: 'cron-job',
        trigger: { type: 'cron', expression: '30 9 * * 1-5', timezone: 'Europe/Paris' },
        target: task,
        jitterMinutes: 10,
        misfireGraceSeconds: 600,
        description: 'weekday report',
      },
    });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(response.headers).toMatchObject({ Location: '/jobs/cron-job', ETag: '"cron-job.v1"' });
    const schedule = await scheduleOf('cron-job');
    expect(schedule).toMatchObject({
      Name: 'cron-job',
      GroupName: cloud.groupName,
      ScheduleExpression: 'cron(30 9 ? * MON-FRI *)',
      ScheduleExpressionTimezone: 'Europe/Paris',
      State: 'ENABLED',
      Description: 'weekday report',
      FlexibleTimeWindow: { Mode: 'FLEXIBLE', MaximumWindowInMinutes: 10 },
      ActionAfterCompletion: 'NONE',
      Target: {
        Arn: cloud.queueArn,
        RoleArn: cloud.roleArn,
        RetryPolicy: { MaximumEventAgeInSeconds: 600 + 600 + 3600, MaximumRetryAttempts: 185 },
        DeadLetterConfig: { Arn: cloud.deliveryDlqArn },
      },
    });
    expect(JSON.parse(schedule.Target?.Input ?? '')).toEqual({
      v: 1,
      jobId: 'cron-job',
      kind: 'schedule',
      scheduledTime: '<aws.scheduler.scheduled-time>',
    });
    expect((await storedJob('cron-job')).Item?.version).toEqual({ N: '1' });
  });

  it('creates an interval job as a rate schedule with no window', async () => {
    // Act
    const response = await call({
      method: 'POST',
      path: '/jobs',
      body: { id: 'interval-job', trigger: { type: 'interval', hours: 2 }, target: task },
    });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(await scheduleOf('interval-job')).toMatchObject({
      ScheduleExpression: 'rate(2 hours)',
      ScheduleExpressionTimezone: 'UTC',
      FlexibleTimeWindow: { Mode: 'OFF' },
      Target: { RetryPolicy: { MaximumEventAgeInSeconds: 3900, MaximumRetryAttempts: 185 } },
    });
  });

  it('creates a date job as a one-time schedule that deletes itself after completion', async () => {
    // Act
    const response = await call({
      method: 'POST',
      path: '/jobs',
      body: {
        id: 'date-job',
        trigger: { type: 'date', runAt: '2031-03-01T08:15:00', timezone: 'America/New_York' },
        target: { type: 'http', url: 'https://hooks.example.test/ping', body: { hello: 'world' } },
      },
    });

    // Assess
    expect(response.statusCode).toBe(201);
    expect(await scheduleOf('date-job')).toMatchObject({
      ScheduleExpression: 'at(2031-03-01T08:15:00)',
      ScheduleExpressionTimezone: 'America/New_York',
      ActionAfterCompletion: 'DELETE',
      Target: { Arn: cloud.queueArn, DeadLetterConfig: { Arn: cloud.deliveryDlqArn } },
    });
    const detail = bodyOf(await call({ method: 'GET', path: '/jobs/date-job' }));
    expect(detail.nextRuns).toEqual(['2031-03-01T13:15:00.000Z']);
  });

  it('refuses a second create with 409 and replaces with onConflict=replace', async () => {
    // Prepare
    const body = { id: 'conflict-job', trigger: { type: 'interval', minutes: 5 }, target: task };
    await call({ method: 'POST', path: '/jobs', body });

    // Act
    const conflict = await call({ method: 'POST', path: '/jobs', body });
    const replaced = await call({
      method: 'POST',
      path: '/jobs',
      query: { onConflict: 'replace' },
      body: { ...body, trigger: { type: 'interval', minutes: 30 } },
    });

    // Assess
    expect(conflict.statusCode).toBe(409);
    expect(bodyOf(conflict).type).toBe('urn:sked:problem:job-exists');
    expect(replaced.statusCode).toBe(200);
    expect(replaced.headers?.ETag).toBe('"conflict-job.v2"');
    expect((await scheduleOf('conflict-job')).ScheduleExpression).toBe('rate(30 minutes)');
  });

  it('pauses and resumes by flipping the schedule state', async () => {
    // Prepare
    await call({
      method: 'PUT',
      path: '/jobs/pause-job',
      body: { trigger: { type: 'interval', minutes: 5 }, target: task },
    });

    // Act
    const paused = await call({ method: 'POST', path: '/jobs/pause-job/pause', body: { reason: 'maintenance' } });
    const stateWhilePaused = (await scheduleOf('pause-job')).State;
    const resumed = await call({ method: 'POST', path: '/jobs/pause-job/resume' });
    const stateAfterResume = (await scheduleOf('pause-job')).State;

    // Assess
    expect(bodyOf(paused)).toMatchObject({
      state: 'paused',
      paused: { by: 'arn:aws:iam::000000000000:user/alice', reason: 'maintenance' },
    });
    expect(stateWhilePaused).toBe('DISABLED');
    expect(bodyOf(resumed).state).toBe('enabled');
    expect(stateAfterResume).toBe('ENABLED');
  });

  it('reschedules on a patched trigger and answers a stale If-Match with 412', async () => {
    // Prepare
    await call({
      method: 'PUT',
      path: '/jobs/patch-job',
      body: { trigger: { type: 'interval', minutes: 5 }, target: task },
    });

    // Act
    const patched = await call({
      method: 'PATCH',
      path: '/jobs/patch-job',
      headers: { 'Content-Type': 'application/merge-patch+json', 'If-Match': '"patch-job.v1"' },
      body: { trigger: { type: 'cron', expression: '0 6 * * *', timezone: 'Asia/Tokyo' } },
    });
    const stale = await call({
      method: 'PATCH',
      path: '/jobs/patch-job',
      headers: { 'Content-Type': 'application/json', 'If-Match': '"patch-job.v1"' },
      body: { name: 'too late' },
    });

    // Assess
    expect(patched.statusCode).toBe(200);
    expect(await scheduleOf('patch-job')).toMatchObject({
      ScheduleExpression: 'cron(0 6 * * ? *)',
      ScheduleExpressionTimezone: 'Asia/Tokyo',
    });
    expect(stale.statusCode).toBe(412);
    expect(bodyOf(stale).errors).toEqual([{ path: 'header.If-Match', message: 'does not match the current ETag' }]);
    expect((await storedJob('patch-job')).Item?.name).toEqual({ S: 'patch-job' });
  });

  it('puts exactly one manual envelope on the queue for run-now', async () => {
    // Prepare
    await call({
      method: 'PUT',
      path: '/jobs/run-job',
      body: { trigger: { type: 'interval', minutes: 5 }, target: task },
    });

    // Act
    const response = await call({
      method: 'POST',
      path: '/jobs/run-job/run',
      body: { payload: { recipient: 'cfo@example.com' } },
    });
    const received = await cloud.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: cloud.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
    );
    const more = await cloud.clients.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: cloud.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );

    // Assess
    expect(response.statusCode).toBe(202);
    const { runId } = bodyOf(response);
    // The job's own schedule delivers too (a rate with no StartDate fires at once, as on AWS): only run-now's counts.
    const messages = [...(received.Messages ?? []), ...(more.Messages ?? [])]
      .map((m): unknown => JSON.parse(m.Body ?? ''))
      .filter((body) => (body as { kind?: unknown }).kind === 'manual');
    expect(messages).toEqual([
      {
        v: 1,
        jobId: 'run-job',
        kind: 'manual',
        runId,
        requestedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
        payload: { recipient: 'cfo@example.com' },
      },
    ]);
  });

  it('deletes the job and its schedule', async () => {
    // Prepare
    await call({
      method: 'PUT',
      path: '/jobs/delete-job',
      body: { trigger: { type: 'interval', minutes: 5 }, target: task },
    });

    // Act
    const deleted = await call({ method: 'DELETE', path: '/jobs/delete-job' });

    // Assess
    expect(deleted.statusCode).toBe(204);
    await expect(scheduleOf('delete-job')).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect((await storedJob('delete-job')).Item).toBeUndefined();
    expect((await call({ method: 'GET', path: '/jobs/delete-job' })).statusCode).toBe(404);
  });

  it('leaves neither job nor schedule when Scheduler fails during create', async () => {
    // Prepare: the same deps, but schedules written to a group that does not exist
    const broken: JobsDeps = {
      ...deps,
      schedules: new SchedulerSchedules(cloud.clients.scheduler, 'sked-no-such-group'),
      target: { ...deps.target, groupName: 'sked-no-such-group' },
    };
    const handler = makeApiHandler({ deps: broken, logger, openApiDocument: buildOpenApiDocument });

    // Act
    const response = await handler(
      apiEvent({
        method: 'POST',
        path: '/jobs',
        body: { id: 'doomed-job', trigger: { type: 'interval', minutes: 5 }, target: task },
      }),
      lambdaContext(),
    );

    // Assess
    expect(response.statusCode).toBe(502);
    expect(bodyOf(response).type).toBe('urn:sked:problem:schedule-write-failed');
    expect((await storedJob('doomed-job')).Item).toBeUndefined();
    await expect(scheduleOf('doomed-job')).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it('lists jobs by group through the index, pages with a cursor, and serves runs, tasks and previews', async () => {
    // Prepare
    for (const id of ['g-1', 'g-2', 'g-3']) {
      await call({
        method: 'PUT',
        path: `/jobs/${id}`,
        body: { group: 'listed', trigger: { type: 'interval', minutes: 5 }, target: task },
      });
    }

    // Act
    const first = bodyOf(await call({ method: 'GET', path: '/jobs', query: { group: 'listed', limit: '2' } }));
    const second = bodyOf(
      await call({
        method: 'GET',
        path: '/jobs',
        query: { group: 'listed', limit: '2', cursor: String(first.nextCursor) },
      }),
    );
    const runs = await call({ method: 'GET', path: '/jobs/g-1/runs' });
    const run = await call({ method: 'GET', path: '/jobs/g-1/runs/20300101T000000Z' });
    const tasks = await call({ method: 'GET', path: '/tasks' });
    const preview = await call({
      method: 'POST',
      path: '/triggers/preview',
      body: { trigger: { type: 'cron', expression: '0 12 * * *' }, count: 2, from: '2031-01-01T00:00:00Z' },
    });

    // Assess
    expect(first.items).toHaveLength(2);
    expect(second).toMatchObject({ items: [expect.objectContaining({ id: 'g-3' })] });
    expect(second.nextCursor).toBeUndefined();
    expect(bodyOf(runs)).toEqual({ items: [] });
    expect(run.statusCode).toBe(404);
    expect(bodyOf(tasks).items).toHaveLength(2);
    expect(bodyOf(preview)).toEqual({
      precision: 'minute',
      expression: 'cron(0 12 * * ? *)',
      timezone: 'UTC',
      nextRuns: ['2031-01-01T12:00:00.000Z', '2031-01-02T12:00:00.000Z'],
    });
  });

  it('refuses a webhook that resolves to a private address', async () => {
    // Act
    const response = await call({
      method: 'POST',
      path: '/jobs',
      body: {
        trigger: { type: 'interval', minutes: 5 },
        target: { type: 'http', url: 'https://169.254.169.254/latest' },
      },
    });

    // Assess
    expect(response.statusCode).toBe(400);
    const { errors = [] } = problemSchema.parse(bodyOf(response));
    expect(errors.map((error) => error.path)).toEqual(['target.url']);
    expect(errors[0]?.message).toContain('metadata');
  });

  it('reconcile recreates a lost schedule and deletes an orphan', async () => {
    // Prepare
    await call({
      method: 'PUT',
      path: '/jobs/drift-job',
      body: { trigger: { type: 'interval', minutes: 5 }, target: task },
    });
    await cloud.clients.scheduler.send(new DeleteScheduleCommand({ Name: 'drift-job', GroupName: cloud.groupName }));
    await cloud.clients.scheduler.send(
      new CreateScheduleCommand({
        Name: 'orphan-schedule',
        GroupName: cloud.groupName,
        ScheduleExpression: 'rate(5 minutes)',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: cloud.queueArn, RoleArn: cloud.roleArn, Input: '{}' },
      }),
    );

    // Act
    const report = await reconcile(deps);

    // Assess
    expect(report.fixed).toEqual(
      expect.arrayContaining([
        { id: 'drift-job', action: 'created', reason: 'the schedule was missing' },
        { id: 'orphan-schedule', action: 'deleted', reason: 'no job has this id' },
      ]),
    );
    expect((await scheduleOf('drift-job')).ScheduleExpression).toBe('rate(5 minutes)');
    await expect(scheduleOf('orphan-schedule')).rejects.toBeInstanceOf(ResourceNotFoundException);
    expect((await reconcile(deps)).fixed).toEqual([]);
  });
});
