import * as z from 'zod';

/** The largest `result` kept in the ledger: the rest of a task's return value or a webhook's body is cut. */
export const MAX_RESULT_BYTES = 4096;

/** `queued`: asked for by run-now and on the jobs queue, not yet picked up by the worker. */
export const runStatusSchema = z.enum(['queued', 'running', 'succeeded', 'failed', 'missed', 'skipped']);
export type RunStatus = z.infer<typeof runStatusSchema>;

export const TERMINAL_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'missed', 'skipped'];

export const errorCategorySchema = z
  .enum(['timeout', 'http_4xx', 'http_5xx', 'task_exception', 'payload_validation', 'throttled', 'unknown'])
  .describe('Class of failure, also a metric dimension');
export type ErrorCategory = z.infer<typeof errorCategorySchema>;

export const runErrorSchema = z.object({
  class: z.string().describe('Error class name, e.g. TimeoutError'),
  message: z.string(),
  category: errorCategorySchema,
});
export type RunError = z.infer<typeof runErrorSchema>;

export const skipReasonSchema = z.enum(['paused', 'coalesced', 'overlap']);
export type SkipReason = z.infer<typeof skipReasonSchema>;

export const runSchema = z.object({
  jobId: z.string(),
  runId: z.string().describe('Stable per occurrence: derived from the scheduled time, or minted by run-now'),
  scheduledTime: z.iso.datetime({ offset: true }),
  kind: z.enum(['schedule', 'manual']),
  status: runStatusSchema,
  reason: z.string().optional().describe('Why a run was skipped or missed (paused, coalesced, overlap, misfire)'),
  attempts: z.int().min(0),
  redrives: z.int().min(0).optional().describe('How often an operator redrove this run from the jobs DLQ'),
  startedAt: z.iso.datetime({ offset: true }).optional(),
  finishedAt: z.iso.datetime({ offset: true }).optional(),
  durationMs: z.int().min(0).optional(),
  error: runErrorSchema.optional(),
  result: z.json().optional().describe(`Task return value or webhook response, cut to ${MAX_RESULT_BYTES} bytes`),
});
export type Run = z.infer<typeof runSchema>;
