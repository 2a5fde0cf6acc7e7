import * as z from 'zod';
import { storedJson, storedJsonObject } from './stored-json';
import { triggerSchema } from './trigger';

/** Usable as an EventBridge Scheduler schedule name (1-64 of [0-9a-zA-Z-_.]). */
export const ID_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
export const MAX_TAGS = 20;
export const MAX_PAYLOAD_BYTES = 64 * 1024;
/**
 * The longest one retry delay. The worker waits it out with ChangeMessageVisibility, which SQS refuses past 12 hours
 * (43,200 s) counted from the message's receipt, not from the call; the call comes at most one worker timeout
 * (15 minutes at the most) after the receipt, so a delay keeps that much below the ceiling.
 */
export const MAX_RETRY_DELAY_SECONDS = 43_200 - 15 * 60;
/** How long the jobs queue keeps a message, counted from when it was sent (the stacks set it from here). */
export const JOBS_QUEUE_RETENTION_SECONDS = 4 * 24 * 60 * 60;
/**
 * The longest all of a job's retry delays may add up to: the message waits them out in the jobs queue, so it must
 * outlive them, with a day left for the runs themselves, slot waits and redeliveries.
 */
export const MAX_TOTAL_RETRY_DELAY_SECONDS = JOBS_QUEUE_RETENTION_SECONDS - 24 * 60 * 60;
export const MAX_ATTEMPTS = 10;
export const PRECISIONS = ['minute', 'second'] as const;
export type Precision = (typeof PRECISIONS)[number];

const identifier = (what: string) =>
  z.string().regex(ID_PATTERN, `${what} must be 1-64 characters of letters, digits, '_', '.' or '-'`);

const isoInstant = z.iso
  .datetime({ offset: true })
  .describe('ISO-8601 instant with a UTC offset or Z, for example 2030-01-01T09:00:00Z');

export const taskTargetSchema = z
  .object({
    type: z.literal('task'),
    task: z.string().min(1).max(128).describe('Name of a registered task (GET /tasks lists them)'),
    payload: storedJsonObject
      .default({})
      .describe("The task's input, validated against the task's payload schema; numbers within ±(2^53 - 1)"),
  })
  .strict()
  .describe('Runs a task defined in code by the worker');

export const HTTP_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

export const httpTargetSchema = z
  .object({
    type: z.literal('http'),
    url: z.url().max(2048).describe('https URL of the webhook; private, loopback and metadata addresses are refused'),
    method: z.enum(HTTP_METHODS).default('POST').describe('HTTP method, default POST'),
    headers: z
      .record(z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,128}$/, 'not a valid header name'), z.string().max(4096))
      .default({})
      .describe('Extra request headers'),
    body: storedJson.optional().describe('JSON request body; numbers within ±(2^53 - 1)'),
    timeoutSeconds: z.int().min(1).max(840).default(30).describe('Request timeout in seconds, default 30'),
  })
  .strict()
  .describe('Calls an HTTPS webhook, signed with HMAC-SHA256');

export const targetSchema = z.discriminatedUnion('type', [taskTargetSchema, httpTargetSchema]);

const RETRY_RULES =
  'Retries with exponential backoff. The delay before attempt n (2 = the first retry) is ' +
  'min(maxSeconds, initialSeconds * multiplier^(n-2)); maxSeconds must be at least initialSeconds, and the delays ' +
  `before attempts 2 to maxAttempts must add up to at most ${MAX_TOTAL_RETRY_DELAY_SECONDS} s, so that the run's ` +
  `message outlives them in the jobs queue (kept ${JOBS_QUEUE_RETENTION_SECONDS} s). Fields left out take the ` +
  "deployment's defaults, and the rules apply to the result.";

export const retryPolicySchema = z
  .object({
    maxAttempts: z.int().min(1).max(MAX_ATTEMPTS).describe('Attempts in total, including the first; default 3'),
    initialSeconds: z.int().min(0).max(MAX_RETRY_DELAY_SECONDS).describe('Delay before the second attempt; default 30'),
    multiplier: z.number().min(1).max(10).describe('Factor applied to the delay after each attempt; default 2'),
    maxSeconds: z
      .int()
      .min(0)
      .max(MAX_RETRY_DELAY_SECONDS)
      .describe('Ceiling of any one delay, at least initialSeconds; default 3600'),
  })
  .strict()
  .describe(RETRY_RULES);

export const overlapSchema = z
  .enum(['skip', 'queue'])
  .describe('What happens to a run when maxConcurrent runs are already going: skip it, or queue it until a slot frees');

/** Policies the deployment can default per stage (APScheduler's job_defaults). */
export const jobPoliciesSchema = z.object({
  retry: retryPolicySchema,
  misfireGraceSeconds: z
    .int()
    .min(0)
    .max(86_400)
    .describe('A scheduled run that starts later than this after its time is recorded missed; default 300'),
  coalesce: z.boolean().describe('Skip a run whose next fire time has already passed; default true'),
  maxConcurrent: z.int().min(1).max(100).describe('Most runs of this job at once; default 1'),
  overlap: overlapSchema,
});
export type JobPolicies = z.infer<typeof jobPoliciesSchema>;

export const DEFAULT_JOB_POLICIES: JobPolicies = {
  retry: { maxAttempts: 3, initialSeconds: 30, multiplier: 2, maxSeconds: 3600 },
  misfireGraceSeconds: 300,
  coalesce: true,
  maxConcurrent: 1,
  overlap: 'skip',
};

