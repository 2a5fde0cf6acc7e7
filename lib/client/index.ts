import * as z from 'zod';
import {
  deadLetterListSchema,
  jobDetailSchema,
  jobPageSchema,
  purgeResponseSchema,
  redriveResponseSchema,
  previewResponseSchema,
  runNowResponseSchema,
  runPageSchema,
  taskListSchema,
  type deadLetterListQuerySchema,
  type jobListQuerySchema,
  type MUTABLE_JOB_FIELDS,
  type previewBodySchema,
  type purgeBodySchema,
  type redriveBodySchema,
  type runListQuerySchema,
  type runNowBodySchema,
} from '../schemas/api';
import { jobSchema, type jobInputSchema } from '../schemas/job';
import { runSchema } from '../schemas/run';
import { authenticator, type SkedAuth } from './auth';
import { retryPolicyOf, type RetryOptions } from './retry';
import { MERGE_PATCH_CONTENT_TYPE, send, type FetchLike, type Transport } from './transport';

export type { AwsCredentials, AwsCredentialsProvider, SkedAuth } from './auth';
export type { RetryOptions } from './retry';
export type { FetchLike } from './transport';
export * from './errors';

// ---------------------------------------------------------------------------------------------------------------
// Types, all from the API's zod schemas: request bodies as a client sends them (z.input, defaults optional),
// responses as the API sends them (z.output).

export type JobInput = z.input<typeof jobInputSchema>;
export type Job = z.output<typeof jobSchema>;
export type JobDetail = z.output<typeof jobDetailSchema>;
export type JobPage = z.output<typeof jobPageSchema>;
export type Run = z.output<typeof runSchema>;
export type RunPage = z.output<typeof runPageSchema>;
export type RunNowResponse = z.output<typeof runNowResponseSchema>;
export type PreviewRequest = z.input<typeof previewBodySchema>;
export type PreviewResponse = z.output<typeof previewResponseSchema>;
export type TaskList = z.output<typeof taskListSchema>;
/** Query parameters are strings on the wire; these are their parsed forms, each optional. */
export type ListJobsQuery = Partial<z.output<typeof jobListQuerySchema>>;
export type ListRunsQuery = Partial<z.output<typeof runListQuerySchema>>;
export type RunNowPayload = NonNullable<z.input<typeof runNowBodySchema>['payload']>;
export type DeadLetterList = z.output<typeof deadLetterListSchema>;
export type DeadLetter = DeadLetterList['items'][number];
export type ListDeadLettersQuery = Partial<z.output<typeof deadLetterListQuerySchema>>;
export type RedriveRequest = z.input<typeof redriveBodySchema>;
export type RedriveResult = z.output<typeof redriveResponseSchema>;
/** DELETE /dlq: the messages named, looked for in `queue` (both DLQs by default), or every message of `queue`. */
export type PurgeRequest =
  | { readonly messageIds: readonly string[]; readonly queue?: NonNullable<z.input<typeof purgeBodySchema>['queue']> }
  | { readonly all: true; readonly queue: NonNullable<z.input<typeof purgeBodySchema>['queue']> };
export type PurgeResult = z.output<typeof purgeResponseSchema>;

/**
 * A JSON merge patch (RFC 7396) of a value: members are optional, `null` removes one, nested objects are patches
 * in turn; arrays and scalars are replaced whole.
 */
export type MergePatch<T> = T extends readonly unknown[]
  ? T
  : T extends object
    ? { [K in keyof T]?: MergePatch<Exclude<T[K], undefined>> | null }
    : T;
export type MutableJobField = (typeof MUTABLE_JOB_FIELDS)[number];
/** PATCH /jobs/{id}: the mutable fields of a job as submitted, as a merge patch. */
export type JobPatch = MergePatch<Pick<JobInput, MutableJobField>>;

/** A job as a write answered it, with its ETag to send back as `ifMatch`. */
export interface JobWithEtag<J = Job> {
  readonly job: J;
  /** undefined only when the answer carried none (the API always sends one; a proxy may drop it). */
  readonly etag: string | undefined;
}
export interface WrittenJob extends JobWithEtag {
  /** True when the write created the job (201), false when it replaced one (200). */
  readonly created: boolean;
}

