import { ENV } from '../../../lib/schemas/config';

/** The environment of a deployed worker Lambda, with `extra` variables on top. */
export function workerEnv(extra: Record<string, string> = {}): Record<string, string> {
  return {
    [ENV.jobsTable]: 'jobs',
    [ENV.runsTable]: 'runs',
    [ENV.jobsQueueUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/jobs',
    [ENV.eventBusName]: 'bus',
    [ENV.jobsDlqUrl]: 'https://sqs.us-east-1.amazonaws.com/000000000000/dlq',
    [ENV.webhookSecretArn]: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:s',
    ...extra,
  };
}
