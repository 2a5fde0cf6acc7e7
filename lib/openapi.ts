import * as z from 'zod';
import {
  createJobQuerySchema,
  jobWriteQuerySchema,
  deadLetterListQuerySchema,
  deadLetterListSchema,
  gatewayErrorSchema,
  jobDetailSchema,
  jobIdSchema,
  jobListQuerySchema,
  jobPageSchema,
  jobPatchSchema,
  MAX_BODY_BYTES,
  pauseBodySchema,
  previewBodySchema,
  previewResponseSchema,
  problemSchema,
  purgeBodySchema,
  purgeQuerySchema,
  purgeResponseSchema,
  redriveBodySchema,
  redriveResponseSchema,
  runIdSchema,
  runListQuerySchema,
  runNowBodySchema,
  runNowResponseSchema,
  runPageSchema,
  taskListSchema,
} from './schemas/api';
import { jobInputSchema, jobSchema, MAX_PAYLOAD_BYTES, MAX_TOTAL_RETRY_DELAY_SECONDS } from './schemas/job';
import { runSchema } from './schemas/run';
import { MAX_INTERVAL_DAYS, triggerSchema } from './schemas/trigger';

type JsonSchema = Record<string, unknown>;
type Io = 'input' | 'output';

const REF = (id: string) => `#/components/schemas/${id}`;

/** Named component schemas. Request bodies are described as clients send them (defaults optional), responses as sent. */
const INPUT_COMPONENTS = {
  Trigger: triggerSchema,
  JobInput: jobInputSchema,
  JobPatch: jobPatchSchema,
  PauseRequest: pauseBodySchema,
  RunNowRequest: runNowBodySchema,
  PreviewRequest: previewBodySchema,
  RedriveRequest: redriveBodySchema,
  PurgeRequest: purgeBodySchema,
} as const;
const OUTPUT_COMPONENTS = {
  Problem: problemSchema,
  GatewayError: gatewayErrorSchema,
  Job: jobSchema,
  JobDetail: jobDetailSchema,
  JobPage: jobPageSchema,
  Run: runSchema,
  RunPage: runPageSchema,
  RunNowResponse: runNowResponseSchema,
  PreviewResponse: previewResponseSchema,
  TaskList: taskListSchema,
  DeadLetterList: deadLetterListSchema,
  RedriveResponse: redriveResponseSchema,
  PurgeResponse: purgeResponseSchema,
} as const;

/** Any JSON value: what z.json() (payloads, webhook bodies, run results) is, named once. */
const JSON_VALUE: JsonSchema = {
  anyOf: [
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
    { type: 'null' },
    { type: 'array', items: { $ref: REF('JsonValue') } },
    { type: 'object', propertyNames: { type: 'string' }, additionalProperties: { $ref: REF('JsonValue') } },
  ],
};
const SHARED = '__shared';

/** Deep copy with every `$ref` passed through `rewrite`. */
function rewriteRefs(value: unknown, rewrite: (ref: string) => string): unknown {
  if (Array.isArray(value)) return value.map((item) => rewriteRefs(item, rewrite));
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, item]) => [
      key,
      key === '$ref' && typeof item === 'string' ? rewrite(item) : rewriteRefs(item, rewrite),
    ]),
  );
}

/**
 * zod puts schemas used more than once (the recursive z.json()) in a `__shared` entry with `$defs`, referred to
 * by refs OpenAPI tools do not follow; each one is checked to be the JSON-value schema and referred to by name.
 */
