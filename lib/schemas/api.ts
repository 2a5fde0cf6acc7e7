import * as z from 'zod';
import { storedJsonObject } from './stored-json';
import { ID_PATTERN, jobInputSchema, jobSchema, jobStateSchema, PRECISIONS } from './job';
import { errorCategorySchema, runSchema, runStatusSchema } from './run';
import { triggerSchema } from './trigger';

/**
 * Request and response shapes of the Jobs API. Together with lib/schemas/job.ts, run.ts and trigger.ts they are
 * the single source of the handlers' validation, their types and openapi.json.
 */

/** Largest request body API Gateway passes to the API (bytes, after base64 decoding). */
export const MAX_BODY_BYTES = 256 * 1024;
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 100;
export const MAX_PREVIEW_COUNT = 100;
export const NEXT_RUNS_COUNT = 5;

const isoInstant = z.iso.datetime({ offset: true });

export const jobIdSchema = z
  .string()
  .regex(ID_PATTERN, "id must be 1-64 characters of letters, digits, '_', '.' or '-'")
  .describe('Job id, also the schedule name');

export const runIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/, 'not a run id');

// ---------------------------------------------------------------------------------------------------------------
// Problems (RFC 9457)

export const fieldIssueSchema = z.object({
  path: z.string().describe("Dotted path of the offending field: 'trigger.expression', 'query.limit', 'body'"),
  message: z.string(),
});

export const problemSchema = z
  .object({
    type: z.string().describe('Stable URI naming the kind of problem, e.g. urn:sked:problem:validation'),
    title: z.string().describe('Short summary of the kind of problem; the same for every occurrence of a type'),
    status: z.int().min(400).max(599),
    detail: z.string().describe('What went wrong this time, for a human'),
    instance: z.string().optional().describe('The request path'),
    errors: z.array(fieldIssueSchema).optional().describe('Every invalid field, for validation problems'),
  })
  .describe('An RFC 9457 problem details object, sent as application/problem+json');
export type Problem = z.infer<typeof problemSchema>;

/** What API Gateway answers itself, before the API runs: a refused signature (403), throttling (429). */
export const gatewayErrorSchema = z
  .looseObject({ message: z.string().describe("API Gateway's reason, e.g. 'Missing Authentication Token'") })
  .describe("API Gateway's own error answer, sent as application/json before the request reaches the API");

// ---------------------------------------------------------------------------------------------------------------
// Jobs

export const onConflictSchema = z
  .enum(['fail', 'replace'])
  .default('fail')
  .describe("What POST /jobs does when the id exists: 'fail' (409, default) or 'replace' it");

const forceSchema = z
  .enum(['true', 'false'])
  .optional()
  .describe('true: change or delete a job declared in code all the same (sked apply shows the change next time)');

export const createJobQuerySchema = z.object({ onConflict: onConflictSchema, force: forceSchema }).strict();

/** PUT, PATCH and DELETE of one job. */
export const jobWriteQuerySchema = z.object({ force: forceSchema }).strict();

export const jobListQuerySchema = z
  .object({
    group: z.string().regex(ID_PATTERN, 'not a group name').optional().describe('Only jobs of this group'),
    state: jobStateSchema.optional().describe('Only jobs in this state'),
    tag: z.string().min(1).max(128).optional().describe('Only jobs carrying this tag'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_PAGE_SIZE)
      .default(DEFAULT_PAGE_SIZE)
      .describe(`Page size, 1-${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}`),
    cursor: z.string().min(1).max(2048).optional().describe('nextCursor of the previous page'),
  })
  .strict();
export type JobListQueryInput = z.output<typeof jobListQuerySchema>;

/** The fields PATCH may change; anything else (id, state, version, timestamps) is refused. */
export const MUTABLE_JOB_FIELDS = [
  'name',
  'description',
  'group',
  'trigger',
  'startAt',
  'endAt',
  'jitterMinutes',
  'target',
  'retry',
  'misfireGraceSeconds',
  'coalesce',
  'maxConcurrent',
  'overlap',
  'precision',
  'tags',
] as const;

