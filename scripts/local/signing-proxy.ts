/**
 * A local HTTP proxy that signs what it forwards: a client that cannot sign with AWS Signature Version 4 (a fuzzer, a
 * browser page) talks plain HTTP to 127.0.0.1, and every request goes on to an IAM-authorised API signed with the
 * proxy's credentials. Listens on the loopback interface only, so nothing off the machine can borrow them.
 *
 *   const proxy = await startSigningProxy({ target: apiBaseUrl, region, service: 'execute-api', credentials });
 *   // GET `${proxy.url}/jobs` is GET `${apiBaseUrl}/jobs`, signed
 *   await proxy.close();
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { sigV4RequestSigner, type SigV4SignerOptions } from '../../lib/adapters/aws/sigv4-request-signer';
import { forwardedHeaders, relayedHeaders, upstreamUrl } from '../../lib/adapters/http/forwarding';

export { upstreamUrl } from '../../lib/adapters/http/forwarding';

export interface SigningProxyOptions extends SigV4SignerOptions {
  /** Base URL requests are forwarded under, e.g. `https://<id>.execute-api.<region>.amazonaws.com/<stage>`. */
  readonly target: string;
  /** Port on 127.0.0.1. @default 0 (a free port) */
  readonly port?: number;
  /** How long one forwarded request may take before the proxy answers 504. @default 30_000 */
  readonly upstreamTimeoutMs?: number;
}

export interface SigningProxy {
  /** `http://127.0.0.1:<port>`: the target's base URL, unsigned. */
  readonly url: string;
  close(): Promise<void>;
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function answer(response: ServerResponse, status: number, text: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(`signing proxy: ${text}\n`);
}

export async function startSigningProxy(options: SigningProxyOptions): Promise<SigningProxy> {
  const base = new URL(options.target);
  const timeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const sign = sigV4RequestSigner(options);

  const forward = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const method = request.method ?? 'GET';
    const body = await readBody(request);
    const url = upstreamUrl(base, request.url ?? '/');
    const hasBody = body.length > 0;
    // The signer takes the path as it goes on the wire and encodes each segment once more, as execute-api expects.
    const sent = await sign({ method, url, headers: forwardedHeaders(request.headers), ...(hasBody && { body }) });
    const upstream = await fetch(url, {
      method,
      headers: sent,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      ...(hasBody && { body }),
    });
    const payload = Buffer.from(await upstream.arrayBuffer());
    const headers = { ...relayedHeaders(upstream.headers), 'content-length': String(payload.length) };
    response.writeHead(upstream.status, headers);
    response.end(method === 'HEAD' ? undefined : payload);
  };

  const server = createServer((request, response) => {
    forward(request, response).catch((error: unknown) => {
      const timedOut = error instanceof Error && error.name === 'TimeoutError';
      answer(response, timedOut ? 504 : 502, error instanceof Error ? error.message : String(error));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('signing proxy: not listening on TCP');

  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error === undefined ? resolve() : reject(error)));
        server.closeAllConnections();
      }),
  };
}