/** For PUT, PATCH and DELETE: `force: true` changes or deletes a job declared in code all the same (?force=true). */
export interface ForceOption {
  readonly force?: boolean | undefined;
}

const forceQuery = (options: ForceOption): Record<string, string> | undefined =>
  options.force === true ? { force: 'true' } : undefined;

export interface IfMatchOption {
  /** The ETag the change is based on; the API refuses with 412 (SkedPreconditionFailedError) when it is stale. */
  readonly ifMatch?: string | undefined;
}

export interface SkedClientOptions {
  /** The API's URL with its stage, e.g. `https://<id>.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly baseUrl: string | URL;
  /** @default { kind: 'iam' }: SigV4 with the standard AWS credential chain */
  readonly auth?: SkedAuth;
  /** SigV4 region. @default the region an execute-api host names, else AWS_REGION */
  readonly region?: string;
  /** @default globalThis.fetch */
  readonly fetch?: FetchLike;
  /** @default 'sked-client' */
  readonly userAgent?: string;
  /** @default { attempts: 4, baseMs: 200, maxMs: 10_000 } */
  readonly retry?: RetryOptions;
}

const openApiDocumentSchema = z.looseObject({ openapi: z.string(), paths: z.record(z.string(), z.unknown()) });
export type OpenApiDocument = z.output<typeof openApiDocumentSchema>;

const etagOf = (headers: Headers): string | undefined => headers.get('etag') ?? undefined;

/**
 * A typed client of the Jobs API. Every response is parsed with the API's schemas (a mismatch is a
 * SkedUnexpectedResponseError naming the operation); every refusal is a SkedApiError subclass; throttling (429,
 * 503) is retried with backoff, other faults only for idempotent methods.
 */