const inputShape: Record<(typeof MUTABLE_JOB_FIELDS)[number], z.ZodType> = jobInputSchema.shape;
function required(schema: z.ZodType): z.ZodType {
  if (!(schema instanceof z.ZodOptional)) return schema;
  const inner = schema.unwrap();
  return inner instanceof z.ZodType ? inner : schema;
}
/**
 * A JSON merge patch (RFC 7396) of the mutable fields: members replace, `null` removes an optional field, nested
 * objects merge. The merged job is validated as a whole, so these are the fields' full schemas only as a guide.
 */
export const jobPatchSchema = z
  .object(
    Object.fromEntries(
      MUTABLE_JOB_FIELDS.map((field) => [field, z.union([required(inputShape[field]), z.null()]).optional()]),
    ),
  )
  .describe('JSON merge patch (RFC 7396) of the mutable job fields; send as application/merge-patch+json or JSON');

export const runSummarySchema = runSchema
  .pick({ runId: true, scheduledTime: true, kind: true, status: true, finishedAt: true, attempts: true })
  .describe('The most recent run');

export const jobDetailSchema = jobSchema
  .extend({
    nextRuns: z
      .array(isoInstant)
      .describe(
        `The next ${NEXT_RUNS_COUNT} fire times, ISO-8601 UTC; empty when paused or completed. None after ` +
          "2199-12-31T23:59:59.999Z (the end of 2199, the last year EventBridge Scheduler's cron accepts): the list " +
          'stops there',
      ),
    lastRun: runSummarySchema.optional(),
  })
  .describe('A job with its next fire times and last run');

export const jobPageSchema = z.object({
  items: z.array(jobSchema),
  nextCursor: z.string().optional().describe('Pass as ?cursor= for the next page; absent on the last page'),
});

export const pauseBodySchema = z
  .object({ reason: z.string().max(1024).optional().describe('Why the job is paused, kept on the job') })
  .strict();

export const runNowBodySchema = z
  .object({
    payload: storedJsonObject
      .optional()
      .describe(
        "This run's task payload, instead of the job's; task jobs only, validated against the task's schema; numbers within ±(2^53 - 1)",
      ),
  })
  .strict();

export const runNowResponseSchema = z.object({
  runId: z.string().describe('The run id; GET /jobs/{id}/runs/{runId} follows it'),
});

// ---------------------------------------------------------------------------------------------------------------
// Runs

export const runListQuerySchema = z
  .object({
    status: runStatusSchema.optional().describe('Only runs in this status'),
    limit: jobListQuerySchema.shape.limit,
    cursor: jobListQuerySchema.shape.cursor,
  })
  .strict();

export const runPageSchema = z.object({
  items: z.array(runSchema),
  nextCursor: z.string().optional(),
});

// ---------------------------------------------------------------------------------------------------------------
// Triggers and tasks

export const previewBodySchema = z
  .object({
    trigger: triggerSchema,
    count: z
      .int()
      .min(1)
      .max(MAX_PREVIEW_COUNT)
      .default(NEXT_RUNS_COUNT)
      .describe(`How many fire times, 1-${MAX_PREVIEW_COUNT}; default ${NEXT_RUNS_COUNT}`),
    from: isoInstant.optional().describe('List fire times from this instant; default now'),
    startAt: isoInstant.optional().describe('As the job field: no fire time before this'),
    endAt: isoInstant.optional().describe('As the job field: no fire time after this'),
  })
  .strict();

export const previewResponseSchema = z.object({
  precision: z
    .enum(PRECISIONS)
    .describe(
      "The precision a job with this trigger runs at by default: 'second' when the trigger has seconds (see " +
        '`secondPrecision`), else minute',
    ),
  expression: z
    .string()
    .describe(
      'The EventBridge Scheduler expression a job with this trigger gets: cron(...), rate(...) or at(...); for a ' +
        'second-precision job its tick schedule, cron(0/5 * * * ? *) in UTC, which enqueues each occurrence ahead of ' +
        'its second',
    ),
  timezone: z.string().describe('The schedule expression time zone'),
  triggerTimezone: z
    .string()
    .optional()
    .describe("Second precision only: the zone the trigger's fire times are computed in"),
  nextRuns: z
    .array(isoInstant)
    .describe(
      'Fire times, ISO-8601 UTC, ascending, to the second for a trigger that needs second precision; at most ' +
        '`count`, none after 2199-12-31T23:59:59.999Z (the end of 2199, ' +
        "the last year EventBridge Scheduler's cron accepts): the list stops there",
    ),
  secondPrecision: fieldIssueSchema
    .optional()
    .describe(
      'Present only when the trigger fires at a second other than 0 or on a period that is not a whole number of ' +
        'minutes: why EventBridge Scheduler cannot fire it itself. A job with it runs at second precision; one that ' +
        "asks for precision: 'minute' is refused with this field and reason (a 400 on create, PUT and PATCH)",
    ),
});

