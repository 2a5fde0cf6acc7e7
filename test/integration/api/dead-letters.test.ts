import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, DeleteQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskRegistry } from '../../../functions/tasks';
import { DynamoDbJobStore } from '../../../lib/adapters/aws/dynamodb-job-store';
import { DynamoDbRunLedger } from '../../../lib/adapters/aws/dynamodb-run-ledger';
import { SqsMessageActions } from '../../../lib/adapters/aws/sqs-message-actions';
import { apiHandler } from '../../../lib/composition/api';
import { awsWorkerDeps } from '../../../lib/composition/worker';
import { scheduledRunId } from '../../../lib/domain/run-id';
import { makeWorkerHandler } from '../../../lib/handlers/worker-handler';
import { ENV } from '../../../lib/schemas/config';
import { DEFAULT_JOB_POLICIES, type Job } from '../../../lib/schemas/job';
import type { DeadLetterList, PurgeResult, RedriveResult } from '../../../lib/use-cases/dlq';
import { guardedClient } from '../../support/aws-clients';
import { apiEvent, lambdaContext, type RequestSpec } from '../../support/fakes/api-gateway-event';
import { exhaustedNote, schedulerDeadLetterAttributes } from '../../support/fakes/dead-letter-world';
import { uniqueName } from '../../support/names';
import { aJob, aMessage } from '../../support/worker/builders';
import {
  checkHistory,
  createWorkerCloud,
  drain,
  sendBody,
  type WorkerCloud,
  type WorkerHandler,
} from '../../support/worker/cloud';

const minuteNow = () => new Date(Math.floor(Date.now() / 60_000) * 60_000);
const envelope = (jobId: string, at: Date) => ({ v: 1, jobId, kind: 'schedule', scheduledTime: at.toISOString() });
const sideEffects = (failures: number): Job['target'] => ({
  type: 'task',
  task: 'test.record-side-effect',
  payload: { failures },
});
const RETRY_FAST = { maxAttempts: 2, initialSeconds: 1, multiplier: 1, maxSeconds: 1 };

/**
 * The DLQ operations through the API's own composition root (lib/composition/api.ts, from the environment a
 * deployment gives it) and the real worker, on the local cloud: a failing run's copy is listed with its error,
 * redriven once the job is fixed and run once; a stale copy of a run that succeeded is listed stale and not run.
 */
