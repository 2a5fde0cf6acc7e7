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

export { managedBySchema, type ManagedBy } from './job';
