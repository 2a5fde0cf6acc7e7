import { Logger } from '@aws-lambda-powertools/logger';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeApplySchedulesHandler, physicalIdOf } from '../../lib/handlers/apply-schedules-handler';
import { declarationProperties } from '../../lib/handlers/declared-schedules-properties';
import type { DeclaredJob } from '../../lib/schemas/declarations';
import { createJob } from '../../lib/use-cases/jobs';
import type { JobsDeps } from '../../lib/use-cases/jobs/deps';
import { lambdaContext } from '../support/fakes/api-gateway-event';
import { cronJobBody, fakeJobsDeps, type FakeJobsDeps } from '../support/fakes/jobs-deps';

const logger = new Logger({ serviceName: 'sked-apply-schedules-test', logLevel: 'SILENT' });
const SOURCE = 'stack Sked-test-Stateless';
const STACK_ID = 'arn:aws:cloudformation:us-east-1:000000000000:stack/Sked-test-Stateless/1b2c3d4e';
const RESPONSE_URL = 'https://cloudformation-custom-resource-response.example.com/presigned';

const declared = (id: string, overrides: Record<string, unknown> = {}): DeclaredJob =>
  ({ id, ...cronJobBody(), ...overrides }) as DeclaredJob;

/** The properties the Sked construct gives its custom resource for these jobs. */
const propertiesOf = (jobs: readonly DeclaredJob[], source = SOURCE) => ({
  ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:apply-schedules',
  ...declarationProperties(source, { jobs }),
});

const base = {
  ServiceToken: 'arn:aws:lambda:us-east-1:000000000000:function:apply-schedules',
  ResponseURL: RESPONSE_URL,
  StackId: STACK_ID,
  RequestId: 'request-1',
  LogicalResourceId: 'SkedDeclaredSchedules',
  ResourceType: 'Custom::SkedDeclaredSchedules',
};

const createEvent = (jobs: readonly DeclaredJob[], source = SOURCE): CloudFormationCustomResourceEvent => ({
  ...base,
  RequestType: 'Create',
  ResourceProperties: propertiesOf(jobs, source),
});

const updateEvent = (
  jobs: readonly DeclaredJob[],
  previous: readonly DeclaredJob[],
  sources: { readonly source?: string; readonly previous?: string } = {},
): CloudFormationCustomResourceEvent => ({
  ...base,
  RequestType: 'Update',
  PhysicalResourceId: physicalIdOf(sources.previous ?? SOURCE),
  ResourceProperties: propertiesOf(jobs, sources.source),
  OldResourceProperties: propertiesOf(previous, sources.previous),
});

const deleteEvent = (jobs: readonly DeclaredJob[]): CloudFormationCustomResourceEvent => ({
  ...base,
  RequestType: 'Delete',
  PhysicalResourceId: physicalIdOf(SOURCE),
  ResourceProperties: propertiesOf(jobs),
});

interface Answer {
  Status: 'SUCCESS' | 'FAILED';
  Reason?: string;
  PhysicalResourceId: string;
  StackId: string;
  RequestId: string;
  LogicalResourceId: string;
  Data?: Record<string, string>;
}

/** A handler over fakes, recording what it answers on the ResponseURL. */
function handlerOver(deps: () => JobsDeps, options: { readonly answerMarginMs?: number } = {}) {
  const answers: { url: string; answer: Answer }[] = [];
  const handler = makeApplySchedulesHandler({
    deps,
    logger,
    respond: (url, body) => {
      answers.push({ url, answer: JSON.parse(body) as Answer });
      return Promise.resolve();
    },
    ...options,
  });
  return { handler, answers };
}

async function run(deps: FakeJobsDeps, event: CloudFormationCustomResourceEvent): Promise<Answer> {
  const { handler, answers } = handlerOver(() => deps);
  await handler(event, lambdaContext());
  expect(answers).toHaveLength(1);
  expect(answers[0]?.url).toBe(RESPONSE_URL);
  return answers[0]?.answer as Answer;
}