function componentSchemas(components: Record<string, z.ZodType>, io: Io): Record<string, JsonSchema> {
  const registry = z.registry<{ id: string }>();
  for (const [id, schema] of Object.entries(components)) registry.add(schema, { id });
  const { schemas } = z.toJSONSchema(registry, { io, uri: REF, unrepresentable: 'any' });
  const sharedPrefix = `${REF(SHARED)}#/$defs/`;
  const toJsonValue = (target: string) => (target.startsWith(sharedPrefix) ? REF('JsonValue') : target);
  const { [SHARED]: shared, ...named } = schemas;
  const defs: unknown = shared?.$defs ?? {};
  for (const [name, def] of Object.entries(defs as Record<string, unknown>)) {
    if (JSON.stringify(rewriteRefs(def, toJsonValue)) !== JSON.stringify(JSON_VALUE)) {
      throw new Error(`shared schema ${name} is not a JSON value; register it as a component`);
    }
  }
  return Object.fromEntries(
    Object.entries(named).map(([id, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = rewriteRefs(schema, toJsonValue) as JsonSchema;
      return [id, rest];
    }),
  );
}

const ref = (id: keyof typeof INPUT_COMPONENTS | keyof typeof OUTPUT_COMPONENTS) => ({ $ref: REF(id) });

function inline(schema: z.ZodType, io: Io = 'input'): JsonSchema {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

/** Query, path or header parameters from a zod object's fields. */
function parameters(where: 'query' | 'path' | 'header', object: z.ZodObject): JsonSchema[] {
  return Object.entries(object.shape).map(([name, field]) => {
    const schema = field as z.ZodType;
    const json = inline(schema);
    return {
      name,
      in: where,
      required: where === 'path' || !schema.safeParse(undefined).success,
      ...(typeof json.description === 'string' && { description: json.description }),
      schema: json,
    };
  });
}

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: ref('Problem') } },
});
const json = (description: string, schema: JsonSchema, headers?: Record<string, string>) => ({
  description,
  ...(headers !== undefined && {
    headers: Object.fromEntries(
      Object.entries(headers).map(([name, text]) => [name, { description: text, schema: { type: 'string' } }]),
    ),
  }),
  content: { 'application/json': { schema } },
});
const ETAG = { ETag: 'Entity tag of this version; send it back as If-Match' };
const body = (schema: JsonSchema, required = true, types = ['application/json']) => ({
  required,
  content: Object.fromEntries(types.map((type) => [type, { schema }])),
});

const idParam = parameters('path', z.object({ id: jobIdSchema }));
const ifMatch = parameters(
  'header',
  z.object({
    'If-Match': z
      .string()
      .regex(/^\s*(\*|(W\/)?"[!#-~]*"(\s*,\s*(W\/)?"[!#-~]*")*)\s*$/)
      .optional()
      .describe('ETag of the version you read (quotes included), a list of them, or *; 412 when the job changed since'),
  }),
);
const invalid = problem('Invalid input: `errors` lists each field with its path');
const tooLarge = problem(`Body over ${MAX_BODY_BYTES} bytes, or a payload over ${MAX_PAYLOAD_BYTES} bytes`);
const notJson = problem('Content-Type is not JSON');
const noJob = problem("No such job (or no such route: an id holding a '/')");
const stale = problem('If-Match does not match the current ETag');
const schedulerDown = problem('EventBridge Scheduler could not be updated; the job was left as it was');
const bodyErrors = { 400: invalid, 413: tooLarge, 415: notJson };
const gateway = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('GatewayError') } },
});
/** What any operation can answer: API Gateway's refusals before the API runs, and an unexpected fault. */
const everyOperation = {
  403: gateway('API Gateway refused the request: no credentials, or credentials it does not accept'),
  429: gateway('API Gateway throttled the request (the stage rate or burst limit); retry with backoff'),
  500: problem('An unexpected fault; `detail` quotes the request id to look up in the logs'),
};
/** The operations' responses, each with the answers every operation can give. */
const responses = (own: Record<number, unknown>) => ({ ...own, ...everyOperation });

