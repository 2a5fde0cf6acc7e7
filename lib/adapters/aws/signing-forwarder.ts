/**
 * The core of a local server that forwards what it receives to the API, authenticated with its own credentials
 * (the signing proxy, `sked console`): the request's method, body and headers go on to the base URL, signed by the
 * injected `authenticate` (SigV4 with `sigV4RequestSigner`, or a JWT with `authenticator` from lib/client/auth),
 * and the API's answer comes back without hop-by-hop headers or cookies (lib/adapters/http/forwarding).
 *
 *   const forward = signingForwarder({ baseUrl, authenticate: sigV4RequestSigner({ ... }), name: 'signing proxy' });
 *   createServer((request, response) => void forward(request, response, request.url ?? '/'));
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { forwardedHeaders, relayedHeaders, upstreamUrl } from '../http/forwarding';
import type { RequestSigner } from './sigv4-request-signer';

export interface SigningForwarderOptions {
  /** Base URL requests are forwarded under, e.g. `https://<id>.execute-api.<region>.amazonaws.com/<stage>`. */
  readonly baseUrl: string | URL;
  /** Returns the headers to send: the request's own plus its authentication. */
  readonly authenticate: RequestSigner;
  /** Names the server in the text of the answers it makes itself (413, 502, 504). */
  readonly name: string;
  /** How long one forwarded request may take before the answer is 504. @default 30_000 */
  readonly upstreamTimeoutMs?: number;
  /** A larger request body is answered 413 and not forwarded. @default no limit */
  readonly maxBodyBytes?: number;
  /** Request headers not forwarded, besides the hop-by-hop and authentication ones. @default none */
  readonly dropRequestHeaders?: ReadonlySet<string>;
  /**
   * When given, only these request headers are forwarded (and signed), besides what the signer adds: a caller that
   * is a browser sends many headers the API has no use for. @default every header not dropped
   */
  readonly keepRequestHeaders?: ReadonlySet<string>;
  /** Rewrites an answer's body before it is relayed (e.g. to withhold what the API echoed of the signature). */
  readonly rewriteAnswer?: (status: number, body: Buffer) => Buffer;
  /** Headers set on every answer, relayed or made here; they win over the API's. @default none */
  readonly answerHeaders?: Readonly<Record<string, string>>;
}

/** Forwards one request to `<baseUrl><path>`, `path` being a request target (`/jobs?limit=5`); never rejects. */
export type SigningForwarder = (request: IncomingMessage, response: ServerResponse, path: string) => Promise<void>;

class BodyTooLargeError extends Error {
  constructor(readonly limit: number) {
    super(`request body over ${limit} bytes`);
    this.name = 'BodyTooLargeError';
  }
}

async function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export function signingForwarder(options: SigningForwarderOptions): SigningForwarder {
  const base = new URL(options.baseUrl);
  const timeoutMs = options.upstreamTimeoutMs ?? 30_000;
  const limit = options.maxBodyBytes ?? Number.POSITIVE_INFINITY;
  const answerHeaders = options.answerHeaders ?? {};
  const keep = options.keepRequestHeaders;
  const kept = (headers: Record<string, string>): Record<string, string> =>
    keep === undefined ? headers : Object.fromEntries(Object.entries(headers).filter(([name]) => keep.has(name)));

  const forward = async (request: IncomingMessage, response: ServerResponse, path: string): Promise<void> => {
    const method = request.method ?? 'GET';
    const body = await readBody(request, limit);
    const url = upstreamUrl(base, path);
    const hasBody = body.length > 0;
    // The signer takes the path as it goes on the wire and encodes each segment once more, as execute-api expects.
    const headers = await options.authenticate({
      method,
      url,
      headers: kept(forwardedHeaders(request.headers, options.dropRequestHeaders)),
      ...(hasBody && { body }),
    });
    const upstream = await fetch(url, {
      method,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
      ...(hasBody && { body }),
    });
    const received = Buffer.from(await upstream.arrayBuffer());
    const payload = options.rewriteAnswer?.(upstream.status, received) ?? received;
    response.writeHead(upstream.status, {
      ...relayedHeaders(upstream.headers),
      ...answerHeaders,
      'content-length': String(payload.length),
    });
    response.end(method === 'HEAD' ? undefined : payload);
  };

  const fail = (response: ServerResponse, error: unknown): void => {
    if (response.headersSent) {
      response.destroy();
      return;
    }
    const [status, text] =
      error instanceof BodyTooLargeError
        ? [413, error.message]
        : [
            error instanceof Error && error.name === 'TimeoutError' ? 504 : 502,
            // The message names the API's host at most; no header or credential is in it.
            `the API did not answer: ${error instanceof Error ? error.message : String(error)}`,
          ];
    const body = `${options.name}: ${text}\n`;
    response.writeHead(status, {
      ...answerHeaders,
      'content-type': 'text/plain; charset=utf-8',
      'content-length': String(Buffer.byteLength(body)),
    });
    response.end(body);
  };

  return (request, response, path) => forward(request, response, path).catch((error: unknown) => fail(response, error));
}
