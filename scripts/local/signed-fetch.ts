import { sigV4RequestSigner, type SigV4SignerOptions } from '../../lib/adapters/aws/sigv4-request-signer';

/** Region, SigV4 service (`execute-api` for API Gateway, `logs` for CloudWatch Logs) and credentials or a provider. */
export type SignedFetchOptions = SigV4SignerOptions;

export interface SignedRequest {
  readonly method?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON-serialisable body, sent as application/json unless a content-type header says otherwise. */
  readonly json?: unknown;
  readonly body?: string;
}

export type SignedFetch = (url: string | URL, request?: SignedRequest) => Promise<Response>;

/**
 * `fetch` with AWS Signature Version 4 (lib/adapters/aws/sigv4-request-signer.ts), as an IAM-authorised caller of
 * an AWS JSON API (CloudWatch Logs, API Gateway) needs.
 */
export function signedFetch(options: SignedFetchOptions): SignedFetch {
  const sign = sigV4RequestSigner(options);
  return async (target, request = {}) => {
    const url = new URL(target);
    const method = request.method ?? 'GET';
    const body = request.json !== undefined ? JSON.stringify(request.json) : request.body;
    const headers = await sign({
      method,
      url,
      headers: { ...(body !== undefined && { 'content-type': 'application/json' }), ...request.headers },
      ...(body !== undefined && { body }),
    });
    return fetch(url, { method, headers, ...(body !== undefined && { body }) });
  };
}
