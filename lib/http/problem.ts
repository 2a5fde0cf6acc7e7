import type { APIGatewayProxyResult } from 'aws-lambda';
import {
  JobConflictError,
  JobNotFoundError,
  RunNotFoundError,
  StaleVersionError,
  UnsafeUrlError,
  ValidationError,
} from '../domain/errors';
import type { Problem } from '../schemas/api';
import {
  JobManagedError,
  JobStateConflictError,
  PayloadTooLargeError,
  ScheduleWriteError,
} from '../use-cases/jobs/errors';
import {
  BodyTooLargeError,
  MalformedJsonError,
  MethodNotAllowedError,
  RouteNotFoundError,
  UnsupportedMediaTypeError,
} from './http-errors';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/**
 * The problem types the API answers with: `type` is `urn:sked:problem:<slug>`, stable across releases, so clients
 * can branch on it; `title` is the same for every occurrence of a type.
 */
export const PROBLEM_TYPES = {
  validation: { status: 400, title: 'The request is invalid' },
  'malformed-json': { status: 400, title: 'The request body is not JSON' },
  'job-not-found': { status: 404, title: 'No such job' },
  'run-not-found': { status: 404, title: 'No such run' },
  'not-found': { status: 404, title: 'No such resource' },
  'method-not-allowed': { status: 405, title: 'Method not allowed' },
  'job-exists': { status: 409, title: 'A job with this id exists' },
  'job-state': { status: 409, title: "The job's state does not allow this" },
  'managed-job': { status: 409, title: 'The job is declared in code' },
  'precondition-failed': { status: 412, title: 'The job changed since it was read' },
  'body-too-large': { status: 413, title: 'The request body is too large' },
  'payload-too-large': { status: 413, title: 'A payload is too large' },
  'unsupported-media-type': { status: 415, title: 'Unsupported content type' },
  'schedule-write-failed': { status: 502, title: 'EventBridge Scheduler could not be updated' },
  internal: { status: 500, title: 'Internal error' },
} as const;
export type ProblemSlug = keyof typeof PROBLEM_TYPES;

export const problemType = (slug: ProblemSlug): string => `urn:sked:problem:${slug}`;

export interface MappedProblem {
  readonly problem: Problem;
  readonly headers?: Record<string, string>;
  /** True when the fault is ours (5xx): logged with its stack, shown to the client without it. */
  readonly serverFault: boolean;
}

function make(slug: ProblemSlug, detail: string, errors?: readonly { path: string; message: string }[]): Problem {
  const { status, title } = PROBLEM_TYPES[slug];
  return { type: problemType(slug), title, status, detail, ...(errors !== undefined && { errors: [...errors] }) };
}

/** Maps any error to the problem a client sees; unknown errors become a 500 with no internals in it. */
export function problemFor(error: unknown, requestId: string): MappedProblem {
  const clientFault = (problem: Problem, headers?: Record<string, string>): MappedProblem => ({
    problem,
    serverFault: false,
    ...(headers !== undefined && { headers }),
  });
  if (error instanceof ValidationError) {
    return clientFault(make('validation', `${error.issues.length} invalid field(s): ${error.message}`, error.issues));
  }
  if (error instanceof UnsafeUrlError) {
    return clientFault(make('validation', error.message, [{ path: 'target.url', message: error.reason }]));
  }
  if (error instanceof MalformedJsonError) {
    return clientFault(make('malformed-json', error.message, [{ path: 'body', message: error.message }]));
  }
  if (error instanceof BodyTooLargeError) {
    return clientFault(make('body-too-large', error.message, [{ path: 'body', message: error.message }]));
  }
  if (error instanceof PayloadTooLargeError) {
    return clientFault(make('payload-too-large', error.message, [{ path: error.path, message: error.message }]));
  }
  if (error instanceof UnsupportedMediaTypeError) {
    return clientFault(
      make('unsupported-media-type', error.message, [{ path: 'header.content-type', message: error.message }]),
    );
  }
  if (error instanceof JobNotFoundError) {
    return clientFault(make('job-not-found', error.message, [{ path: 'id', message: error.message }]));
  }
  if (error instanceof RunNotFoundError) {
    return clientFault(make('run-not-found', error.message, [{ path: 'runId', message: error.message }]));
  }
  if (error instanceof RouteNotFoundError) return clientFault(make('not-found', error.message));
  if (error instanceof MethodNotAllowedError) {
    return clientFault(make('method-not-allowed', error.message), { Allow: error.allowed.join(', ') });
  }
  if (error instanceof JobConflictError) {
    return clientFault(
      make('job-exists', `${error.message}; use PUT /jobs/${error.jobId} or ?onConflict=replace to replace it`, [
        { path: 'id', message: error.message },
      ]),
    );
  }
  if (error instanceof JobManagedError) {
    return clientFault(
      make('managed-job', error.message, [{ path: 'query.force', message: 'the job is declared in code' }]),
    );
  }
  if (error instanceof JobStateConflictError) {
    return clientFault(make('job-state', error.message, [{ path: 'state', message: error.message }]));
  }
  if (error instanceof StaleVersionError) {
    return clientFault(
      make('precondition-failed', `${error.message}; GET the job for its current ETag and retry`, [
        { path: 'header.If-Match', message: 'does not match the current ETag' },
      ]),
    );
  }
  if (error instanceof ScheduleWriteError) {
    return {
      problem: make('schedule-write-failed', `${error.message}; retry later (request ${requestId})`),
      serverFault: true,
    };
  }
  return { problem: make('internal', `an unexpected error occurred; quote request ${requestId}`), serverFault: true };
}

export function problemResponse(mapped: MappedProblem, instance?: string): APIGatewayProxyResult {
  const problem = instance === undefined ? mapped.problem : { ...mapped.problem, instance };
  return {
    statusCode: problem.status,
    headers: { 'Content-Type': PROBLEM_CONTENT_TYPE, ...mapped.headers },
    body: JSON.stringify(problem),
  };
}
