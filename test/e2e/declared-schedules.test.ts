import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DeleteStackCommand,
  DescribeStackResourcesCommand,
  waitUntilStackDeleteComplete,
} from '@aws-sdk/client-cloudformation';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSkedClient, SkedNotFoundError, type Job, type SkedClient } from '../../lib/client';
import { guardedClient } from '../support/aws-clients';
import { awsStage } from '../support/e2e/aws-stage';
import { deploySked, destroySked, stackNames, type LocalSked } from '../support/e2e/deployment';

/**
 * `cdk deploy` applies the jobs a stage declares (README, "Jobs declared in code"): the real CDK app deployed to the
 * local cloud with `-c schedulesFile=FILE`, read back through API Gateway with sked's typed client. The custom
 * resource runs in the emulator's CloudFormation as on AWS, answered on its ResponseURL. Local only: under
 * `npm run test:aws` the stage is deployed once, without declared jobs.
 */
const onAws = awsStage();
const endpoint = process.env.AWS_ENDPOINT_URL ?? 'http://localhost:4566';
const region = process.env.AWS_REGION ?? 'us-east-1';
const stage = `local-decl${randomUUID().slice(0, 8)}`;
const source = `stack ${stackNames(stage)[1]}`;

/** Triggers that do not fire while the file runs. */
const jobsYaml = (jobs: readonly string[]) => ['jobs:', ...jobs].join('\n');
const NIGHTLY = [
  '  - id: decl-nightly',
  "    trigger: { type: cron, expression: '30 10 1 1 *', timezone: Asia/Shanghai }",
  '    target: { type: task, task: report.write, payload: { title: daily revenue } }',
].join('\n');
const heartbeat = (maxAttempts: number) =>
  [
    '  - id: decl-heartbeat',
    '    trigger: { type: interval, hours: 12 }',
    '    target: { type: task, task: test.fail-n-times, payload: { failures: 0 } }',
    `    retry: { maxAttempts: ${maxAttempts} }`,
  ].join('\n');
const WEEKLY = [
  '  - id: decl-weekly',
  "    trigger: { type: cron, expression: '0 3 1 1 *' }",
  '    target: { type: task, task: test.fail-n-times, payload: { failures: 0 } }',
  '    tags: [declared]',
].join('\n');

describe.skipIf(onAws !== undefined)('jobs declared in code, applied by cdk deploy', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sked-declared-'));
  const schedulesFile = join(dir, 'sked.schedules.yaml');
  let deployed = false;
  let client: SkedClient;

  const deployWith = async (yaml: string) => {
    writeFileSync(schedulesFile, yaml);
    // Set first: a first deployment that fails still leaves stacks to destroy.
    deployed = true;
    const sked: LocalSked = await deploySked(stage, endpoint, { context: { schedulesFile } });
    client = createSkedClient({
      baseUrl: sked.apiBaseUrl,
      region,
      auth: { kind: 'iam', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    });
  };
  const declaredJobs = async (): Promise<Job[]> =>
    (await client.listJobs({ limit: 100 })).items.filter((job) => job.managedBy !== undefined);

  beforeAll(async () => {
    // Prepare: the stage deployed with three declared jobs
    await deployWith(jobsYaml([NIGHTLY, heartbeat(3), WEEKLY]));
  }, 300_000);

  afterAll(async () => {
    if (deployed) await destroySked(stage, endpoint).catch((error: unknown) => console.error(error));
    rmSync(dir, { recursive: true, force: true });
  }, 300_000);

  it('creates the declared jobs, marked as declared by the stack', async () => {
    // Act
    const jobs = await declaredJobs();

    // Assess
    expect(jobs.map((job) => ({ id: job.id, source: job.managedBy?.source, fields: job.managedBy?.fields }))).toEqual([
      { id: 'decl-heartbeat', source, fields: ['retry', 'target', 'trigger'] },
      { id: 'decl-nightly', source, fields: ['target', 'trigger'] },
      { id: 'decl-weekly', source, fields: ['tags', 'target', 'trigger'] },
    ]);
    const { job: nightly } = await client.getJob('decl-nightly');
    expect(nightly).toMatchObject({
      state: 'enabled',
      trigger: { type: 'cron', expression: '30 10 1 1 *', timezone: 'Asia/Shanghai' },
      target: { type: 'task', task: 'report.write', payload: { title: 'daily revenue' } },
    });
    expect(nightly.nextRuns?.length).toBeGreaterThan(0);
  });

  it('on a redeploy updates the job that changed, deletes the one removed and leaves jobs registered by hand', async () => {
    // Prepare
    await client.putJob('by-hand', {
      trigger: { type: 'interval', hours: 12 },
      target: { type: 'task', task: 'test.fail-n-times', payload: { failures: 0 } },
    });
    const { job: before } = await client.getJob('decl-nightly');

    // Act
    await deployWith(jobsYaml([NIGHTLY, heartbeat(5)]));

    // Assess
    expect((await declaredJobs()).map((job) => job.id)).toEqual(['decl-heartbeat', 'decl-nightly']);
    await expect(client.getJob('decl-weekly')).rejects.toBeInstanceOf(SkedNotFoundError);
    expect((await client.getJob('decl-heartbeat')).job.retry.maxAttempts).toBe(5);
    // Unchanged in the file: not written again.
    expect((await client.getJob('decl-nightly')).job.version).toBe(before.version);
    expect((await client.getJob('by-hand')).job.managedBy).toBeUndefined();
  }, 300_000);

  it('fails a deployment whose jobs cannot be applied, naming the job and why, and rolls the jobs back', async () => {
    // Prepare: a change to one job, and a job whose task does not exist
    const typo = [
      '  - id: decl-typo',
      "    trigger: { type: cron, expression: '0 3 1 1 *' }",
      '    target: { type: task, task: report.wirte, payload: { title: x } }',
    ].join('\n');

    // Act
    const attempt = deployWith(jobsYaml([NIGHTLY, heartbeat(7), typo]));

    // Assess
    await expect(attempt).rejects.toThrow(/could not apply the jobs declared by .*decl-typo \(create\): target\.task/s);
    expect((await declaredJobs()).map((job) => job.id)).toEqual(['decl-heartbeat', 'decl-nightly']);
    expect((await client.getJob('decl-heartbeat')).job.retry.maxAttempts).toBe(5);
  }, 300_000);

  it('deletes the declared jobs with the stack that declares them, and only those', async () => {
    // Prepare: the jobs table lives on in the stateful stack
    const cloudformation = guardedClient(CloudFormationClient);
    const dynamodb = guardedClient(DynamoDBClient);
    const [stateful, stateless] = stackNames(stage);
    const resources = await cloudformation.send(new DescribeStackResourcesCommand({ StackName: stateful }));
    const jobsTable = resources.StackResources?.find(
      (resource) =>
        resource.ResourceType === 'AWS::DynamoDB::Table' && /JobsTable/.test(resource.LogicalResourceId ?? ''),
    )?.PhysicalResourceId;

    // Act
    await cloudformation.send(new DeleteStackCommand({ StackName: stateless }));
    await waitUntilStackDeleteComplete(
      { client: cloudformation, maxWaitTime: 240, minDelay: 2 },
      { StackName: stateless },
    );

    // Assess
    const left = await dynamodb.send(new ScanCommand({ TableName: jobsTable, ProjectionExpression: 'id' }));
    expect(left.Items?.map((item) => item['id']?.S)).toEqual(['by-hand']);
  }, 300_000);
});
