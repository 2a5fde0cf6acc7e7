import { STATUS_CODES } from 'node:http';
import type * as z from 'zod';
import { gatewayErrorSchema, problemSchema } from '../schemas/api';
import type { Authenticate } from './auth';
import {
  SkedApiError,
  SkedAuthError,
  SkedConflictError,
  SkedNetworkError,
  SkedNotFoundError,
  SkedPreconditionFailedError,
  SkedServerError,
  SkedThrottledError,
  SkedUnexpectedResponseError,
  SkedValidationError,
  type SkedApiErrorDetails,
} from './errors';
import { backoffMs, isRetryableNetworkFailure, isRetryableStatus, retryAfterMs, type RetryPolicy } from './retry';

export type FetchLike = (input: URL, init: RequestInit) => Promise<Response>;
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export const JSON_CONTENT_TYPE = 'application/json';
export const MERGE_PATCH_CONTENT_TYPE = 'application/merge-patch+json';

export interface Transport {
  readonly baseUrl: URL;
  readonly fetch: FetchLike;
  readonly authenticate: Authenticate;
  readonly retry: RetryPolicy;
  readonly userAgent: string;
}

export interface Call<Schema extends z.ZodType | undefined> {
  /** The client method, named in every error. */
  readonly operation: string;
  readonly method: HttpMethod;
  /** Path segments under the base URL, unencoded: each is percent-encoded once, as sent and as signed. */
  readonly path: readonly string[];
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly headers?: Readonly<Record<string, string | undefined>>;
  /** Sent as JSON when defined. */
  readonly body?: unknown;
  readonly contentType?: string;
  /** The success statuses the operation answers with. */
  readonly expect: readonly number[];
  /** What the success body must be; undefined for no body (204). */
  readonly schema: Schema;
}

export interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

/**
 * The request URL: the base URL's path (the stage) and each segment percent-encoded once. A '.' or '..' segment
 * would be resolved away by any URL parser, so such an id cannot be addressed and is refused here.
 */
export function urlOf(baseUrl: URL, path: readonly string[], query: Call<undefined>['query'] = {}): URL {
  for (const segment of path) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw new TypeError(`cannot address ${JSON.stringify(segment)} in a URL path`);
    }
  }
  const url = new URL(baseUrl);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${path.map(encodeURIComponent).join('/')}`;
  url.search = '';
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined) url.searchParams.set(name, String(value));
  }
  return url;
}

/** Sends one operation, retrying throttles and (for idempotent methods) faults, and reads its answer. */
export async function send<Schema extends z.ZodType | undefined>(
  transport: Transport,
  call: Call<Schema>,
): Promise<Answer<Schema extends z.ZodType ? z.output<Schema> : undefined>> {
  const url = urlOf(transport.baseUrl, call.path, call.query);
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const { retry } = transport;
  for (let attempt = 1; ; attempt += 1) {
    const last = attempt >= retry.attempts;
    let response: Response;
    try {
      response = await attemptOnce(transport, call, url, body);
    } catch (error) {
      if (last || !isRetryableNetworkFailure(call.method)) throw new SkedNetworkError(call.operation, error);
      await retry.sleep(backoffMs(retry, attempt));
      continue;
    }
    if (call.expect.includes(response.status)) return readAnswer(call, response);
    const waitMs = retryAfterMs(response.headers.get('retry-after'), retry.now());
    const error = await errorOf(call.operation, response, waitMs);
    const waitAllowed = waitMs === undefined || waitMs <= retry.maxMs;
    if (last || !waitAllowed || !isRetryableStatus(call.method, response.status)) throw error;
    await retry.sleep(waitMs ?? backoffMs(retry, attempt));
  }
}

async function attemptOnce(transport: Transport, call: Call<z.ZodType | undefined>, url: URL, body?: string) {
  const headers: Record<string, string> = {
    accept: `${JSON_CONTENT_TYPE}, application/problem+json`,
    'user-agent': transport.userAgent,
    ...(body !== undefined && { 'content-type': call.contentType ?? JSON_CONTENT_TYPE }),
  };
  for (const [name, value] of Object.entries(call.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  const signed = await transport.authenticate({
    method: call.method,
    url,
    headers,
    ...(body !== undefined && { body }),
  });
  return transport.fetch(url, { method: call.method, headers: signed, ...(body !== undefined && { body }) });
}

async function readAnswer<Schema extends z.ZodType | undefined>(
  call: Call<Schema>,
  response: Response,
): Promise<Answer<Schema extends z.ZodType ? z.output<Schema> : undefined>> {
  type Body = Schema extends z.ZodType ? z.output<Schema> : undefined;
  const text = await readText(call.operation, response);
  if (call.schema === undefined) return { status: response.status, body: undefined as Body, headers: response.headers };
  const json = parseJson(text);
  if (json === undefined) {
    throw new SkedUnexpectedResponseError(call.operation, response.status, 'the body is not JSON');
  }
  const parsed = call.schema.safeParse(json.value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(body)'}: ${issue.message}`);
    throw new SkedUnexpectedResponseError(
      call.operation,
      response.status,
      `the body does not match the schema [${fields.join('; ')}]`,
    );
  }
  return { status: response.status, body: parsed.data as Body, headers: response.headers };
}

async function readText(operation: string, response: Response): Promise<string> {
  try {
    return await response.text();
  } catch (error) {
    throw new SkedNetworkError(operation, error);
  }
}

function parseJson(text: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(text) as unknown };
  } catch {
    return undefined;
  }
}

/** A refusal as a typed error: the problem document, API Gateway's `{message}`, or whatever text came. */
async function errorOf(operation: string, response: Response, waitMs: number | undefined): Promise<SkedApiError> {
  const text = await readText(operation, response);
  const json = parseJson(text)?.value;
  const requestId = response.headers.get('x-amzn-requestid') ?? undefined;
  const base = { operation, status: response.status, ...(requestId !== undefined && { requestId }) };
  const problem = problemSchema.safeParse(json);
  const gateway = gatewayErrorSchema.safeParse(json);
  const details: SkedApiErrorDetails = problem.success
    ? {
        ...base,
        type: problem.data.type,
        title: problem.data.title,
        detail: problem.data.detail,
        ...(problem.data.instance !== undefined && { instance: problem.data.instance }),
        issues: problem.data.errors ?? [],
      }
    : {
        ...base,
        type: 'about:blank',
        // The reason phrase of the status, not the answer's: HTTP/2 sends none.
        title: STATUS_CODES[response.status] ?? `HTTP ${response.status}`,
        detail: gateway.success ? gateway.data.message : text.slice(0, 500),
        ...(gateway.success && { gatewayMessage: gateway.data.message }),
      };
  return typedError(details, response, waitMs);
}

function typedError(details: SkedApiErrorDetails, response: Response, waitMs: number | undefined): SkedApiError {
  const { status } = details;
  if (status === 400) return new SkedValidationError(details);
  if (status === 401 || status === 403) return new SkedAuthError(details);
  if (status === 404) return new SkedNotFoundError(details);
  if (status === 409) return new SkedConflictError(details);
  if (status === 412) {
    const currentEtag = response.headers.get('etag') ?? undefined;
    return new SkedPreconditionFailedError({ ...details, ...(currentEtag !== undefined && { currentEtag }) });
  }
  if (status === 429)
    return new SkedThrottledError({ ...details, ...(waitMs !== undefined && { retryAfterMs: waitMs }) });
  if (status >= 500) return new SkedServerError(details);
  return new SkedApiError(details);
}
