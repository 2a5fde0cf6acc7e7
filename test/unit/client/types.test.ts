import { describe, expectTypeOf, it } from 'vitest';
import type * as z from 'zod';
import type { JobPatch, SkedClient } from '../../../lib/client';
import type {
  jobDetailSchema,
  jobListQuerySchema,
  jobPageSchema,
  previewBodySchema,
  previewResponseSchema,
  runNowResponseSchema,
  runPageSchema,
  taskListSchema,
} from '../../../lib/schemas/api';
import type { jobInputSchema, jobSchema } from '../../../lib/schemas/job';
import type { runSchema } from '../../../lib/schemas/run';

// These assertions are checked by the compiler (npm run typecheck covers test/): a schema field that changes without
// the client's types following fails the build.

type Result<Method extends keyof SkedClient> = Awaited<ReturnType<SkedClient[Method]>>;
type Argument<Method extends keyof SkedClient, Index extends number> = Parameters<SkedClient[Method]>[Index];

describe("the Jobs API client's types", () => {
  it('answers with the response schemas as parsed', () => {
    expectTypeOf<Result<'getJob'>['job']>().toEqualTypeOf<z.infer<typeof jobDetailSchema>>();
    expectTypeOf<Result<'getJob'>['etag']>().toEqualTypeOf<string | undefined>();
    expectTypeOf<Result<'createJob'>['job']>().toEqualTypeOf<z.infer<typeof jobSchema>>();
    expectTypeOf<Result<'putJob'>['job']>().toEqualTypeOf<z.infer<typeof jobSchema>>();
    expectTypeOf<Result<'patchJob'>['job']>().toEqualTypeOf<z.infer<typeof jobSchema>>();
    expectTypeOf<Result<'pauseJob'>['job']>().toEqualTypeOf<z.infer<typeof jobSchema>>();
    expectTypeOf<Result<'resumeJob'>['job']>().toEqualTypeOf<z.infer<typeof jobSchema>>();
    expectTypeOf<Result<'listJobs'>>().toEqualTypeOf<z.infer<typeof jobPageSchema>>();
    expectTypeOf<Result<'runJob'>>().toEqualTypeOf<z.infer<typeof runNowResponseSchema>>();
    expectTypeOf<Result<'listRuns'>>().toEqualTypeOf<z.infer<typeof runPageSchema>>();
    expectTypeOf<Result<'getRun'>>().toEqualTypeOf<z.infer<typeof runSchema>>();
    expectTypeOf<Result<'previewTrigger'>>().toEqualTypeOf<z.infer<typeof previewResponseSchema>>();
    expectTypeOf<Result<'listTasks'>>().toEqualTypeOf<z.infer<typeof taskListSchema>>();
    expectTypeOf<Result<'deleteJob'>>().toEqualTypeOf<void>();
    expectTypeOf<ReturnType<SkedClient['iterateJobs']>>().toEqualTypeOf<
      AsyncGenerator<z.infer<typeof jobSchema>, void, undefined>
    >();
    expectTypeOf<ReturnType<SkedClient['iterateRuns']>>().toEqualTypeOf<
      AsyncGenerator<z.infer<typeof runSchema>, void, undefined>
    >();
  });

  it('takes request bodies as clients send them (z.input: defaults optional)', () => {
    expectTypeOf<Argument<'createJob', 0>>().toEqualTypeOf<z.input<typeof jobInputSchema>>();
    expectTypeOf<Argument<'putJob', 1>>().toEqualTypeOf<z.input<typeof jobInputSchema>>();
    expectTypeOf<Argument<'previewTrigger', 0>>().toEqualTypeOf<z.input<typeof previewBodySchema>>();
    expectTypeOf<NonNullable<Argument<'listJobs', 0>>>().toEqualTypeOf<Partial<z.output<typeof jobListQuerySchema>>>();
  });

  it('types a merge patch from the job input: fields optional, null removes, nested objects partial', () => {
    expectTypeOf<{ description: null; retry: { maxAttempts: 5 } }>().toExtend<JobPatch>();
    expectTypeOf<{ trigger: { type: 'cron'; hour: 4 } }>().toExtend<JobPatch>();
    expectTypeOf<{ id: 'renamed' }>().not.toExtend<JobPatch>();
    expectTypeOf<{ state: 'paused' }>().not.toExtend<JobPatch>();
    expectTypeOf<{ jitterMinutes: 'ten' }>().not.toExtend<JobPatch>();
  });
});