describe('triaging the DLQs through the API on the local cloud', () => {
  let cloud: WorkerCloud;
  let deliveryDlqUrl: string;
  let jobs: DynamoDbJobStore;
  let ledger: DynamoDbRunLedger;
  let worker: WorkerHandler;
  let call: (spec: RequestSpec) => Promise<{ statusCode: number; body: string }>;
  const sqs = guardedClient(SQSClient);

  beforeAll(async () => {
    cloud = await createWorkerCloud(2);
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: uniqueName('sked-it-delivery-dlq') }));
    deliveryDlqUrl = QueueUrl ?? '';
    jobs = new DynamoDbJobStore(guardedClient(DynamoDBClient), cloud.jobsTable);
    ledger = new DynamoDbRunLedger(guardedClient(DynamoDBClient), cloud.runsTable, 1);
    const workerDeps = awsWorkerDeps(cloud.config(), taskRegistry);
    worker = (event, context) => makeWorkerHandler(workerDeps)(event, context);
    const api = apiHandler(
      {
        [ENV.jobsTable]: cloud.jobsTable,
        [ENV.runsTable]: cloud.runsTable,
        [ENV.jobsQueueUrl]: cloud.queueUrl,
        [ENV.jobsDlqUrl]: cloud.dlqUrl,
        [ENV.deliveryDlqUrl]: deliveryDlqUrl,
        // What the jobs routes need; these tests change jobs in the table directly.
        [ENV.eventBusName]: 'unused',
        [ENV.scheduleGroup]: 'unused',
        [ENV.jobsQueueArn]: 'arn:aws:sqs:us-east-1:000000000000:unused',
        [ENV.deliveryDlqArn]: 'arn:aws:sqs:us-east-1:000000000000:unused',
        [ENV.schedulerRoleArn]: 'arn:aws:iam::000000000000:role/unused',
        [ENV.jobDefaults]: JSON.stringify(DEFAULT_JOB_POLICIES),
        [ENV.includeTestTasks]: 'true',
        [ENV.awsLimitsGuard]: 'on',
      },
      taskRegistry,
    );
    call = (spec) => api(apiEvent(spec), lambdaContext());
  });

  afterAll(async () => {
    await sqs.send(new DeleteQueueCommand({ QueueUrl: deliveryDlqUrl })).catch(() => undefined);
    await cloud.destroy();
  });

  async function answer<T>(spec: RequestSpec): Promise<T> {
    const response = await call(spec);
    expect(response.statusCode, response.body).toBe(200);
    return JSON.parse(response.body) as T;
  }

  it('lists a failed run with its error, redrives it once fixed to run once, and leaves a stale copy unrun', async () => {
    // Prepare: a job whose runs fail, and its occurrence run to the end of its attempts (the worker's DLQ copy)
    const at = minuteNow();
    const failing = aJob({
      id: uniqueName('failing'),
      trigger: { type: 'interval', hours: 1 },
      target: sideEffects(99),
      retry: RETRY_FAST,
      misfireGraceSeconds: 3600,
    });
    await jobs.create(failing);
    await sendBody(cloud, envelope(failing.id, at));
    await drain(cloud, worker, { quietMs: 2500 });
    // ... a job whose occurrence succeeded, with a copy of it in the DLQ as a lost acknowledgement would leave
    const done = aJob({ id: uniqueName('done'), trigger: { type: 'interval', hours: 1 }, target: sideEffects(0) });
    await jobs.create(done);
    await sendBody(cloud, envelope(done.id, at));
    await drain(cloud, worker, { quietMs: 1000 });
    await new SqsMessageActions(sqs, cloud.queueUrl, cloud.dlqUrl).deadLetter(
      aMessage(JSON.stringify(envelope(done.id, at))),
      exhaustedNote(done.id, at),
    );
    // ... and an occurrence EventBridge Scheduler could not deliver
    const late = aJob({
      id: uniqueName('late'),
      trigger: { type: 'interval', hours: 1 },
      target: sideEffects(0),
      misfireGraceSeconds: 3600,
    });
    await jobs.create(late);
    const attributes = schedulerDeadLetterAttributes(at, 2);
    await sqs.send(
      new SendMessageCommand({
        QueueUrl: deliveryDlqUrl,
        MessageBody: JSON.stringify(envelope(late.id, at)),
        MessageAttributes: Object.fromEntries(
          Object.entries(attributes).map(([name, value]) => [
            name,
            { DataType: value.dataType, StringValue: value.stringValue },
          ]),
        ),
      }),
    );

    // Act: list twice (listing consumes nothing), fix the job, redrive, let the worker drain, list again
    const listed = await answer<DeadLetterList>({ method: 'GET', path: '/dlq' });
    const listedAgain = await answer<DeadLetterList>({ method: 'GET', path: '/dlq' });
    await jobs.replace({ ...failing, target: sideEffects(0), version: 2 }, failing.version);
    const redriven = await answer<RedriveResult>({ method: 'POST', path: '/dlq/redrive', body: { maxPerSecond: 20 } });
    await drain(cloud, worker, { quietMs: 2500 });
    const after = await answer<DeadLetterList>({ method: 'GET', path: '/dlq' });

    // Assess: the listing
    const runId = scheduledRunId(at);
    const byJob = (listing: DeadLetterList, jobId: string) => listing.items.filter((item) => item.jobId === jobId);
    expect(listed.items).toHaveLength(3);
    expect(listed.truncated).toBe(false);
    expect(byJob(listed, failing.id)).toEqual([
      expect.objectContaining({
        queue: 'jobs',
        runId,
        scheduledTime: at.toISOString(),
        reason: 'exhausted',
        errorCategory: 'task_exception',
        error: { class: 'Error', message: 'planned failure 2 of 99' },
        attempts: 2,
        redrives: 0,
        runStatus: 'failed',
        stale: false,
      }),
    ]);
    expect(byJob(listed, done.id)).toEqual([
      expect.objectContaining({ queue: 'jobs', runStatus: 'succeeded', stale: true, staleReason: 'succeeded' }),
    ]);
    expect(byJob(listed, late.id)).toEqual([
      expect.objectContaining({
        queue: 'delivery',
        reason: 'delivery',
        runId,
        error: { class: 'AWS.SimpleQueueService.NonExistentQueue', message: 'The specified queue does not exist.' },
        attempts: 3,
        stale: false,
      }),
    ]);
    expect(listedAgain.items.map((item) => item.messageId).sort()).toEqual(
      listed.items.map((item) => item.messageId).sort(),
    );
    // ... the redrive: the fixed run and the undelivered occurrence moved, the stale copy left
    expect(redriven.moved.map((ref) => ref.jobId).sort()).toEqual([failing.id, late.id].sort());
    expect(redriven.skippedStale).toEqual([
      expect.objectContaining({ jobId: done.id, runId, staleReason: 'succeeded' }),
    ]);
    expect([redriven.failed, redriven.remaining]).toEqual([[], 0]);
    // ... one terminal outcome and one side effect each; the redriven run counts its redrive
    const fixed = await checkHistory(cloud, failing.id);
    expect(fixed.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 1, redrives: 1 })]);
    expect(fixed.sideEffects.get(runId)).toBe(1);
    const delivered = await checkHistory(cloud, late.id);
    expect(delivered.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 1 })]);
    expect(delivered.sideEffects.get(runId)).toBe(1);
    const untouched = await checkHistory(cloud, done.id);
    expect(untouched.runs).toEqual([expect.objectContaining({ status: 'succeeded', attempts: 1 })]);
    expect(untouched.sideEffects.get(runId)).toBe(1);
    // ... and only the stale copy is left, still stale
    expect(after.items).toEqual([expect.objectContaining({ jobId: done.id, stale: true, staleReason: 'succeeded' })]);
    expect(await ledger.get(failing.id, runId)).toMatchObject({ status: 'succeeded', redrives: 1 });
  });

  it('finds a copy of a failure stale once it was redriven, runs it once whatever copies there are, and purges the stale one', async () => {
    // Prepare: a failed run whose DLQ copy was sent twice (a redelivery before the first copy was confirmed)
    const at = new Date(minuteNow().getTime() - 60_000);
    const job = aJob({
      id: uniqueName('twice'),
      trigger: { type: 'interval', hours: 1 },
      target: sideEffects(99),
      retry: RETRY_FAST,
      misfireGraceSeconds: 3600,
    });
    await jobs.create(job);
    await sendBody(cloud, envelope(job.id, at));
    await drain(cloud, worker, { quietMs: 2500 });
    await new SqsMessageActions(sqs, cloud.queueUrl, cloud.dlqUrl).deadLetter(
      aMessage(JSON.stringify(envelope(job.id, at))),
      exhaustedNote(job.id, at, { attempts: 2 }),
    );
    await jobs.replace({ ...job, target: sideEffects(0), version: 2 }, job.version);
    const copies = await answer<DeadLetterList>({ method: 'GET', path: '/dlq', query: { jobId: job.id } });
    const [first, second] = copies.items.map((item) => item.messageId);

    // Act: redrive one copy and run it; then the other is stale
    const moved = await answer<RedriveResult>({
      method: 'POST',
      path: '/dlq/redrive',
      body: { messageIds: [first] },
    });
    await drain(cloud, worker, { quietMs: 2500 });
    const left = await answer<DeadLetterList>({ method: 'GET', path: '/dlq', query: { jobId: job.id } });
    const skipped = await answer<RedriveResult>({ method: 'POST', path: '/dlq/redrive', body: { jobId: job.id } });
    const purged = await answer<PurgeResult>({ method: 'DELETE', path: '/dlq', body: { messageIds: [second] } });
    const empty = await answer<DeadLetterList>({ method: 'GET', path: '/dlq', query: { jobId: job.id } });

    // Assess
    expect(copies.items).toHaveLength(2);
    expect(copies.items.every((item) => !item.stale)).toBe(true);
    expect(moved).toMatchObject({ moved: [{ messageId: first }], remaining: 0, notFound: [] });
    expect(left.items).toEqual([
      expect.objectContaining({ messageId: second, runStatus: 'succeeded', stale: true, staleReason: 'succeeded' }),
    ]);
    expect(skipped).toMatchObject({ moved: [], skippedStale: [{ messageId: second }] });
    expect(purged).toMatchObject({ deleted: [{ messageId: second, reason: 'exhausted' }], notFound: [] });
    expect(empty.items).toEqual([]);
    const history = await checkHistory(cloud, job.id);
    expect(history.runs).toEqual([expect.objectContaining({ status: 'succeeded', redrives: 1 })]);
    expect(history.sideEffects.get(scheduledRunId(at))).toBe(1);
  });

  it('answers a bad request with a problem naming the field', async () => {
    // Act
    const response = await call({ method: 'DELETE', path: '/dlq', body: { all: true } });

    // Assess
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toMatchObject({ errors: [{ path: 'queue' }] });
  });
});