export const taskInfoSchema = z.object({
  name: z.string(),
  description: z.string(),
  timeoutSeconds: z.int(),
  payloadSchema: z.record(z.string(), z.unknown()).describe("JSON Schema of the task's payload"),
});

export const taskListSchema = z.object({ items: z.array(taskInfoSchema) });

// ---------------------------------------------------------------------------------------------------------------
// Dead-letter queues

export const DEFAULT_DEAD_LETTER_LIMIT = 100;
export const MAX_DEAD_LETTER_LIMIT = 1000;
/** At most this many message ids in one redrive or purge. */
export const MAX_DEAD_LETTER_IDS = 1000;
export const DEFAULT_REDRIVE_PER_SECOND = 10;
export const MAX_REDRIVE_PER_SECOND = 100;

export const deadLetterQueueSchema = z
  .enum(['jobs', 'delivery'])
  .describe(
    "'jobs': runs the worker gave up on (and crash loops); 'delivery': what EventBridge Scheduler could not deliver",
  );

const queueChoiceSchema = z
  .enum(['jobs', 'delivery', 'all'])
  .describe("Which DLQ: 'jobs', 'delivery' or 'all' (both, the jobs DLQ first)");

export const messageIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'not an SQS message id');

export const deadLetterListQuerySchema = z
  .object({
    queue: queueChoiceSchema.default('all'),
    jobId: jobIdSchema.optional().describe('Only messages of this job'),
    errorCategory: errorCategorySchema.optional().describe('Only jobs-DLQ copies whose last error is of this category'),
    limit: z.coerce
      .number()
      .int()
      .min(1)
      .max(MAX_DEAD_LETTER_LIMIT)
      .default(DEFAULT_DEAD_LETTER_LIMIT)
      .describe(`Most messages listed, 1-${MAX_DEAD_LETTER_LIMIT}, default ${DEFAULT_DEAD_LETTER_LIMIT}`),
  })
  .strict();

export const deadLetterReasonSchema = z
  .enum(['exhausted', 'unparseable', 'delivery', 'crash-loop'])
  .describe(
    "Why it is there: 'exhausted' (the run failed after its attempts), 'unparseable' (not a run envelope), " +
      "'delivery' (EventBridge Scheduler could not put it on the jobs queue), 'crash-loop' (the jobs queue's redrive " +
      'policy moved it after repeated receives without an outcome)',
  );

export const staleReasonSchema = z
  .enum(['succeeded', 'redriven', 'settled', 'job-deleted', 'unparseable'])
  .describe(
    "Why a redrive would not run it: 'succeeded' (the run succeeded since), 'redriven' (this failure was redriven " +
      "already: the ledger's redrive count is past the copy's), 'settled' (the run has an outcome the copy cannot " +
      "change: missed, skipped, or failed for a copy that is not a failure's), 'job-deleted', 'unparseable' (not a " +
      'run envelope: the worker would dead-letter it again)',
  );

export const deadLetterSchema = z.object({
  queue: deadLetterQueueSchema,
  messageId: z.string().describe('The SQS message id in its DLQ; name it in messageIds to redrive or purge it'),
  jobId: z.string().optional(),
  runId: z.string().optional().describe('The occurrence; GET /jobs/{id}/runs/{runId} has its history'),
  scheduledTime: isoInstant.optional(),
  reason: deadLetterReasonSchema,
  detail: z.string().optional().describe("The worker's note, e.g. 'failed after 3 attempts' or why it is unparseable"),
  errorCategory: errorCategorySchema.optional(),
  error: z
    .object({ class: z.string(), message: z.string() })
    .optional()
    .describe("The last error: the run's, or for the delivery DLQ Scheduler's ERROR_CODE and ERROR_MESSAGE"),
  attempts: z.int().min(0).optional().describe('Attempts made (delivery: Scheduler attempts to send)'),
  redrives: z.int().min(0).describe('How often the run had been redriven when this copy was made'),
  sentAt: isoInstant.describe('When the message entered its DLQ'),
  runStatus: runStatusSchema.optional().describe("The run ledger's status of the run now, when it has the run"),
  stale: z
    .boolean()
    .describe('True when a redrive would not run it (see staleReason); a redrive skips it unless asked'),
  staleReason: staleReasonSchema.optional(),
});

