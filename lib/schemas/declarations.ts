import * as z from 'zod';
import { jobInputSchema } from './job';

/**
 * Jobs declared in code (`sked.schedules.yaml`, or the `Sked` construct's `schedules`): each a job document as the
 * API takes it, with its id, which is what ties the declaration to the job across applies.
 */
export const declaredJobSchema = jobInputSchema.extend({
  id: jobInputSchema.shape.id.unwrap().describe('Job id: required in a declaration, it ties the job to it'),
});
export type DeclaredJob = z.input<typeof declaredJobSchema>;

export const declarationFileSchema = z
  .object({
    jobs: z.array(declaredJobSchema).max(10_000).describe('The declared jobs'),
  })
  .strict()
  .describe('A file of jobs declared in code, applied with `sked apply -f FILE` or by `cdk deploy`');
export type DeclarationFile = z.input<typeof declarationFileSchema>;

/**
 * Set on a job by an apply: where it is declared, the digest of the declaration it was last applied from, and the
 * top-level fields that declaration gave. A write made through the API with `?force=true` keeps `source` and
 * records who changed the job outside the declaration, dropping the digest, so that the next apply shows the job as
 * changed and puts the declaration back, in the open.
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
    editedAt: z.iso.datetime({ offset: true }).optional().describe('When the job was last changed with ?force=true'),
    editedBy: z.string().max(2048).optional().describe('Who changed it'),
  })
  .strict()
  .describe('Set when the job is declared in code: the API refuses to change its definition unless ?force=true');
export type ManagedBy = z.infer<typeof managedBySchema>;
