import type * as z from 'zod';
import type { fieldIssueSchema } from '../schemas/api';

export type FieldIssue = z.infer<typeof fieldIssueSchema>;

/** What kind of refusal an error is, for a `switch` instead of a chain of `instanceof`. */
export type SkedApiErrorKind =
  'validation' | 'not-found' | 'conflict' | 'precondition-failed' | 'throttled' | 'auth' | 'server' | 'request';

export interface SkedApiErrorDetails {
  /** The client method that failed, e.g. `patchJob`. */
  readonly operation: string;
  readonly status: number;
  /** The problem type (urn:sked:problem:<slug>), or `about:blank` for an answer that was not a problem document. */
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly instance?: string;
  /** API Gateway's request id (x-amzn-RequestId), to look the request up in the access logs. */
  readonly requestId?: string;
  /** Every invalid field, with its dotted path; empty when the problem names none. */
  readonly issues?: readonly FieldIssue[];
  /** API Gateway's own `message`, when it answered before the API ran (a refused signature, throttling). */
  readonly gatewayMessage?: string;
}

function messageOf(details: SkedApiErrorDetails): string {
  const head = `${details.operation} failed: ${details.status} ${details.title}`;
  const detail = details.detail !== '' && details.detail !== details.title ? `: ${details.detail}` : '';
  const issues = details.issues ?? [];
  const fields = issues.length > 0 ? ` [${issues.map((issue) => `${issue.path}: ${issue.message}`).join('; ')}]` : '';
  const request = details.requestId !== undefined ? ` (request ${details.requestId})` : '';
  return `${head}${detail}${fields}${request}`;
}

/** An answer of the Jobs API (or of API Gateway in front of it) that refused the request. */
export class SkedApiError extends Error {
  override readonly name: string = 'SkedApiError';
  readonly kind: SkedApiErrorKind = 'request';
  readonly operation: string;
  readonly status: number;
  readonly type: string;
  readonly title: string;
  readonly detail: string;
  readonly instance: string | undefined;
  readonly requestId: string | undefined;
  readonly issues: readonly FieldIssue[];
  readonly gatewayMessage: string | undefined;

  constructor(details: SkedApiErrorDetails) {
    super(messageOf(details));
    this.operation = details.operation;
    this.status = details.status;
    this.type = details.type;
    this.title = details.title;
    this.detail = details.detail;
    this.instance = details.instance;
    this.requestId = details.requestId;
    this.issues = details.issues ?? [];
    this.gatewayMessage = details.gatewayMessage;
  }
}

/** 400: `issues` lists each invalid field with its path ('trigger.expression', 'query.limit', 'body'). */
export class SkedValidationError extends SkedApiError {
  override readonly name = 'SkedValidationError';
  override readonly kind = 'validation';
}

/** 404: no such job or run (or no such route). */
export class SkedNotFoundError extends SkedApiError {
  override readonly name = 'SkedNotFoundError';
  override readonly kind = 'not-found';
}

/** 409: a job with the id exists, or the job's state does not allow the change (a completed job). */
export class SkedConflictError extends SkedApiError {
  override readonly name = 'SkedConflictError';
  override readonly kind = 'conflict';
}

/** 412: If-Match named a version that is no longer current; read the job again for its ETag. */
export class SkedPreconditionFailedError extends SkedApiError {
  override readonly name = 'SkedPreconditionFailedError';
  override readonly kind = 'precondition-failed';
  /** The job's current ETag, when the answer carried one. */
  readonly currentEtag: string | undefined;

  constructor(details: SkedApiErrorDetails & { readonly currentEtag?: string }) {
    super(details);
    this.currentEtag = details.currentEtag;
  }
}

/** 429: throttled by API Gateway's stage limits, still so after the client's retries. */
export class SkedThrottledError extends SkedApiError {
  override readonly name = 'SkedThrottledError';
  override readonly kind = 'throttled';
  /** How long the answer's Retry-After asked to wait, when it carried one. */
  readonly retryAfterMs: number | undefined;

  constructor(details: SkedApiErrorDetails & { readonly retryAfterMs?: number }) {
    super(details);
    this.retryAfterMs = details.retryAfterMs;
  }
}

/** 401 or 403: no credentials, or credentials or a token API Gateway does not accept; see `gatewayMessage`. */
export class SkedAuthError extends SkedApiError {
  override readonly name = 'SkedAuthError';
  override readonly kind = 'auth';
}

/** 5xx: a fault on the API's side (or EventBridge Scheduler's, 502); `detail` quotes the request id. */
export class SkedServerError extends SkedApiError {
  override readonly name = 'SkedServerError';
  override readonly kind = 'server';
}

/** The request never got an answer: DNS, a refused or reset connection, an abort. */
export class SkedNetworkError extends Error {
  override readonly name = 'SkedNetworkError';
  constructor(
    readonly operation: string,
    cause: unknown,
  ) {
    super(
      `${operation} failed: no answer from the Jobs API: ${cause instanceof Error ? cause.message : String(cause)}`,
      {
        cause,
      },
    );
  }
}

/** An answer the client cannot read as the operation's response: a status or body the API does not send. */
export class SkedUnexpectedResponseError extends Error {
  override readonly name = 'SkedUnexpectedResponseError';
  constructor(
    readonly operation: string,
    readonly status: number,
    readonly reason: string,
  ) {
    super(`${operation}: unexpected response (${status}): ${reason}`);
  }
}
