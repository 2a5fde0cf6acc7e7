import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startConsoleServer, type ConsoleServer } from '../../../cli/console/server';
import { sigV4RequestSigner } from '../../../lib/adapters/aws/sigv4-request-signer';

/** Distinctive credentials: the upstream must see their key id in the signature; the page must never see them. */
const CREDENTIALS = {
  accessKeyId: 'AKIACONSOLETESTKEY01',
  secretAccessKey: 'consoleTestSecretNeverRelayed0000000001',
  sessionToken: 'consoleTestSessionTokenNeverRelayed01',
};
const SESSION = 'test-session-secret-0123456789abcdefghijk';
const TOKEN = 'test-launch-token-0123456789abcdefghijklm';

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

/** A raw HTTP request, so that Host, Origin and Cookie are exactly what the test says (fetch sets some itself). */
function call(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers ?? {} },
      (response) => {
        let body = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (body += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
      },
    );
    sent.on('error', reject);
    sent.end(options.body);
  });
}

describe('the sked console server', () => {
  let upstream: Server;
  let upstreamPort: number;
  let received: Received[];
  let consoleServer: ConsoleServer;
  let port: number;
  let host: string;
  /** What the page sends on an API call: its session cookie and header. */
  let page: Record<string, string>;

  /** What the fake API answers. */
  let upstreamAnswer: { status: number; body: string };

  beforeEach(async () => {
    upstreamAnswer = { status: 200, body: JSON.stringify({ items: [] }) };
    // Prepare: a fake API that records what reaches it and answers with a cookie of its own
    received = [];
    upstream = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        received.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
        response.writeHead(upstreamAnswer.status, {
          'content-type': 'application/json',
          etag: '"job.v3"',
          'set-cookie': 'api-session=upstream; Path=/',
        });
        response.end(upstreamAnswer.body);
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const address = upstream.address();
    upstreamPort = typeof address === 'object' && address !== null ? address.port : 0;
    consoleServer = await startConsoleServer({
      baseUrl: `http://127.0.0.1:${upstreamPort}/prod`,
      authenticate: sigV4RequestSigner({ region: 'eu-west-1', service: 'execute-api', credentials: CREDENTIALS }),
      assets: { js: 'console.log("sked")', css: 'body{}' },
      info: { baseUrl: `http://127.0.0.1:${upstreamPort}/prod`, source: '--api', region: 'eu-west-1', local: false },
      session: SESSION,
      launchToken: TOKEN,
    });
    port = Number(new URL(consoleServer.origin).port);
    host = `127.0.0.1:${port}`;
    page = { host, cookie: `sked_console_${port}=${SESSION}`, 'x-sked-console': '1' };
  });

  afterEach(async () => {
    await consoleServer.close();
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
  });

  it('sets an HttpOnly, SameSite=Strict session cookie from the URL it prints, and redirects to the page', async () => {
    // Act
    const opened = await call(port, new URL(consoleServer.openUrl).pathname + new URL(consoleServer.openUrl).search, {
      headers: { host },
    });
    const pageAnswer = await call(port, '/', { headers: { host, cookie: `sked_console_${port}=${SESSION}` } });
    const again = await call(port, `/?token=${TOKEN}`, { headers: { host } });

    // Assess
    expect(consoleServer.openUrl).toBe(`${consoleServer.origin}/?token=${TOKEN}`);
    expect(opened.status).toBe(303);
    expect(opened.headers.location).toBe('/');
    expect(opened.headers['set-cookie']).toEqual([
      `sked_console_${port}=${SESSION}; HttpOnly; SameSite=Strict; Path=/`,
    ]);
    // The URL opens the console once: its token is not the session and is spent
    expect(again.status).toBe(401);
    expect(again.body).toContain('this console URL was used already or has expired');
    expect(again.headers['set-cookie']).toBeUndefined();
    expect(pageAnswer.status).toBe(200);
    expect(pageAnswer.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(pageAnswer.body).toContain('<script type="module" src="/assets/main.js"></script>');
    expect(pageAnswer.headers['content-security-policy']).toContain("default-src 'self'");
    expect(pageAnswer.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(pageAnswer.headers['x-frame-options']).toBe('DENY');
    expect(pageAnswer.headers['referrer-policy']).toBe('no-referrer');
    expect(pageAnswer.headers['x-content-type-options']).toBe('nosniff');
  });

  it('forwards an API call to the deployment signed with SigV4, and relays no credential or API cookie back', async () => {
    // Act
    const answer = await call(port, '/api/jobs/nightly%20report/runs?status=failed&limit=5', { headers: page });

    // Assess: upstream got the path under the stage, the query, and a signature by the key id
    expect(received).toHaveLength(1);
    const [got] = received;
    expect(got?.url).toBe('/prod/jobs/nightly%20report/runs?status=failed&limit=5');
    expect(got?.headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIACONSOLETESTKEY01\/\d{8}\/eu-west-1\/execute-api\/aws4_request, /,
    );
    expect(got?.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(got?.headers.cookie).toBeUndefined();
    expect(got?.headers['x-sked-console']).toBeUndefined();
    // ... and the page got the API's answer and ETag, with nothing of the credentials
    expect(answer.status).toBe(200);
    expect(answer.body).toBe('{"items":[]}');
    expect(answer.headers.etag).toBe('"job.v3"');
    expect(answer.headers['set-cookie']).toBeUndefined();
    expect(Object.keys(answer.headers).filter((name) => /^(authorization|x-amz-)/.test(name))).toEqual([]);
    expect(answer.headers['cache-control']).toBe('no-store');
    expect(answer.headers['content-security-policy']).toContain("connect-src 'self'");
    expect(answer.headers['x-content-type-options']).toBe('nosniff');
    const everything = JSON.stringify(answer);
    for (const secret of [...Object.values(CREDENTIALS), 'AWS4-HMAC-SHA256']) expect(everything).not.toContain(secret);
  });

  it('forwards a body and the If-Match header, and drops an authorization header the page brought', async () => {
    // Act
    await call(port, '/api/jobs/a', {
      method: 'PATCH',
      headers: {
        ...page,
        'content-type': 'application/merge-patch+json',
        'if-match': '"a.v2"',
        authorization: 'Bearer from-the-page',
      },
      body: '{"trigger":{"type":"interval","hours":6}}',
    });

    // Assess
    expect(received[0]).toMatchObject({ method: 'PATCH', body: '{"trigger":{"type":"interval","hours":6}}' });
    expect(received[0]?.headers['if-match']).toBe('"a.v2"');
    expect(received[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
  });

  it('refuses every request without the session cookie, and forwards nothing', async () => {
    // Act
    const answers = await Promise.all([
      call(port, '/', { headers: { host } }),
      call(port, '/?token=wrong', { headers: { host } }),
      call(port, `/?token=${SESSION}`, { headers: { host } }),
      call(port, '/assets/main.js', { headers: { host } }),
      call(port, '/api/jobs', { headers: { host, 'x-sked-console': '1' } }),
      call(port, '/api/jobs', { headers: { host, 'x-sked-console': '1', cookie: `sked_console_${port}=guess` } }),
      call(port, '/api/jobs', { headers: { host, 'x-sked-console': '1', cookie: `sked_console=${SESSION}` } }),
    ]);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual([401, 401, 401, 401, 401, 401, 401]);
    expect(answers[0]?.body).toContain('Start `sked console` again and open the new URL it prints');
    expect(answers[3]?.body).toContain('Start `sked console` again and open the new URL it prints');
    for (const answer of answers) expect(answer.headers['x-frame-options']).toBe('DENY');
    expect(received).toEqual([]);
  });

  it('refuses a Host other than its own (DNS rebinding), an API call without its header, and a foreign Origin', async () => {
    // Act
    const rebound = await call(port, '/api/jobs', { headers: { ...page, host: `attacker.example:${port}` } });
    const noHeader = await call(port, '/api/jobs', { headers: { host, cookie: page.cookie ?? '' } });
    const foreign = await call(port, '/api/jobs/a/pause', {
      method: 'POST',
      headers: { ...page, origin: 'https://attacker.example' },
    });
    const own = await call(port, '/api/jobs', { headers: { ...page, origin: `http://${host}` } });
    const localhost = await call(port, '/api/jobs', { headers: { ...page, host: `localhost:${port}` } });

    // Assess
    expect([rebound.status, noHeader.status, foreign.status]).toEqual([403, 403, 403]);
    expect(foreign.body).toContain('https://attacker.example');
    expect([own.status, localhost.status]).toEqual([200, 200]);
    expect(received).toHaveLength(2);
  });

  it("forwards only the headers the API reads: none of the browser's own, no x-amz-* or x-forwarded-* of the page", async () => {
    // Act
    await call(port, '/api/jobs', {
      headers: {
        ...page,
        accept: 'application/json',
        'sec-fetch-mode': 'cors',
        'sec-ch-ua': '"Chromium";v="156"',
        'x-forwarded-for': '203.0.113.9',
        'x-amz-target': 'Other.Operation',
        'user-agent': 'Mozilla/5.0',
      },
    });

    // Assess
    const sent = Object.keys(received[0]?.headers ?? {});
    expect(received[0]?.headers.accept).toBe('application/json');
    for (const name of ['sec-ch-ua', 'x-forwarded-for', 'x-amz-target', 'x-sked-console', 'cookie']) {
      expect(sent).not.toContain(name);
    }
    // fetch sets its own sec-fetch-mode and user-agent; the page's user agent does not go on
    expect(received[0]?.headers['user-agent']).not.toBe('Mozilla/5.0');
  });

  it("withholds API Gateway's echo of a refused signature, which repeats the session token", async () => {
    // Prepare: the answer API Gateway gives a signature it computes differently
    upstreamAnswer = {
      status: 403,
      body: JSON.stringify({
        message:
          'The request signature we calculated does not match the signature you provided. The Canonical String for ' +
          `this request should have been 'GET\n/prod/jobs\n\nx-amz-security-token:${CREDENTIALS.sessionToken}\n'`,
      }),
    };

    // Act
    const answer = await call(port, '/api/jobs', { headers: page });

    // Assess
    expect(answer.status).toBe(403);
    expect(answer.body).not.toContain(CREDENTIALS.sessionToken);
    expect(answer.body).toMatch(/^\{"message":"The API refused the signature of the request\./);
  });

  it('refuses its URL once it has expired unused', async () => {
    // Prepare
    const expiring = await startConsoleServer({
      baseUrl: `http://127.0.0.1:${upstreamPort}/prod`,
      authenticate: () => Promise.resolve({}),
      assets: { js: '', css: '' },
      info: { baseUrl: 'x', source: '--api', region: 'eu-west-1', local: false },
      launchToken: TOKEN,
      launchTtlMs: -1,
    });
    const expiringPort = Number(new URL(expiring.origin).port);

    // Act
    const answer = await call(expiringPort, `/?token=${TOKEN}`, { headers: { host: `127.0.0.1:${expiringPort}` } });
    await expiring.close();

    // Assess
    expect(answer.status).toBe(401);
    expect(answer.headers['set-cookie']).toBeUndefined();
  });

  it('serves the bundle and the deployment it talks to, never a credential', async () => {
    // Act
    const js = await call(port, '/assets/main.js', { headers: page });
    const css = await call(port, '/assets/main.css', { headers: page });
    const info = await call(port, '/console/info', { headers: page });
    const missing = await call(port, '/nothing', { headers: page });

    // Assess
    expect([js.status, js.headers['content-type'], js.body]).toEqual([
      200,
      'text/javascript; charset=utf-8',
      'console.log("sked")',
    ]);
    expect([css.status, css.headers['content-type']]).toEqual([200, 'text/css; charset=utf-8']);
    expect([js.headers['cache-control'], css.headers['cache-control']]).toEqual(['no-cache', 'no-cache']);
    expect(info.headers['cache-control']).toBe('no-store');
    expect(info.headers['x-content-type-options']).toBe('nosniff');
    expect(JSON.parse(info.body)).toEqual({
      baseUrl: `http://127.0.0.1:${upstreamPort}/prod`,
      source: '--api',
      region: 'eu-west-1',
      local: false,
    });
    expect(missing.status).toBe(404);
  });

  it('answers 502 naming the failure when the API cannot be reached', async () => {
    // Prepare
    await new Promise<void>((resolve) => upstream.close(() => resolve()));
    upstream = createServer();

    // Act
    const answer = await call(port, '/api/jobs', { headers: page });

    // Assess
    expect(answer.status).toBe(502);
    expect(answer.body).toMatch(/^sked console: the API did not answer: /);
    expect(answer.body).not.toContain(CREDENTIALS.secretAccessKey);
  });
});
