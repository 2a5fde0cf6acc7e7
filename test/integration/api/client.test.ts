import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { DeleteScheduleCommand } from '@aws-sdk/client-scheduler';
import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SchedulerSchedules } from '../../../lib/adapters/aws/scheduler-schedules';
import {
  createSkedClient,
  SkedApiError,
  SkedAuthError,
  SkedNotFoundError,
  SkedPreconditionFailedError,
  type SkedClient,
} from '../../../lib/client';
import { awsJobsDeps } from '../../../lib/composition/aws-jobs-deps';
import { makeApiHandler, type ApiHandler } from '../../../lib/handlers/api-handler';
import { buildOpenApiDocument } from '../../../lib/openapi';
import { apiConfigSchema, parseConfig } from '../../../lib/schemas/config';
import { apiEvent, lambdaContext } from '../../support/fakes/api-gateway-event';
import { testTaskRegistry } from '../../support/fakes/jobs-deps';
import { uniqueName } from '../../support/names';
import { createCloudFixture, type CloudFixture } from './cloud-fixture';

const logger = new Logger({ serviceName: 'sked-client-it', logLevel: 'SILENT' });
const STAGE = '/test';
const REGION = 'us-east-1';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const task = { type: 'task', task: 'report', payload: { recipient: 'ops@example.com' } } as const;

const bodyOf = async (request: IncomingMessage): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
};

/**
 * Whether the request carries a SigV4 signature of itself as API Gateway checks one: the request signed anew over
 * the headers it names, at its own x-amz-date, with the path as it came on the wire.
 */