/** Rules across fields, which the schemas alone cannot state; a write breaking one answers 400 naming the field. */
const JOB_RULES =
  'Rules across fields, checked on the whole job (after merging, for PATCH); each broken rule is a 400 naming its ' +
  "field: `endAt` must be after `startAt` and in the future; a date trigger's `runAt` must be in the future; " +
  '`retry.maxSeconds` must be at least `retry.initialSeconds`, and the retry delays must add up to at most ' +
  `${MAX_TOTAL_RETRY_DELAY_SECONDS} s (see \`retry\`); an interval is at most ${MAX_INTERVAL_DAYS} days in all; the ` +
  'trigger must be one EventBridge Scheduler can run (see `trigger`): it fires on the minute, so a trigger that needs ' +
  'second precision (a second other than 0, an interval that is not whole minutes, a `runAt` with seconds) is ' +
  'refused; a task target names a registered task whose ' +
  'payload schema accepts `payload`; a webhook URL must not point at a private, loopback or metadata address.';

const DLQ_LISTING =
  "Receives the messages of the chosen DLQs with a short visibility timeout (a margin past the listing's 10 s " +
  'budget) and makes every one visible again before answering, so nothing is consumed or lost. Each item says why ' +
  'the message is there, the occurrence (job, run, scheduled time), the last error when known, and whether it is ' +
  'stale: a redrive would not run it, because the run ledger shows the run succeeded since, the failure was ' +
  "redriven already (the ledger's redrive count is past the copy's), the run has another outcome, the job is " +
  'deleted, or it is not a run envelope. `truncated` is true when more messages matched than `limit`, the budget ' +
  "ran out, or another receiver held messages; `queues` gives SQS's approximate counts.";

const DLQ_REDRIVE =
  'Sends each matching message to the jobs queue with the same body and message attributes, then deletes it from ' +
  'its DLQ: the worker reads the `sked-*` attributes, so a copy of a failure runs once, with a fresh attempt ' +
  "budget, and only while the ledger still says it failed at the copy's redrive count; a copy it finds stale is " +
  'acknowledged without running. Stale messages stay in the DLQ and are listed in `skippedStale` unless ' +
  '`includeStale`. Filters combine: `queue`, `jobId`, `errorCategory`, `messageIds`. Moves are paced to ' +
  '`maxPerSecond` and stop after a 20 s budget (API Gateway allows 29 s): call again while `remaining` is above ' +
  "0. A delivery-DLQ message arrives as a fresh delivery, so the job's misfire and coalesce rules decide it.";

const DLQ_PURGE =
  'Name the messages in the body or in the query, not both: `messageIds` (looked for in `queue`, both DLQs by ' +
  'default), or `all: true` with `queue` (which is then required). A 400 names the field otherwise. Deleting stops ' +
  'after a 20 s budget; call again while `remaining` is above 0.';

/**
 * The OpenAPI 3.1 document of the Jobs API, generated from the zod schemas (the single source of truth) with
 * zod's own JSON Schema output, which is the dialect OpenAPI 3.1 uses. `npm run openapi` writes it to
 * openapi.json; a test fails when the committed file differs.
 */
const managed = problem('The job is declared in code: change it there and apply, or send force=true');

