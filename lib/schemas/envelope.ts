import * as z from 'zod';
import { ID_PATTERN } from './job';

/** The context attribute EventBridge Scheduler substitutes with the occurrence's scheduled time. */
export const SCHEDULED_TIME_PLACEHOLDER = '<aws.scheduler.scheduled-time>';

const jobId = z.string().regex(ID_PATTERN);

/** What a schedule delivers to the jobs queue: small, no payload (docs/design.md#the-run-envelope). */
export const scheduledEnvelopeSchema = z
  .object({
    v: z.literal(1),
    jobId,
    kind: z.literal('schedule'),
    scheduledTime: z.string().min(1).describe(`ISO-8601 instant, or ${SCHEDULED_TIME_PLACEHOLDER} when unsubstituted`),
    tick: z.iso
      .datetime({ offset: true })
      .optional()
      .describe('Set when a tick enqueued the occurrence (second precision): the scheduled time of that tick'),
  })
  .strict();

/**
 * What a second-precision job's tick schedule delivers: the worker puts the occurrences of the coming minutes on
 * the jobs queue (docs/design.md#second-precision). The API sends one too, when a write makes such a job active.
 */
export const tickEnvelopeSchema = z
  .object({
    v: z.literal(1),
    jobId,
    kind: z.literal('tick'),
    scheduledTime: z.string().min(1).describe(`ISO-8601 instant, or ${SCHEDULED_TIME_PLACEHOLDER} when unsubstituted`),
  })
  .strict();

/** What run-now puts on the jobs queue. */
export const manualEnvelopeSchema = z
  .object({
    v: z.literal(1),
    jobId,
    kind: z.literal('manual'),
    runId: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/),
    requestedAt: z.iso.datetime({ offset: true }),
    payload: z.record(z.string(), z.json()).optional(),
  })
  .strict();

export const runEnvelopeSchema = z.discriminatedUnion('kind', [scheduledEnvelopeSchema, manualEnvelopeSchema]);
export type RunEnvelope = z.infer<typeof runEnvelopeSchema>;
/** Everything the jobs queue carries. */
export const queueEnvelopeSchema = z.discriminatedUnion('kind', [
  scheduledEnvelopeSchema,
  manualEnvelopeSchema,
  tickEnvelopeSchema,
]);
export type QueueEnvelope = z.infer<typeof queueEnvelopeSchema>;
export type TickEnvelope = z.infer<typeof tickEnvelopeSchema>;
export type ScheduledEnvelope = z.infer<typeof scheduledEnvelopeSchema>;
export type ManualEnvelope = z.infer<typeof manualEnvelopeSchema>;
