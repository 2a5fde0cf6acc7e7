import { Sha256 } from '@aws-crypto/sha256-js';
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { SignatureV4 } from '@smithy/signature-v4';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

/** Asked before each signature, so that expiring credentials (SSO, assumed roles) are refreshed by their source. */
export type AwsCredentialsProvider = () => Promise<AwsCredentials>;

export interface RequestToSign {
  readonly method: string;
  /** The URL exactly as it will be sent: its path percent-encoded as on the wire. */
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  /** Text, or bytes as a proxy relays them. */
  readonly body?: string | Uint8Array;
}

/** Signs a request; returns the headers to send: the request's own plus authorization, x-amz-date and friends. */
export type RequestSigner = (request: RequestToSign) => Promise<Record<string, string>>;

export interface SigV4SignerOptions {
  readonly region: string;
  /** `execute-api` for API Gateway. */
  readonly service: string;
  readonly credentials: AwsCredentials | AwsCredentialsProvider;
}

/** The standard AWS credential chain: environment, SSO, shared config and credentials files, container, instance. */
export function defaultCredentialChain(): AwsCredentialsProvider {
  return defaultProvider();
}

/**
 * AWS Signature Version 4 for a fetch request. The path is handed to the signer as sent, percent-encoded, and the
 * signer escapes each segment once more: the canonical URI of every service but S3 is the sent path URI-encoded
 * again ('/jobs/a%20b' is canonical '/jobs/a%2520b'). Signing the decoded path yields a signature AWS refuses for
 * any path with an escaped character. The host header is signed but left for fetch to send, as it derives it from
 * the same URL.
 */
export function sigV4RequestSigner(options: SigV4SignerOptions): RequestSigner {
  const signer = new SignatureV4({
    service: options.service,
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
    uriEscapePath: true,
  });
  return async ({ method, url, headers, body }) => {
    const signed = await signer.sign({
      method,
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port !== '' && { port: Number(url.port) }),
      path: url.pathname,
      query: queryOf(url),
      headers: { ...headers, host: url.host },
      ...(body !== undefined && { body }),
    });
    const { host: _host, ...sent } = signed.headers;
    return sent;
  };
}

/** The query as the signer takes it: decoded names and values, repeated names as lists; it encodes them itself. */
function queryOf(url: URL): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    query[name] = values.length === 1 ? (values[0] ?? '') : values;
  }
  return query;
}