export function buildOpenApiDocument(): JsonSchema {
  return {
    openapi: '3.1.0',
    info: {
      title: 'sked Jobs API',
      version: '1.0.0',
      description:
        'Dynamic job registration for sked. Errors are RFC 9457 application/problem+json with a stable `type` ' +
        '(urn:sked:problem:<slug>) and, for invalid input, an `errors` list of { path, message }.',
    },
    security: [{ sigv4: [] }],
    paths: {
      '/jobs': {
        post: {
          summary: 'Create a job (APScheduler add_job)',
          description: JOB_RULES,
          operationId: 'createJob',
          parameters: parameters('query', createJobQuerySchema),
          requestBody: body(ref('JobInput')),
          responses: responses({
            201: json('Created', ref('Job'), { ...ETAG, Location: 'The job: /jobs/{id}' }),
            200: json('Replaced (onConflict=replace)', ref('Job'), ETAG),
            ...bodyErrors,
            404: problem('onConflict=replace raced a delete of the job'),
            409: problem(
              'A job with this id exists, or (onConflict=replace) it is declared in code and force is not true',
            ),
            412: problem('onConflict=replace raced another change to the job; read it and retry'),
            502: schedulerDown,
          }),
        },
        get: {
          summary: 'List jobs (APScheduler get_jobs); a Query on an index, never a Scan',
          operationId: 'listJobs',
          parameters: parameters('query', jobListQuerySchema),
          responses: responses({ 200: json('A page of jobs', ref('JobPage')), 400: invalid }),
        },
      },
      '/jobs/{id}': {
        get: {
          summary: 'A job with its next five fire times and last run',
          operationId: 'getJob',
          parameters: idParam,
          responses: responses({ 200: json('The job', ref('JobDetail'), ETAG), 400: invalid, 404: noJob }),
        },
        put: {
          summary: 'Create (201) or replace (200) a job',
          description: JOB_RULES,
          operationId: 'putJob',
          parameters: [...idParam, ...ifMatch, ...parameters('query', jobWriteQuerySchema)],
          requestBody: body(ref('JobInput')),
          responses: responses({
            201: json('Created', ref('Job'), { ...ETAG, Location: 'The job: /jobs/{id}' }),
            200: json('Replaced', ref('Job'), ETAG),
            ...bodyErrors,
            404: noJob,
            409: managed,
            412: stale,
            502: schedulerDown,
          }),
        },
        patch: {
          summary: 'Change a job with a JSON merge patch (APScheduler modify_job, reschedule_job)',
          description: JOB_RULES,
          operationId: 'patchJob',
          parameters: [...idParam, ...ifMatch, ...parameters('query', jobWriteQuerySchema)],
          requestBody: body(ref('JobPatch'), true, ['application/merge-patch+json', 'application/json']),
          responses: responses({
            200: json('The job', ref('Job'), ETAG),
            ...bodyErrors,
            404: noJob,
            409: managed,
            412: stale,
            502: schedulerDown,
          }),
        },
        delete: {
          summary: 'Delete a job and its schedule (APScheduler remove_job)',
          operationId: 'deleteJob',
          parameters: [...idParam, ...ifMatch, ...parameters('query', jobWriteQuerySchema)],
          responses: responses({
            204: { description: 'Deleted' },
            400: invalid,
            404: noJob,
            409: managed,
            412: stale,
            502: problem('EventBridge Scheduler could not delete the schedule; retry'),
          }),
        },
      },
      '/jobs/{id}/pause': {
        post: {
          summary: 'Pause a job: its schedule is disabled (APScheduler pause_job)',
          operationId: 'pauseJob',
          parameters: [...idParam, ...ifMatch],
          requestBody: body(ref('PauseRequest'), false),
          responses: responses({
            200: json('The paused job', ref('Job'), ETAG),
            ...bodyErrors,
            404: noJob,
            409: problem('The job is completed'),
            412: stale,
            502: schedulerDown,
          }),
        },
      },
      '/jobs/{id}/resume': {
        post: {
          summary: 'Resume a paused job (APScheduler resume_job)',
          operationId: 'resumeJob',
          parameters: [...idParam, ...ifMatch],
          responses: responses({
            200: json('The resumed job', ref('Job'), ETAG),
            400: invalid,
            404: noJob,
            409: problem('The job is completed'),
            412: stale,
            502: schedulerDown,
          }),
        },
      },
      '/jobs/{id}/run': {
        post: {
          summary: 'Run a job now, through the same queue, worker and policies',
          operationId: 'runJobNow',
          parameters: idParam,
          requestBody: body(ref('RunNowRequest'), false),
          responses: responses({
            202: json(
              'Queued: the run reads as `queued` at once, until the worker picks it up',
              ref('RunNowResponse'),
              {
                Location: 'The run: /jobs/{id}/runs/{runId}',
              },
            ),
            ...bodyErrors,
            404: noJob,
          }),
        },
      },
      '/jobs/{id}/runs': {
        get: {
          summary: "The job's runs from the run ledger, newest first",
          operationId: 'listRuns',
          parameters: [...idParam, ...parameters('query', runListQuerySchema)],
          responses: responses({ 200: json('A page of runs', ref('RunPage')), 400: invalid, 404: noJob }),
        },
      },
      '/jobs/{id}/runs/{runId}': {
        get: {
          summary: 'One run',
          operationId: 'getRun',
          parameters: parameters('path', z.object({ id: jobIdSchema, runId: runIdSchema })),
          responses: responses({
            200: json('The run', ref('Run')),
            400: invalid,
            404: problem("No such job or run (or no such route: an id holding a '/')"),
          }),
        },
      },
      '/triggers/preview': {
        post: {
          summary: 'Dry-run a trigger: its Scheduler expression and next fire times; nothing is stored',
          description:
            "The trigger must be valid (see `trigger`); a date trigger's `runAt` must be in the future. `nextRuns` " +
            'lists at most `count` fire times from `from`, within [`startAt`, `endAt`], and none after the end of ' +
            '2199, with the daylight-saving rules of EventBridge Scheduler: a wall time skipped when clocks spring ' +
            'forward does not fire, one repeated when they fall back fires once, at its first occurrence. A trigger ' +
            'that needs second precision (an APScheduler `second` or a Quartz seconds field other than 0, an ' +
            'interval that is not a whole number of minutes, a `runAt` with seconds) is previewed too, its ' +
            '`nextRuns` to the second and those rules carried to the second; it has no `expression`, and ' +
            '`secondPrecision` says why a job refuses it: EventBridge Scheduler fires on the minute.',
          operationId: 'previewTrigger',
          requestBody: body(ref('PreviewRequest')),
          responses: responses({ 200: json('The preview', ref('PreviewResponse')), ...bodyErrors }),
        },
      },
      '/tasks': {
        get: {
          summary: 'The registered tasks, each with its payload JSON Schema',
          operationId: 'listTasks',
          responses: responses({ 200: json('The tasks', ref('TaskList')) }),
        },
      },
      '/dlq': {
        get: {
          summary:
            'What the jobs DLQ and the delivery DLQ hold, each message read as its occurrence; nothing is consumed',
          description: DLQ_LISTING,
          operationId: 'listDeadLetters',
          parameters: parameters('query', deadLetterListQuerySchema),
          responses: responses({ 200: json('The messages', ref('DeadLetterList')), 400: invalid }),
        },
        delete: {
          summary: 'Delete DLQ messages: the ones named, or every message of a queue',
          description: DLQ_PURGE,
          operationId: 'purgeDeadLetters',
          parameters: parameters('query', purgeQuerySchema),
          requestBody: body(ref('PurgeRequest'), false),
          responses: responses({
            200: json('What was deleted, and what is left', ref('PurgeResponse')),
            ...bodyErrors,
          }),
        },
      },
      '/dlq/redrive': {
        post: {
          summary: 'Move DLQ messages back to the jobs queue, so the worker runs them (stale ones are skipped)',
          description: DLQ_REDRIVE,
          operationId: 'redriveDeadLetters',
          requestBody: body(ref('RedriveRequest'), false),
          responses: responses({
            200: json('What was moved, skipped and left', ref('RedriveResponse')),
            ...bodyErrors,
          }),
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          operationId: 'getOpenApi',
          responses: responses({ 200: json('OpenAPI 3.1', { type: 'object' }) }),
        },
      },
    },
    components: {
      schemas: {
        ...componentSchemas(INPUT_COMPONENTS, 'input'),
        ...componentSchemas(OUTPUT_COMPONENTS, 'output'),
        JsonValue: JSON_VALUE,
      },
      securitySchemes: {
        sigv4: {
          type: 'apiKey',
          name: 'Authorization',
          in: 'header',
          description:
            'AWS Signature Version 4 for service execute-api (or a Cognito JWT when the stack is so configured)',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}
