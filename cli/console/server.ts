/**
 * The local server behind `sked console`: it serves the console's page and forwards the page's API calls to the
 * deployment, authenticated with the user's own credentials (SigV4 from the AWS credential chain, or a JWT), so
 * that no credential ever reaches the browser.
 *
 * Because it signs whatever it forwards, it only answers its own page: it listens on 127.0.0.1; it answers only the
 * Host names 127.0.0.1:<port> and localhost:<port> (a DNS-rebinding page has another); every request but the first
 * needs the session cookie that the one-time URL it prints sets, once (HttpOnly, SameSite=Strict, named per port:
 * other sites' pages neither read nor send it); API calls need a header a cross-site page cannot send without a CORS preflight, which is never
 * answered; and an Origin, when sent, must be its own.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { signingForwarder } from '../../lib/adapters/aws/signing-forwarder';
import { listenOnLoopback } from '../../lib/adapters/http/loopback-server';
import type { Authenticate } from '../../lib/client/auth';

/** The page's bundle, as `buildConsoleAssets` makes it. */
export interface ConsoleAssets {
  readonly js: string;
  readonly css: string;
}

/** What the page may know of the deployment (no credential). */
export interface ConsoleInfo {
  readonly baseUrl: string;
  readonly source: string;
  readonly region: string;
  readonly local: boolean;
}

export interface ConsoleServerOptions {
  /** The API's URL with its stage. */
  readonly baseUrl: string;
  readonly authenticate: Authenticate;
  readonly assets: ConsoleAssets;
  readonly info: ConsoleInfo;
  /** Port on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
  /** How long one forwarded call may take before the page gets 504. @default 30_000 */
  readonly upstreamTimeoutMs?: number;
  /** The session cookie's secret; tests give one. @default 32 random bytes */
  readonly session?: string;
  /** The one-time token of the URL to open; tests give one. @default 32 random bytes */
  readonly launchToken?: string;
  /** How long the URL to open stays usable if it is not used. @default 600_000 (10 minutes) */
  readonly launchTtlMs?: number;
}

export interface ConsoleServer {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  /** The URL to open: its one-time token sets the session cookie, once, within `launchTtlMs`. */
  readonly openUrl: string;
  close(): Promise<void>;
}

/**
 * The session cookie's name for a port. Browsers scope cookies by host, not port: one name per port keeps two
 * consoles (two stages) from overwriting each other's session.
 */
export const sessionCookieName = (port: number): string => `sked_console_${port}`;
/** The header the page sends on every API call. */
export const CONSOLE_HEADER = 'x-sked-console';
const MAX_BODY_BYTES = 1024 * 1024;

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

/** The only headers of the page's that go on to the API (and are signed): what the API reads. */
const FORWARDED_REQUEST_HEADERS = new Set(['accept', 'content-type', 'if-match', 'if-none-match']);

/**
 * API Gateway answers a signature it refuses with the canonical request it computed, which repeats the signed
 * headers, the session token among them: that body is not relayed to the page.
 */
function withheldSignatureDetails(status: number, body: Buffer): Buffer {
  if (status !== 403) return body;
  const text = body.toString('utf8');
  if (!/Canonical String|String-to-Sign|canonical request/i.test(text)) return body;
  return Buffer.from(
    JSON.stringify({
      message:
        'The API refused the signature of the request. sked console withholds the details API Gateway sent (they ' +
        'repeat the signed headers, the session token among them): check the credentials and the clock of the ' +
        'machine running sked console.',
    }),
  );
}

const PAGE = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="color-scheme" content="light dark" />
    <title>sked console</title>
    <link rel="stylesheet" href="/assets/main.css" />
  </head>
  <body>
    <div id="root"></div>
    <script type="module" src="/assets/main.js"></script>
  </body>