export function createSkedClient(options: SkedClientOptions) {
  const baseUrl = new URL(options.baseUrl);
  const transport: Transport = {
    baseUrl,
    fetch: options.fetch ?? ((input, init) => fetch(input, init)),
    authenticate: authenticator(options.auth ?? { kind: 'iam' }, baseUrl, options.region),
    retry: retryPolicyOf(options.retry),
    userAgent: options.userAgent ?? 'sked-client',
  };

  const jobWrite = async (
    operation: string,
    method: 'POST' | 'PUT' | 'PATCH',
    path: string[],
    extra: { body?: unknown; contentType?: string; ifMatch?: string | undefined; query?: Record<string, string> },
  ): Promise<WrittenJob> => {
    const answer = await send(transport, {
      operation,
      method,
      path,
      ...(extra.query !== undefined && { query: extra.query }),
      headers: { 'if-match': extra.ifMatch },
      ...(extra.body !== undefined && { body: extra.body }),
      ...(extra.contentType !== undefined && { contentType: extra.contentType }),
      expect: [200, 201],
      schema: jobSchema,
    });
    return { job: answer.body, etag: etagOf(answer.headers), created: answer.status === 201 };
  };
  const withoutCreated = ({ job, etag }: WrittenJob): JobWithEtag => ({ job, etag });

  const client = {
    /** GET /jobs: one page; pass `nextCursor` back as `cursor` for the next. */
    async listJobs(query: ListJobsQuery = {}): Promise<JobPage> {
      const answer = await send(transport, {
        operation: 'listJobs',
        method: 'GET',
        path: ['jobs'],
        query,
        expect: [200],
        schema: jobPageSchema,
      });
      return answer.body;
    },

    /** Every job matching the query, page after page. */
    async *iterateJobs(query: Omit<ListJobsQuery, 'cursor'> = {}): AsyncGenerator<Job, void, undefined> {
      let cursor: string | undefined;
      do {
        const page = await client.listJobs({ ...query, ...(cursor !== undefined && { cursor }) });
        yield* page.items;
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    },

    /** GET /jobs/{id}: the job with its next fire times and last run. */
    async getJob(id: string): Promise<JobWithEtag<JobDetail>> {
      const answer = await send(transport, {
        operation: 'getJob',
        method: 'GET',
        path: ['jobs', id],
        expect: [200],
        schema: jobDetailSchema,
      });
      return { job: answer.body, etag: etagOf(answer.headers) };
    },

    /** POST /jobs; `onConflict: 'replace'` replaces a job of the same id instead of a 409. */
    createJob(body: JobInput, options: { readonly onConflict?: 'fail' | 'replace' } = {}): Promise<WrittenJob> {
      const query = options.onConflict !== undefined ? { onConflict: options.onConflict } : undefined;
      return jobWrite('createJob', 'POST', ['jobs'], { body, ...(query !== undefined && { query }) });
    },

    /** PUT /jobs/{id}: creates (created: true) or replaces the job. */
    putJob(id: string, body: JobInput, options: IfMatchOption & ForceOption = {}): Promise<WrittenJob> {
      const query = forceQuery(options);
      return jobWrite('putJob', 'PUT', ['jobs', id], { body, ifMatch: options.ifMatch, ...(query && { query }) });
    },

    /** PATCH /jobs/{id} with a JSON merge patch, sent as application/merge-patch+json. */
    async patchJob(id: string, patch: JobPatch, options: IfMatchOption & ForceOption = {}): Promise<JobWithEtag> {
      const query = forceQuery(options);
      const written = await jobWrite('patchJob', 'PATCH', ['jobs', id], {
        body: patch,
        contentType: MERGE_PATCH_CONTENT_TYPE,
        ifMatch: options.ifMatch,
        ...(query && { query }),
      });
      return withoutCreated(written);
    },

    /** DELETE /jobs/{id} and its schedule. */
    async deleteJob(id: string, options: IfMatchOption & ForceOption = {}): Promise<void> {
      const query = forceQuery(options);
      await send(transport, {
        operation: 'deleteJob',
        method: 'DELETE',
        path: ['jobs', id],
        ...(query && { query }),
        headers: { 'if-match': options.ifMatch },
        expect: [204],
        schema: undefined,
      });
    },

    /** POST /jobs/{id}/pause: disables the schedule; `reason` is kept on the job. */
    async pauseJob(id: string, options: IfMatchOption & { readonly reason?: string } = {}): Promise<JobWithEtag> {
      const body = options.reason !== undefined ? { reason: options.reason } : undefined;
      const written = await jobWrite('pauseJob', 'POST', ['jobs', id, 'pause'], {
        ...(body !== undefined && { body }),
        ifMatch: options.ifMatch,
      });
      return withoutCreated(written);
    },

    /** POST /jobs/{id}/resume. */
    async resumeJob(id: string, options: IfMatchOption = {}): Promise<JobWithEtag> {
      const written = await jobWrite('resumeJob', 'POST', ['jobs', id, 'resume'], { ifMatch: options.ifMatch });
      return withoutCreated(written);
    },

    /** POST /jobs/{id}/run: queues a run now (with this payload instead of the job's, for a task job). */
    async runJob(id: string, options: { readonly payload?: RunNowPayload } = {}): Promise<RunNowResponse> {
      const answer = await send(transport, {
        operation: 'runJob',
        method: 'POST',
        path: ['jobs', id, 'run'],
        ...(options.payload !== undefined && { body: { payload: options.payload } }),
        expect: [202],
        schema: runNowResponseSchema,
      });
      return answer.body;
    },

    /** GET /jobs/{id}/runs: one page of the job's runs, newest first. */
    async listRuns(id: string, query: ListRunsQuery = {}): Promise<RunPage> {
      const answer = await send(transport, {
        operation: 'listRuns',
        method: 'GET',
        path: ['jobs', id, 'runs'],
        query,
        expect: [200],
        schema: runPageSchema,
      });
      return answer.body;
    },

    /** Every run of the job matching the query, newest first, page after page. */
    async *iterateRuns(id: string, query: Omit<ListRunsQuery, 'cursor'> = {}): AsyncGenerator<Run, void, undefined> {
      let cursor: string | undefined;
      do {
        const page = await client.listRuns(id, { ...query, ...(cursor !== undefined && { cursor }) });
        yield* page.items;
        cursor = page.nextCursor;
      } while (cursor !== undefined);
    },

    /** GET /jobs/{id}/runs/{runId}. */
    async getRun(id: string, runId: string): Promise<Run> {
      const answer = await send(transport, {
        operation: 'getRun',
        method: 'GET',
        path: ['jobs', id, 'runs', runId],
        expect: [200],
        schema: runSchema,
      });
      return answer.body;
    },

    /** POST /triggers/preview: a trigger's Scheduler expression and next fire times; nothing is stored. */
    async previewTrigger(body: PreviewRequest): Promise<PreviewResponse> {
      const answer = await send(transport, {
        operation: 'previewTrigger',
        method: 'POST',
        path: ['triggers', 'preview'],
        body,
        expect: [200],
        schema: previewResponseSchema,
      });
      return answer.body;
    },

    /** GET /tasks: the registered tasks with their payload JSON Schemas. */
    async listTasks(): Promise<TaskList> {
      const answer = await send(transport, {
        operation: 'listTasks',
        method: 'GET',
        path: ['tasks'],
        expect: [200],
        schema: taskListSchema,
      });
      return answer.body;
    },

    /** GET /dlq: what the jobs DLQ and the delivery DLQ hold, each message with its standing; nothing is consumed. */
    async listDeadLetters(query: ListDeadLettersQuery = {}): Promise<DeadLetterList> {
      const answer = await send(transport, {
        operation: 'listDeadLetters',
        method: 'GET',
        path: ['dlq'],
        query,
        expect: [200],
        schema: deadLetterListSchema,
      });
      return answer.body;
    },

    /**
     * POST /dlq/redrive: moves the matching messages back to the jobs queue (stale ones are skipped unless
     * `includeStale`); one call works for up to 20 s, so call again while `remaining` is above 0, or use
     * redriveAllDeadLetters.
     */
    async redriveDeadLetters(request: RedriveRequest = {}): Promise<RedriveResult> {
      const answer = await send(transport, {
        operation: 'redriveDeadLetters',
        method: 'POST',
        path: ['dlq', 'redrive'],
        body: request,
        expect: [200],
        schema: redriveResponseSchema,
      });
      return answer.body;
    },

    /** POST /dlq/redrive until nothing is left (at most `maxCalls` calls); the results of every call, merged. */
    async redriveAllDeadLetters(request: RedriveRequest = {}, options: { readonly maxCalls?: number } = {}) {
      const merged: RedriveResult = { moved: [], skippedStale: [], failed: [], remaining: 0 };
      const maxCalls = options.maxCalls ?? 50;
      for (let call = 1; call <= maxCalls; call += 1) {
        const result = await client.redriveDeadLetters(request);
        merged.moved.push(...result.moved);
        merged.failed.push(...result.failed);
        // A later call sees the stale messages an earlier one left again.
        const skipped = new Set(merged.skippedStale.map((ref) => ref.messageId));
        merged.skippedStale.push(...result.skippedStale.filter((ref) => !skipped.has(ref.messageId)));
        merged.remaining = result.remaining;
        if (result.notFound !== undefined) merged.notFound = result.notFound;
        if (result.remaining === 0 || (result.moved.length === 0 && result.failed.length === 0)) break;
      }
      return merged;
    },

    /** DELETE /dlq: deletes the named messages, or every message of a queue (`{ all: true, queue }`). */
    async purgeDeadLetters(request: PurgeRequest): Promise<PurgeResult> {
      const answer = await send(transport, {
        operation: 'purgeDeadLetters',
        method: 'DELETE',
        path: ['dlq'],
        body: request,
        expect: [200],
        schema: purgeResponseSchema,
      });
      return answer.body;
    },

    /** GET /openapi.json: the API's OpenAPI 3.1 document. */
    async getOpenApiDocument(): Promise<OpenApiDocument> {
      const answer = await send(transport, {
        operation: 'getOpenApiDocument',
        method: 'GET',
        path: ['openapi.json'],
        expect: [200],
        schema: openApiDocumentSchema,
      });
      return answer.body;
    },
  };
  return client;
}

export type SkedClient = ReturnType<typeof createSkedClient>;
