import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { etagOf } from '../domain/job';
import { createJobQuerySchema, jobWriteQuerySchema } from '../schemas/api';
import type { Job } from '../schemas/job';
import {
  createJob,
  deleteJob,
  getJob,
  getRun,
  listJobs,
  listRuns,
  listTasks,
  patchJob,
  pauseJob,
  previewTrigger,
  putJob,
  resumeJob,
  runNow,
  type IfMatch,
  type JobsDeps,
} from '../use-cases/jobs';
import { parseWith } from '../use-cases/jobs/validate';
import { listDeadLetters, purgeDeadLetters, redriveDeadLetters, type DeadLetterDeps } from '../use-cases/dlq';
import { problemDetails } from '../http/problem-middleware';
import { callerOf, ifMatchOf, jsonBodyOf, optionalObjectBodyOf, queryOf } from '../http/request';
import { RouteNotFoundError } from '../http/http-errors';
import { Router, type RouteRequest } from '../http/router';

const JSON_HEADERS = { 'Content-Type': 'application/json' };

function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): APIGatewayProxyResult {
  return { statusCode, headers: { ...JSON_HEADERS, ...headers }, body: JSON.stringify(body) };
}

const jobResponse = (statusCode: number, job: Job, body: unknown = job, extra: Record<string, string> = {}) =>
  json(statusCode, body, { ETag: etagOf(job), ...extra });

const locationOf = (id: string) => `/jobs/${encodeURIComponent(id)}`;

const param = (request: RouteRequest, name: string): string => request.params[name] ?? '';

/** What every write to one job carries: its id, who asks, and the If-Match entity tags when the header is sent. */
function jobWriteOf(request: RouteRequest): { id: string; caller: string; ifMatch?: IfMatch } {
  const ifMatch = ifMatchOf(request.event);
  return { id: param(request, 'id'), caller: callerOf(request.event), ...(ifMatch !== undefined && { ifMatch }) };
}

/** A PUT, PATCH or DELETE: the write, and whether it is forced over a job declared in code (`?force=true`). */
function definitionWriteOf(request: RouteRequest): { id: string; caller: string; ifMatch?: IfMatch; force: boolean } {
  const { force } = parseWith(jobWriteQuerySchema, queryOf(request.event), 'query');
  return { ...jobWriteOf(request), force: force === 'true' };
}

export interface ApiOptions {
  /** The OpenAPI document served at GET /openapi.json. */
  readonly openApiDocument: () => unknown;
  /** The DLQ operations' dependencies; without them (a router built for jobs alone) `/dlq` answers 404. */
  readonly deadLetters?: DeadLetterDeps;
}

/** The routes of the Jobs API: each parses the request, calls one use case and maps its result. */
export function makeApiRouter(deps: JobsDeps, options: ApiOptions): Router {
  const deadLetters = (request: RouteRequest): DeadLetterDeps => {
    if (options.deadLetters === undefined) throw new RouteNotFoundError(request.event.path);
    return options.deadLetters;
  };
  return new Router()
    .on('GET', '/openapi.json', () => Promise.resolve(json(200, options.openApiDocument())))
    .on('GET', '/jobs', async ({ event }) => json(200, await listJobs(deps, queryOf(event))))
    .on('POST', '/jobs', async ({ event }) => {
      const { onConflict, force } = parseWith(createJobQuerySchema, queryOf(event), 'query');
      const body = jsonBodyOf(event);
      const { job, created } = await createJob(deps, {
        body,
        onConflict,
        caller: callerOf(event),
        force: force === 'true',
      });
      return created ? jobResponse(201, job, job, { Location: locationOf(job.id) }) : jobResponse(200, job);
    })
    .on('GET', '/jobs/{id}', async (request) => {
      const detail = await getJob(deps, param(request, 'id'));
      return jobResponse(200, detail);
    })
    .on('PUT', '/jobs/{id}', async (request) => {
      const target = definitionWriteOf(request);
      const { job, created } = await putJob(deps, { ...target, body: jsonBodyOf(request.event) });
      return created ? jobResponse(201, job, job, { Location: locationOf(job.id) }) : jobResponse(200, job);
    })
    .on('PATCH', '/jobs/{id}', async (request) => {
      const target = definitionWriteOf(request);
      const job = await patchJob(deps, { ...target, patch: jsonBodyOf(request.event) });
      return jobResponse(200, job);
    })
    .on('DELETE', '/jobs/{id}', async (request) => {
      await deleteJob(deps, definitionWriteOf(request));
      return { statusCode: 204, headers: {}, body: '' };
    })
    .on('POST', '/jobs/{id}/pause', async (request) => {
      const target = jobWriteOf(request);
      const job = await pauseJob(deps, { ...target, body: optionalObjectBodyOf(request.event) });
      return jobResponse(200, job);
    })
    .on('POST', '/jobs/{id}/resume', async (request) => {
      const job = await resumeJob(deps, jobWriteOf(request));
      return jobResponse(200, job);
    })
    .on('POST', '/jobs/{id}/run', async (request) => {
      const { event } = request;
      const body = optionalObjectBodyOf(event);
      const result = await runNow(deps, { id: param(request, 'id'), body, caller: callerOf(event) });
      return json(202, result, { Location: `${locationOf(param(request, 'id'))}/runs/${result.runId}` });
    })
    .on('GET', '/jobs/{id}/runs', async (request) =>
      json(200, await listRuns(deps, param(request, 'id'), queryOf(request.event))),
    )
    .on('GET', '/jobs/{id}/runs/{runId}', async (request) =>
      json(200, await getRun(deps, param(request, 'id'), param(request, 'runId'))),
    )
    .on('POST', '/triggers/preview', ({ event }) => Promise.resolve(json(200, previewTrigger(deps, jsonBodyOf(event)))))
    .on('GET', '/tasks', () => Promise.resolve(json(200, listTasks(deps))))
    .on('GET', '/dlq', async (request) =>
      json(200, await listDeadLetters(deadLetters(request), queryOf(request.event))),
    )
    .on('POST', '/dlq/redrive', async (request) =>
      json(200, await redriveDeadLetters(deadLetters(request), optionalObjectBodyOf(request.event))),
    )
    .on('DELETE', '/dlq', async (request) => {
      const { event } = request;
      const purge = { body: optionalObjectBodyOf(event), query: queryOf(event) };
      return json(200, await purgeDeadLetters(deadLetters(request), purge));
    });
}

export interface ApiHandlerOptions extends ApiOptions {
  readonly deps: JobsDeps;
  readonly logger: Logger;
}

export type ApiHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;

/** The API Lambda's handler: router, Lambda context in every log line, errors as RFC 9457 problems. */
export function makeApiHandler(options: ApiHandlerOptions): ApiHandler {
  const router = makeApiRouter(options.deps, options);
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context>()
    .use(injectLambdaContext(options.logger))
    .use(problemDetails(options.logger))
    .handler((event) => router.handle(event));
}
