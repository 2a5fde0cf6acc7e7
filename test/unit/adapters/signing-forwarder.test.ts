import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { signingForwarder } from '../../../lib/adapters/aws/signing-forwarder';
import { startSigningProxy, type SigningProxy } from '../../../scripts/local/signing-proxy';

const CREDENTIALS = { accessKeyId: 'AKIAFORWARDERTEST001', secretAccessKey: 'forwarderTestSecretNeverRelayed000001' };

interface Received {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

function call(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers ?? {} }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    sent.on('error', reject);
    sent.end(options.body);
  });
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : 0);
    }),
  );
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('the signing forwarder', () => {
  let upstream: Server;
  let upstreamPort: number;
  let received: Received[];
  /** Whether the fake API answers at all (false: it holds every request). */
  let answering: boolean;
  let proxy: SigningProxy;

  beforeEach(async () => {
    // Prepare: a fake API that records what reaches it and answers with a cookie of its own
    received = [];
    answering = true;
    upstream = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        if (!answering) return;
        response.writeHead(201, { 'content-type': 'application/json', 'set-cookie': 'api-session=1; Path=/' });
        response.end('{"ok":true}');
      });
    });
    upstreamPort = await listen(upstream);
    proxy = await startSigningProxy({
      target: `http://127.0.0.1:${upstreamPort}/prod`,
      region: 'eu-west-1',
      service: 'execute-api',
      credentials: CREDENTIALS,
      upstreamTimeoutMs: 200,
    });
  });

  afterEach(async () => {
    await proxy.close();
    await closeServer(upstream);
  });

  it('forwards under the base path with the query re-encoded strictly, signed in place of what the caller brought', async () => {
    // Act
    const answer = await call(`${proxy.url}/jobs/a/runs?note=it's+done&limit=5`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        authorization: 'Bearer from-the-caller',
        cookie: 'session=of-the-caller',
      },
      body: '{"a":1}',
    });

    // Assess
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got).toMatchObject({ method: 'POST', url: '/prod/jobs/a/runs?note=it%27s%20done&limit=5', body: '{"a":1}' });
    expect(got?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIAFORWARDERTEST001\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
    );
    expect(got?.headers.cookie).toBeUndefined();
    expect(answer.status).toBe(201);
    expect(answer.body).toBe('{"ok":true}');
    expect(answer.headers['content-type']).toBe('application/json');
  });

  it("relays the API's answer without its cookies", async () => {
    // Act
    const answer = await call(`${proxy.url}/jobs`);

    // Assess
    expect(answer.status).toBe(201);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('answers 504 when the API does not answer within the timeout', async () => {
    // Prepare
    answering = false;

    // Act
    const answer = await call(`${proxy.url}/jobs`);

    // Assess
    expect(answer.status).toBe(504);
    expect(answer.body).toMatch(/^signing proxy: the API did not answer: /);
  });

  it('answers 502 when the API cannot be reached', async () => {
    // Prepare
    await closeServer(upstream);

    // Act
    const answer = await call(`${proxy.url}/jobs`);

    // Assess
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(/^signing proxy: the API did not answer: /);
    expect(answer.body).not.toContain(CREDENTIALS.secretAccessKey);
  });

  it('answers 413 with its own headers to a body over the limit, and forwards nothing', async () => {
    // Prepare: a forwarder with a JWT, as `sked console` builds with SKED_TOKEN
    const forward = signingForwarder({
      baseUrl: `http://127.0.0.1:${upstreamPort}/prod`,
      authenticate: (request) => Promise.resolve({ ...request.headers, authorization: 'a-jwt' }),
      name: 'test forwarder',
      maxBodyBytes: 16,
      answerHeaders: { 'x-content-type-options': 'nosniff' },
    });
    const server = createServer((request, response) => void forward(request, response, request.url ?? '/'));
    const port = await listen(server);

    // Act
    const tooLarge = await call(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: 'x'.repeat(17) });
    const small = await call(`http://127.0.0.1:${port}/jobs`, { method: 'POST', body: 'x'.repeat(16) });
    await closeServer(server);

    // Assess
    expect(tooLarge.status).toBe(413);
    expect(tooLarge.body).toBe('test forwarder: request body over 16 bytes\n');
    expect(tooLarge.headers['x-content-type-options']).toBe('nosniff');
    expect(small.status).toBe(201);
    expect(small.headers['x-content-type-options']).toBe('nosniff');
    expect(received.map((got) => [got.body, got.headers.authorization])).toEqual([['x'.repeat(16), 'a-jwt']]);
  });
});