/**
 * Set on a job by an apply of jobs declared in code: where it is declared, the digest of the declaration it was last
 * applied from, and the top-level fields that declaration gave. A write made through the API with `?force=true`
 * keeps `source` and records who changed the job outside the declaration, dropping the digest, so that the next
 * apply shows the job as changed and puts the declaration back, in the open.
 */
export const managedBySchema = z
  .object({
    source: z.string().min(1).max(512).describe('Where the job is declared: the file, or the stack, it comes from'),
    digest: z
      .string()
      .max(64)
      .optional()
      .describe('Digest of the declaration last applied; absent after a forced edit'),
    fields: z.array(z.string().max(64)).max(64).describe('The fields that declaration gave'),
    editedAt: isoInstant.optional().describe('When the job was last changed with ?force=true'),
    editedBy: z.string().max(2048).optional().describe('Who changed it'),
  })
  .strict()
  .describe(
    'Set when the job is declared in code (sked apply, cdk deploy): the API refuses to change its definition or ' +
      'delete it unless ?force=true; pause, resume and run-now stay allowed',
  );
export type ManagedBy = z.infer<typeof managedBySchema>;

const jobFields = {
  name: z.string().min(1).max(256).describe('Human-readable name; defaults to the id'),
  description: z.string().max(1024).describe('Free text, copied to the schedule'),
  group: identifier('group').describe("Namespace for listing and filtering; default 'default'"),
  trigger: triggerSchema,
  startAt: isoInstant.describe('No run before this instant; may be in the past'),
  endAt: isoInstant.describe('No run after this instant; must be after startAt and in the future'),
  jitterMinutes: z
    .int()
    .min(0)
    .max(1440)
    .describe('Flexible time window: each run starts at a random time up to this many minutes late; default 0'),
  target: targetSchema,
  retry: retryPolicySchema.partial().describe(RETRY_RULES),
  misfireGraceSeconds: jobPoliciesSchema.shape.misfireGraceSeconds,
  coalesce: jobPoliciesSchema.shape.coalesce,
  maxConcurrent: jobPoliciesSchema.shape.maxConcurrent,
  overlap: overlapSchema.describe("default 'skip'"),
  precision: z
    .enum(PRECISIONS)
    .describe(
      "How close to its time each run starts. 'minute': EventBridge Scheduler fires the occurrence itself, within " +
        "the minute after its time. 'second': a tick schedule fires ahead and each occurrence is put on the jobs " +
        'queue to arrive at its second. Default: second when the trigger has seconds (a second other than 0, or an ' +
        'interval that is not whole minutes), else minute',
    ),
  tags: z
    .array(z.string().regex(/^[A-Za-z0-9_.:=/+-]{1,128}$/, 'tags are 1-128 of letters, digits and _.:=/+-'))
    .max(MAX_TAGS, `at most ${MAX_TAGS} tags`)
    .describe('Labels to filter by'),
};

/** A job as a client submits it. Only `trigger` and `target` are required. */
export const jobInputSchema = z
  .object({
    id: identifier('id').optional().describe('Job id and schedule name; generated when absent'),
    name: jobFields.name.optional(),
    description: jobFields.description.optional(),
    group: jobFields.group.optional(),
    trigger: jobFields.trigger,
    startAt: jobFields.startAt.optional(),
    endAt: jobFields.endAt.optional(),
    jitterMinutes: jobFields.jitterMinutes.optional(),
    target: jobFields.target,
    retry: jobFields.retry.optional(),
    misfireGraceSeconds: jobFields.misfireGraceSeconds.optional(),
    coalesce: jobFields.coalesce.optional(),
    maxConcurrent: jobFields.maxConcurrent.optional(),
    overlap: jobFields.overlap.optional(),
    precision: jobFields.precision.optional(),
    tags: jobFields.tags.optional(),
    managedBy: managedBySchema.optional().describe('Written by sked apply; see the job field'),
  })
  .strict();
export type JobInput = z.input<typeof jobInputSchema>;
export type ParsedJobInput = z.output<typeof jobInputSchema>;

export const jobStateSchema = z
  .enum(['enabled', 'paused', 'completed'])
  .describe('enabled: scheduled; paused: schedule disabled; completed: a date job that ran');
export type JobState = z.infer<typeof jobStateSchema>;

/** A job as stored and returned: every default applied. */
export const jobSchema = z.object({
  id: identifier('id'),
  name: jobFields.name,
  description: jobFields.description.optional(),
  group: jobFields.group,
  trigger: jobFields.trigger,
  startAt: jobFields.startAt.optional(),
  endAt: jobFields.endAt.optional(),
  jitterMinutes: jobFields.jitterMinutes,
  target: jobFields.target,
  retry: retryPolicySchema,
  misfireGraceSeconds: jobFields.misfireGraceSeconds,
  coalesce: jobFields.coalesce,
  maxConcurrent: jobFields.maxConcurrent,
  slotsHighWater: z
    .int()
    .min(1)
    .optional()
    .describe(
      'The highest maxConcurrent the job has had (set by sked): while it is above maxConcurrent, runs also wait for the slots left from the higher limit',
    ),
  overlap: overlapSchema,
  precision: jobFields.precision.optional().describe('As given; absent means the default for the trigger'),
  tags: jobFields.tags,
  managedBy: managedBySchema.optional(),
  state: jobStateSchema,
  paused: z
    .object({ at: isoInstant, by: z.string(), reason: z.string().max(1024).optional() })
    .optional()
    .describe('Who paused the job, when and why'),
  version: z.int().min(1).describe('Increases on every change; the ETag is derived from it'),
  createdAt: isoInstant,
  updatedAt: isoInstant,
});
export type Job = z.infer<typeof jobSchema>;
