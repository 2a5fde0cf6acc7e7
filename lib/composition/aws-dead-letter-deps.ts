import type { SQSClient } from '@aws-sdk/client-sqs';
import type * as z from 'zod';
import { SqsDeadLetterQueues } from '../adapters/aws/sqs-dead-letters';
import { ENV, type apiFunctionConfigSchema } from '../schemas/config';
import { DEFAULT_DEAD_LETTER_SETTINGS, type DeadLetterDeps, type DeadLetterSettings } from '../use-cases/dlq';
import type { JobsDeps } from '../use-cases/jobs/deps';

export type ApiFunctionConfig = z.output<typeof apiFunctionConfigSchema>;

/**
 * The DLQ operations over AWS: the two DLQs and the jobs queue through one SQS client, and the job store and run
 * ledger the jobs use cases already hold (one set of clients per container).
 */
export function awsDeadLetterDeps(
  config: ApiFunctionConfig,
  jobs: Pick<JobsDeps, 'store' | 'runs' | 'clock' | 'log'>,
  sqs: SQSClient,
  settings: DeadLetterSettings = DEFAULT_DEAD_LETTER_SETTINGS,
): DeadLetterDeps {
  return {
    deadLetters: new SqsDeadLetterQueues(sqs, {
      jobs: config[ENV.jobsDlqUrl],
      delivery: config[ENV.deliveryDlqUrl],
      jobsQueue: config[ENV.jobsQueueUrl],
    }),
    runs: jobs.runs,
    jobs: jobs.store,
    clock: jobs.clock,
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    log: jobs.log,
    settings,
  };
}
