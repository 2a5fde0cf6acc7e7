import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSkedClient } from '../../../lib/client';
import { aJob, BASE_URL, clientWith, fakeFetch, TEST_CREDENTIALS, type SentRequest } from './fake-api';

/** 20300101T000000Z as a Date. */
function dateOf(amzDate: string | undefined): Date {
  const match = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(amzDate ?? '');
  if (match === null) throw new Error(`not an x-amz-date: ${amzDate}`);
  const [, year, month, day, hour, minute, second] = match;
  return new Date(`${year}-${month}-${day}T${hour}:${minute}:${second}Z`);
}

/** Signs what was sent once more, with the SDK's signer and the given path, at the time the client signed it. */
async function authorizationFor(request: SentRequest, path: string, region = 'eu-west-1'): Promise<string | undefined> {
  const signer = new SignatureV4({ service: 'execute-api', region, credentials: TEST_CREDENTIALS, sha256: Sha256 });
  const { authorization: _authorization, 'x-amz-date': amzDate, ...headers } = request.headers;
  const query = Object.fromEntries(request.url.searchParams);
  const signed = await signer.sign(
    {
      method: request.method,
      protocol: request.url.protocol,
      hostname: request.url.hostname,
      path,
      query,
      headers: { ...headers, host: request.url.host },
      ...(request.body !== undefined && { body: request.body }),
    },
    { signingDate: dateOf(amzDate) },
  );
  return signed.headers.authorization;
}

describe('the Jobs API client authentication', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('signs with SigV4 for execute-api in the region the host names, the body and query included', async () => {
    // Prepare
    const fake = fakeFetch({ status: 201, body: aJob() });
    const { client } = clientWith(fake);

    // Act
    await client.createJob(
      { trigger: { type: 'interval', hours: 1 }, target: { type: 'task', task: 'report' } },
      { onConflict: 'replace' },
    );

    // Assess
    const [request] = fake.sent;
    if (request === undefined) throw new Error('nothing was sent');
    expect(request.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/execute-api\/aws4_request, SignedHeaders=[^,]*host[^,]*, Signature=[0-9a-f]{64}$/,
    );
    expect(request.headers).not.toHaveProperty('host');
    expect(request.headers.authorization).toBe(await authorizationFor(request, request.url.pathname));
  });

  it('signs the path as sent, each escaped segment encoded once more in the canonical URI', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { ...aJob(), nextRuns: [] } });
    const { client } = clientWith(fake);

    // Act
    await client.getJob('a b:c');

    // Assess
    const [request] = fake.sent;
    if (request === undefined) throw new Error('nothing was sent');
    expect(request.url.pathname).toBe('/prod/jobs/a%20b%3Ac');
    expect(request.headers.authorization).toBe(await authorizationFor(request, '/prod/jobs/a%20b%3Ac'));
    // Signing the decoded path gives the signature AWS refuses for this request.
    expect(request.headers.authorization).not.toBe(await authorizationFor(request, '/prod/jobs/a b:c'));
  });

  it('asks a credentials provider before each request and sends its session token', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { items: [] } });
    let asked = 0;
    const { client } = clientWith(fake, {
      auth: {
        kind: 'iam',
        credentials: () => {
          asked += 1;
          return Promise.resolve({ ...TEST_CREDENTIALS, sessionToken: `token-${asked}` });
        },
      },
    });

    // Act
    await client.listTasks();
    await client.listTasks();

    // Assess
    expect(fake.sent.map((request) => request.headers['x-amz-security-token'])).toEqual(['token-1', 'token-2']);
  });

  it('signs for the region given, or AWS_REGION when the host names none', async () => {
    // Prepare
    vi.stubEnv('AWS_REGION', 'ap-southeast-2');
    const local = fakeFetch({ status: 200, body: { items: [] } });
    const given = fakeFetch({ status: 200, body: { items: [] } });
    const options = { auth: { kind: 'iam', credentials: TEST_CREDENTIALS } } as const;

    // Act
    await createSkedClient({
      ...options,
      baseUrl: 'http://localhost:4577/restapis/x/test/_user_request_',
      fetch: local.fetch,
    }).listTasks();
    await createSkedClient({ ...options, baseUrl: BASE_URL, region: 'us-west-2', fetch: given.fetch }).listTasks();

    // Assess
    expect(local.sent[0]?.headers.authorization).toContain('/ap-southeast-2/execute-api/');
    expect(given.sent[0]?.headers.authorization).toContain('/us-west-2/execute-api/');
  });

  it('refuses to sign with no region to sign for', () => {
    // Prepare
    vi.stubEnv('AWS_REGION', '');
    vi.stubEnv('AWS_DEFAULT_REGION', '');

    // Act
    const create = () =>
      createSkedClient({ baseUrl: 'http://localhost:9999/test', auth: { kind: 'iam', credentials: TEST_CREDENTIALS } });

    // Assess
    expect(create).toThrow(/needs a region: pass options.region or set AWS_REGION/);
  });

  it('sends a JWT in the Authorization header and no signature', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { items: [] } });
    const { client } = clientWith(fake, { auth: { kind: 'jwt', token: 'eyJ.static.sig' } });

    // Act
    await client.listTasks();

    // Assess
    expect(fake.sent[0]?.headers.authorization).toBe('eyJ.static.sig');
    expect(fake.sent[0]?.headers).not.toHaveProperty('x-amz-date');
  });

  it('asks a token provider before each request, so that it can refresh the token', async () => {
    // Prepare
    const fake = fakeFetch({ status: 200, body: { items: [] } });
    const tokens = ['eyJ.first.sig', 'eyJ.second.sig'];
    const { client } = clientWith(fake, { auth: { kind: 'jwt', token: () => Promise.resolve(tokens.shift() ?? '') } });

    // Act
    await client.listTasks();
    await client.listTasks();

    // Assess
    expect(fake.sent.map((request) => request.headers.authorization)).toEqual(['eyJ.first.sig', 'eyJ.second.sig']);
  });
});