async function signatureHolds(request: IncomingMessage, url: URL, body: string): Promise<boolean> {
  const authorization = request.headers.authorization ?? '';
  const signedHeaders = /SignedHeaders=([^,]+)/.exec(authorization)?.[1]?.split(';') ?? [];
  const amzDate = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(request.headers['x-amz-date']));
  if (amzDate === null || signedHeaders.length === 0) return false;
  const [, year, month, day, hour, minute, second] = amzDate;
  const headers = Object.fromEntries(signedHeaders.map((name) => [name, String(request.headers[name] ?? '')]));
  const signer = new SignatureV4({ service: 'execute-api', region: REGION, credentials: CREDENTIALS, sha256: Sha256 });
  const expected = await signer.sign(
    {
      method: request.method ?? 'GET',
      protocol: 'http:',
      hostname: url.hostname,
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      ...(body !== '' && { body }),
    },
    { signingDate: new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`) },
  );
  return expected.headers.authorization === authorization;
}

/**
 * API Gateway in miniature, for the client to talk HTTP to the real handler: checks the SigV4 signature (403 with
 * API Gateway's message otherwise), strips the stage from the path and passes the rest on as a proxy event.
 */
function startGateway(handler: ApiHandler): Promise<Server> {
  const answer = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', `http://${request.headers.host}`);
    const body = await bodyOf(request);
    if (!(await signatureHolds(request, url, body))) {
      response.writeHead(403, { 'content-type': 'application/json' });
      response.end(
        JSON.stringify({ message: 'The request signature we calculated does not match the signature you provided.' }),
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers).flatMap(([name, value]) => (typeof value === 'string' ? [[name, value]] : [])),
    );
    const result = await handler(
      apiEvent({
        method: request.method ?? 'GET',
        path: url.pathname.slice(STAGE.length) || '/',
        headers,
        ...(url.search !== '' && { query: Object.fromEntries(url.searchParams) }),
        ...(body !== '' && { body }),
      }),
      lambdaContext(),
    );
    response.writeHead(result.statusCode, { ...result.headers, 'x-amzn-requestid': 'gw-req-1' });
    response.end(result.body);
  };
  const server = createServer((request, response) => {
    answer(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' });
      response.end(JSON.stringify({ message: error instanceof Error ? error.message : String(error) }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

describe('the typed client against the API handler on the local cloud, over HTTP', () => {
  let cloud: CloudFixture;
  let gateway: Server;
  let baseUrl: string;
  let client: SkedClient;

  beforeAll(async () => {
    cloud = await createCloudFixture('sked-client');
    const deps = awsJobsDeps(parseConfig(apiConfigSchema, cloud.env), testTaskRegistry(), logger, cloud.clients);
    gateway = await startGateway(makeApiHandler({ deps, logger, openApiDocument: buildOpenApiDocument }));
    baseUrl = `http://127.0.0.1:${(gateway.address() as AddressInfo).port}${STAGE}`;
    client = createSkedClient({ baseUrl, region: REGION, auth: { kind: 'iam', credentials: CREDENTIALS } });
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => gateway.close(() => resolve()));
    const names = await new SchedulerSchedules(cloud.clients.scheduler, cloud.groupName).listNames();
    for (const Name of names) {
      await cloud.clients.scheduler.send(new DeleteScheduleCommand({ Name, GroupName: cloud.groupName }));
    }
    await cloud.destroy();
  });

  it('creates, reads with an ETag, refuses a stale If-Match with a typed 412, patches and deletes a job', async () => {
    // Act
    const created = await client.createJob({
      id: 'client-job',
      trigger: { type: 'cron', hour: 9, minute: 30 },
      target: task,
    });
    const read = await client.getJob('client-job');
    const patched = await client.patchJob('client-job', { description: 'morning report' }, { ifMatch: read.etag });
    const stale: unknown = await client
      .patchJob('client-job', { description: 'lost update' }, { ifMatch: read.etag })
      .catch((caught: unknown) => caught);
    await client.deleteJob('client-job', { ifMatch: patched.etag });
    const gone: unknown = await client.getJob('client-job').catch((caught: unknown) => caught);

    // Assess
    expect(created).toMatchObject({ created: true, etag: '"client-job.v1"', job: { id: 'client-job', version: 1 } });
    expect(read.etag).toBe('"client-job.v1"');
    expect(read.job.nextRuns).toHaveLength(5);
    expect(patched).toMatchObject({ etag: '"client-job.v2"', job: { description: 'morning report', version: 2 } });
    expect(stale).toBeInstanceOf(SkedPreconditionFailedError);
    expect(stale).toMatchObject({
      status: 412,
      type: 'urn:sked:problem:precondition-failed',
      requestId: 'gw-req-1',
      issues: [{ path: 'header.If-Match', message: 'does not match the current ETag' }],
    });
    expect((stale as Error).message).toMatch(/^patchJob failed: 412 .*\[header\.If-Match: /);
    expect(gone).toBeInstanceOf(SkedNotFoundError);
  });

  it('pauses and resumes with ETags, and runs a job now whose run reads back queued', async () => {
    // Prepare
    const { etag } = await client.createJob({
      id: 'client-run',
      trigger: { type: 'interval', hours: 1 },
      target: task,
    });

    // Act
    const paused = await client.pauseJob('client-run', { reason: 'maintenance', ifMatch: etag });
    const resumed = await client.resumeJob('client-run', { ifMatch: paused.etag });
    const { runId } = await client.runJob('client-run', { payload: { recipient: 'adhoc@example.com' } });
    const run = await client.getRun('client-run', runId);
    const runs = await client.listRuns('client-run');

    // Assess
    expect(paused.job).toMatchObject({ state: 'paused', paused: { reason: 'maintenance' } });
    expect(resumed.job.state).toBe('enabled');
    expect(resumed.etag).toBe('"client-run.v3"');
    expect(run).toMatchObject({ jobId: 'client-run', runId, kind: 'manual', status: 'queued' });
    expect(runs.items.map((item) => item.runId)).toContain(runId);
  });

  it('iterates every job of a group across pages, previews a trigger and lists the tasks', async () => {
    // Prepare
    const group = uniqueName('paged').replace(/[^A-Za-z0-9_.-]/g, '');
    for (const id of ['page-a', 'page-b', 'page-c']) {
      await client.createJob({ id, group, trigger: { type: 'interval', days: 1 }, target: task });
    }

    // Act
    const firstPage = await client.listJobs({ group, limit: 2 });
    const ids: string[] = [];
    for await (const job of client.iterateJobs({ group, limit: 2 })) ids.push(job.id);
    const preview = await client.previewTrigger({ trigger: { type: 'cron', expression: '0 12 * * *' }, count: 3 });
    const tasks = await client.listTasks();
    const document = await client.getOpenApiDocument();

    // Assess
    expect(firstPage.items).toHaveLength(2);
    expect(firstPage.nextCursor).toEqual(expect.any(String));
    expect(ids.sort()).toEqual(['page-a', 'page-b', 'page-c']);
    expect(preview).toMatchObject({ expression: 'cron(0 12 * * ? *)', timezone: 'UTC' });
    expect(preview.nextRuns).toHaveLength(3);
    expect(tasks.items.map((item) => item.name)).toEqual(expect.arrayContaining(['report', 'noop']));
    expect(document.openapi).toBe('3.1.0');
  });

  it('signs a path with escaped characters as sent, so the refusal is the API answering, not the signature check', async () => {
    // Act
    const error: unknown = await client.getJob('no such:job').catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedApiError);
    expect(error).not.toBeInstanceOf(SkedAuthError);
    expect((error as SkedApiError).type).toMatch(/^urn:sked:problem:/);
  });

  it("answers a wrong secret with the gateway's message as a typed auth error", async () => {
    // Prepare
    const intruder = createSkedClient({
      baseUrl,
      region: REGION,
      auth: { kind: 'iam', credentials: { accessKeyId: 'test', secretAccessKey: 'wrong' } },
    });

    // Act
    const error: unknown = await intruder.listTasks().catch((caught: unknown) => caught);

    // Assess
    expect(error).toBeInstanceOf(SkedAuthError);
    expect((error as SkedAuthError).gatewayMessage).toMatch(/signature we calculated does not match/);
  });
});