describe('the apply-schedules custom resource handler', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  it('creates the declared jobs marked as declared by the stack and answers SUCCESS with the counts', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const answer = await run(deps, createEvent([declared('nightly'), declared('hourly')]));

    // Assess
    expect(answer).toEqual({
      Status: 'SUCCESS',
      PhysicalResourceId: physicalIdOf(SOURCE),
      StackId: STACK_ID,
      RequestId: 'request-1',
      LogicalResourceId: 'SkedDeclaredSchedules',
      Data: { Created: '2', Updated: '0', Deleted: '0', Unchanged: '0' },
    });
    expect([...deps.store.jobs.values()].map((job) => [job.id, job.managedBy?.source]).sort()).toEqual([
      ['hourly', SOURCE],
      ['nightly', SOURCE],
    ]);
    expect([...deps.schedules.definitions.keys()].sort()).toEqual(['hourly', 'nightly']);
  });

  it('on update writes what changed, deletes the job no longer declared and keeps the physical id', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const before = [declared('nightly'), declared('hourly'), declared('weekly')];
    await run(deps, createEvent(before));
    const changed = declared('nightly', { retry: { maxAttempts: 5 } });

    // Act
    const answer = await run(deps, updateEvent([changed, declared('hourly')], before));

    // Assess
    expect(answer).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: physicalIdOf(SOURCE),
      Data: { Created: '0', Updated: '1', Deleted: '1', Unchanged: '1' },
    });
    expect([...deps.store.jobs.keys()].sort()).toEqual(['hourly', 'nightly']);
    expect(deps.store.jobs.get('nightly')?.retry.maxAttempts).toBe(5);
    expect(deps.schedules.definitions.has('weekly')).toBe(false);
  });

  it('on an update that changes the source removes the jobs of the old source before applying the new', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await run(deps, createEvent([declared('nightly'), declared('gone')], 'stack Old'));

    // Act
    const answer = await run(
      deps,
      updateEvent([declared('nightly')], [declared('nightly'), declared('gone')], { previous: 'stack Old' }),
    );

    // Assess
    expect(answer).toMatchObject({ Status: 'SUCCESS', PhysicalResourceId: physicalIdOf('stack Old') });
    expect([...deps.store.jobs.values()].map((job) => [job.id, job.managedBy?.source])).toEqual([['nightly', SOURCE]]);
  });

  it('on delete deletes every job the stack declared and leaves jobs registered through the API', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const jobs = [declared('nightly'), declared('hourly')];
    await run(deps, createEvent(jobs));
    await createJob(deps, { body: cronJobBody({ id: 'by-hand' }), onConflict: 'fail', caller: 'ops' });

    // Act
    const answer = await run(deps, deleteEvent(jobs));

    // Assess
    expect(answer).toMatchObject({
      Status: 'SUCCESS',
      PhysicalResourceId: physicalIdOf(SOURCE),
      Data: { Created: '0', Updated: '0', Deleted: '2', Unchanged: '0' },
    });
    expect([...deps.store.jobs.keys()]).toEqual(['by-hand']);
    expect([...deps.schedules.definitions.keys()]).toEqual(['by-hand']);
  });

  it('answers FAILED naming each job that could not be applied, and why, so the deployment fails', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await createJob(deps, { body: cronJobBody({ id: 'taken' }), onConflict: 'fail', caller: 'ops' });
    const jobs = [
      declared('fine'),
      declared('typo', { target: { type: 'task', task: 'reprot', payload: {} } }),
      declared('taken'),
    ];

    // Act
    const answer = await run(deps, createEvent(jobs));

    // Assess
    expect(answer.Status).toBe('FAILED');
    expect(answer.PhysicalResourceId).toBe(physicalIdOf(SOURCE));
    expect(answer.Reason).toMatch(new RegExp(`^could not apply the jobs declared by ${SOURCE}: 2 job\\(s\\) failed`));
    expect(answer.Reason).toContain('typo (create): target.task:');
    expect(answer.Reason).toContain('taken (conflict): a job registered through the API has this id');
    expect(deps.store.jobs.get('taken')?.managedBy).toBeUndefined();
  });

  it('answers FAILED when a write fails, with the error of the job it failed on', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    deps.schedules.beforePut = () => {
      throw new Error('throttled');
    };

    // Act
    const answer = await run(deps, createEvent([declared('nightly')]));

    // Assess
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/nightly \(create\): .*schedule/i);
  });

  it('answers FAILED for a declaration that is not valid, naming the field', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const event = createEvent([]);
    event.ResourceProperties['Declaration'] = JSON.stringify({ jobs: [{ id: 'x', trigger: { type: 'daily' } }] });

    // Act
    const answer = await run(deps, event);

    // Assess
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason).toMatch(/^the declaration is invalid: declaration\.jobs\.0\.trigger/);
  });

  it('answers FAILED, not nothing, when its dependencies cannot be built', async () => {
    // Prepare
    const { handler, answers } = handlerOver(() => {
      throw new Error('invalid configuration: SKED_JOBS_TABLE: required');
    });

    // Act
    await handler(createEvent([declared('nightly')]), lambdaContext());

    // Assess
    expect(answers.map(({ answer }) => [answer.Status, answer.Reason])).toEqual([
      ['FAILED', 'invalid configuration: SKED_JOBS_TABLE: required'],
    ]);
  });

  it('answers FAILED before the function times out when the apply does not finish', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    deps.store.list = () => new Promise(() => undefined);
    const { handler, answers } = handlerOver(() => deps, { answerMarginMs: 29_950 });
    const context: Context = lambdaContext();

    // Act
    await handler(createEvent([declared('nightly')]), context);

    // Assess
    expect(answers.map(({ answer }) => answer.Status)).toEqual(['FAILED']);
    expect(answers[0]?.answer.Reason).toMatch(/did not finish in the 0 s left before the function's timeout/);
  });

  it('truncates a long reason to what CloudFormation takes', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    const jobs = Array.from({ length: 80 }, (_, index) =>
      declared(`job-${index}`, { target: { type: 'task', task: 'no-such-task', payload: {} } }),
    );

    // Act
    const answer = await run(deps, createEvent(jobs));

    // Assess
    expect(answer.Status).toBe('FAILED');
    expect(answer.Reason?.length).toBeLessThanOrEqual(3000);
    expect(answer.Reason).toMatch(/\(truncated\)$/);
  });

  it('answers with a PUT of an empty content type, tried again when the URL fails', async () => {
    // Prepare
    vi.useFakeTimers();
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      calls.push({ url, init });
      return Promise.resolve(
        calls.length === 1 ? new Response('slow down', { status: 503 }) : new Response('', { status: 200 }),
      );
    });
    const deps = fakeJobsDeps();
    const handler = makeApplySchedulesHandler({ deps: () => deps, logger });

    // Act
    const done = handler(createEvent([declared('nightly')]), lambdaContext());
    await vi.runAllTimersAsync();
    await done;

    // Assess
    expect(calls.map(({ url, init }) => [url, init.method, init.headers])).toEqual([
      [RESPONSE_URL, 'PUT', { 'content-type': '' }],
      [RESPONSE_URL, 'PUT', { 'content-type': '' }],
    ]);
    expect(JSON.parse(calls[1]?.init.body as string)).toMatchObject({ Status: 'SUCCESS', RequestId: 'request-1' });
  });
});
