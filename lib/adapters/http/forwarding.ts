/**
 * What a local forwarding server (the console's, the test signing proxy) changes in a request it sends on to the
 * API with its own authentication, and in the answer it relays: hop-by-hop headers go, so does any signature or
 * token the caller brought, and the query is re-encoded so that what is sent is exactly what is signed.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Request headers not forwarded: hop-by-hop ones, those fetch sets itself, and any authentication the caller
 * brought (replaced by the forwarder's). accept-encoding is left to fetch, which decodes the answer before it is
 * relayed. cookie: the forwarder's own session, never the API's business.
 */
export const DROPPED_REQUEST_HEADERS: ReadonlySet<string> = new Set([
  'host',
  'connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'expect',
  'content-length',
  'accept-encoding',
  'authorization',
  'x-amz-date',
  'x-amz-security-token',
  'x-amz-content-sha256',
  'cookie',
]);

/**
 * Answer headers not relayed: hop-by-hop ones, the encoding and length of a body fetch has already decoded, and the
 * API's cookies (a cookie set for the forwarder's origin would be sent to it with every later request).
 */
export const DROPPED_RESPONSE_HEADERS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'trailer',
  'upgrade',
  'content-encoding',
  'content-length',
  'set-cookie',
]);

/** RFC 3986 encoding, as SigV4 canonicalises query strings. */
function strictEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * The upstream URL for a request target (`/path?query`), under the base URL's path. The query is re-encoded strictly,
 * so that what is sent is exactly what is signed (a `+` or `'` left as the client wrote it could be read either way).
 */
export function upstreamUrl(base: URL, requestTarget: string): URL {
  const queryAt = requestTarget.indexOf('?');
  const path = queryAt === -1 ? requestTarget : requestTarget.slice(0, queryAt);
  const query = new URLSearchParams(queryAt === -1 ? '' : requestTarget.slice(queryAt + 1));
  const url = new URL(base.href);
  url.pathname = `${base.pathname.replace(/\/$/, '')}${path.startsWith('/') ? '' : '/'}${path}`;
  url.search = [...query].map(([key, value]) => `${strictEncode(key)}=${strictEncode(value)}`).join('&');
  return url;
}

/** The request headers to forward, with `extra` names dropped too. */
export function forwardedHeaders(
  headers: IncomingHttpHeaders,
  extra: ReadonlySet<string> = new Set(),
): Record<string, string> {
  const forwarded: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || DROPPED_REQUEST_HEADERS.has(name) || extra.has(name)) continue;
    forwarded[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return forwarded;
}

/** The answer headers to relay, with `extra` names dropped too. */
export function relayedHeaders(headers: Headers, extra: ReadonlySet<string> = new Set()): Record<string, string> {
  const relayed: Record<string, string> = {};
  headers.forEach((value, name) => {
    if (!DROPPED_RESPONSE_HEADERS.has(name) && !extra.has(name)) relayed[name] = value;
  });
  return relayed;
}