</html>
`;

const HINT = 'Start `sked console` again and open the new URL it prints (each URL opens the console once).';

class RefusedError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedError';
  }
}

function cookieOf(request: IncomingMessage, name: string): string | undefined {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...value] = part.trim().split('=');
    if (key === name) return value.join('=');
  }
  return undefined;
}

function sameSecret(given: string | undefined, secret: string): boolean {
  if (given === undefined) return false;
  const [a, b] = [Buffer.from(given), Buffer.from(secret)];
  return a.length === b.length && timingSafeEqual(a, b);
}

function send(
  response: ServerResponse,
  status: number,
  body: string,
  headers: Record<string, string> = { 'content-type': 'text/plain; charset=utf-8' },
): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { ...SECURITY_HEADERS, ...headers, 'content-length': String(Buffer.byteLength(body)) });
  response.end(body);
}

export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const session = options.session ?? randomBytes(32).toString('base64url');
  const launchToken = options.launchToken ?? randomBytes(32).toString('base64url');
  const launchDeadline = Date.now() + (options.launchTtlMs ?? 600_000);
  let launched = false;
  let port = 0;

  const forward = signingForwarder({
    baseUrl: options.baseUrl,
    authenticate: options.authenticate,
    name: 'sked console',
    maxBodyBytes: MAX_BODY_BYTES,
    keepRequestHeaders: FORWARDED_REQUEST_HEADERS,
    rewriteAnswer: withheldSignatureDetails,
    answerHeaders: { ...SECURITY_HEADERS, 'cache-control': 'no-store' },
    ...(options.upstreamTimeoutMs !== undefined && { upstreamTimeoutMs: options.upstreamTimeoutMs }),
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const host = request.headers.host ?? '';
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      throw new RefusedError(403, `sked console answers 127.0.0.1:${port} only, not '${host}'`);
    }
    const url = new URL(request.url ?? '/', `http://${host}`);
    const signedIn = sameSecret(cookieOf(request, sessionCookieName(port)), session);

    if (url.pathname === '/' && request.method === 'GET') {
      const token = url.searchParams.get('token');
      if (token !== null) {
        // The token only opens the console: it is not the session, and it works once, for a short while, so that
        // a URL left in a browser's history or command line is of no use to anyone.
        if (!sameSecret(token, launchToken) || launched || Date.now() > launchDeadline) {
          throw new RefusedError(401, `this console URL was used already or has expired. ${HINT}`);
        }
        launched = true;
        send(response, 303, '', {
          location: '/',
          'set-cookie': `${sessionCookieName(port)}=${session}; HttpOnly; SameSite=Strict; Path=/`,
          'cache-control': 'no-store',
        });
        return;
      }
      if (!signedIn) throw new RefusedError(401, `no console session. ${HINT}`);
      send(response, 200, PAGE, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-cache' });
      return;
    }
    if (!signedIn) throw new RefusedError(401, `no console session. ${HINT}`);

    if (request.method === 'GET' && url.pathname === '/assets/main.js') {
      send(response, 200, options.assets.js, {
        'content-type': 'text/javascript; charset=utf-8',
        'cache-control': 'no-cache',
      });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/assets/main.css') {
      send(response, 200, options.assets.css, {
        'content-type': 'text/css; charset=utf-8',
        'cache-control': 'no-cache',
      });
      return;
    }
    if (request.method === 'GET' && url.pathname === '/console/info') {
      send(response, 200, JSON.stringify(options.info), {
        'content-type': 'application/json',
        'cache-control': 'no-store',
      });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      if (request.headers[CONSOLE_HEADER] !== '1') {
        throw new RefusedError(403, `API calls through sked console need the ${CONSOLE_HEADER} header its page sends`);
      }
      const origin = request.headers.origin;
      if (origin !== undefined && origin !== `http://${host}`) {
        throw new RefusedError(403, `a page of ${origin} may not call the API through sked console`);
      }
      await forward(request, response, `${url.pathname.slice('/api'.length)}${url.search}`);
      return;
    }
    throw new RefusedError(404, `no such page: ${url.pathname}`);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      // The forwarder answers the API's failures itself; anything else here is a refusal, or a fault of this server.
      const refused =
        error instanceof RefusedError
          ? error
          : new RefusedError(500, error instanceof Error ? error.message : String(error));
      send(response, refused.status, `sked console: ${refused.message}\n`);
    });
  });
  const listener = await listenOnLoopback(server, options.port ?? 0, 'sked console');
  port = listener.port;
  const origin = `http://127.0.0.1:${port}`;
  return { origin, openUrl: `${origin}/?token=${launchToken}`, close: listener.close };
}
