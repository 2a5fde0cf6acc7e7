import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';

export interface SignedFetchOptions {
  readonly region: string;
  /** SigV4 service name: `execute-api` for API Gateway, `logs` for CloudWatch Logs. */
  readonly service: string;
  /** Fixed credentials, or a provider (the default chain's, say) that the signer asks before each request. */
  readonly credentials: SigningCredentials | (() => Promise<SigningCredentials>);
}

export interface SigningCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface SignedRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-serialisable body, sent as application/json unless a content-type header says otherwise. */
  readonly json?: unknown;
  readonly body?: string;
}

export type SignedFetch = (url: string | URL, request?: SignedRequest) => Promise<Response>;

/**
 * `fetch` with AWS Signature Version 4, as an IAM-authorised API Gateway caller (or any AWS JSON API) needs.
 * The host header is signed but left for fetch to send, since it is derived from the same URL.
 */
export function signedFetch(options: SignedFetchOptions): SignedFetch {
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  return async (target, request = {}) => {
    const url = new URL(target);
    const body = request.json !== undefined ? JSON.stringify(request.json) : request.body;
    const headers: Record<string, string> = {
      host: url.host,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...request.headers,
    };
    const query: Record<string, string | string[]> = {};
    for (const key of new Set(url.searchParams.keys())) {
      const values = url.searchParams.getAll(key);
      query[key] = values.length === 1 ? (values[0] ?? '') : values;
    }
    const signed = await signer.sign({
      method: request.method ?? 'GET',
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' && { port: Number(url.port) }),
      path: decodeURIComponent(url.pathname),
      query,
      headers,
      ...(body !== undefined && { body }),
    });
    const { host: _host, ...sent } = signed.headers;
    return fetch(url, { method: request.method ?? 'GET', headers: sent, ...(body !== undefined && { body }) });
  };
}