const deadLetterDepthSchema = z
  .object({
    approximateVisible: z.int().min(0),
    approximateInFlight: z.int().min(0).describe('Hidden by another receiver (a listing or redrive under way)'),
  })
  .describe("SQS's approximate counts before the listing (they may lag by a minute)");

export const deadLetterListSchema = z.object({
  items: z.array(deadLetterSchema),
  truncated: z
    .boolean()
    .describe(
      'True when the listing may be incomplete: more messages matched than `limit`, the time budget ran out, or ' +
        'messages were hidden by another receiver; false when every message of the queues was looked at',
    ),
  queues: z.object({ jobs: deadLetterDepthSchema.optional(), delivery: deadLetterDepthSchema.optional() }),
});

export const redriveBodySchema = z
  .object({
    queue: queueChoiceSchema.default('all'),
    jobId: jobIdSchema.optional().describe('Only messages of this job'),
    errorCategory: errorCategorySchema.optional().describe('Only jobs-DLQ copies whose last error is of this category'),
    messageIds: z
      .array(messageIdSchema)
      .min(1)
      .max(MAX_DEAD_LETTER_IDS)
      .optional()
      .describe('Only these messages (ids from GET /dlq)'),
    includeStale: z.boolean().default(false).describe('Move stale messages too (default: skip and report them)'),
    maxPerSecond: z
      .int()
      .min(1)
      .max(MAX_REDRIVE_PER_SECOND)
      .default(DEFAULT_REDRIVE_PER_SECOND)
      .describe(`Most messages moved per second, 1-${MAX_REDRIVE_PER_SECOND}, default ${DEFAULT_REDRIVE_PER_SECOND}`),
  })
  .strict();

const deadLetterRefSchema = z.object({
  queue: deadLetterQueueSchema,
  messageId: z.string(),
  jobId: z.string().optional(),
  runId: z.string().optional(),
});

const notFoundSchema = z
  .array(z.string())
  .optional()
  .describe('Named message ids that are in none of the queues looked at (present only when every one was looked at)');

export const redriveResponseSchema = z.object({
  moved: z.array(deadLetterRefSchema).describe('Sent to the jobs queue and deleted from the DLQ'),
  skippedStale: z.array(deadLetterRefSchema.extend({ staleReason: staleReasonSchema })).describe('Left in the DLQ'),
  failed: z
    .array(deadLetterRefSchema.extend({ error: z.string() }))
    .describe('Left in the DLQ (or, when sending worked and deleting did not, also on the jobs queue)'),
  remaining: z
    .int()
    .min(0)
    .describe(
      'Matching messages this call did not get to within its time budget (approximate for messages it never ' +
        'looked at); call again while it is above 0',
    ),
  notFound: notFoundSchema,
});

export const purgeBodySchema = z
  .object({
    messageIds: z.array(messageIdSchema).min(1).max(MAX_DEAD_LETTER_IDS).optional().describe('The messages to delete'),
    all: z.literal(true).optional().describe('Delete every message of `queue` (which must then be given)'),
    queue: queueChoiceSchema.optional().describe("Where to look; default 'all' with messageIds, required with all"),
  })
  .strict();

export const purgeQuerySchema = z
  .object({
    messageIds: z.string().min(1).optional().describe('Comma-separated message ids (instead of a body)'),
    all: z.enum(['true']).optional().describe('Delete every message of `queue` (instead of a body)'),
    queue: queueChoiceSchema.optional(),
  })
  .strict();

export const purgeResponseSchema = z.object({
  deleted: z.array(deadLetterRefSchema.extend({ reason: deadLetterReasonSchema })),
  failed: z.array(deadLetterRefSchema.extend({ error: z.string() })).describe('Left in the DLQ'),
  remaining: redriveResponseSchema.shape.remaining,
  notFound: notFoundSchema,
});
