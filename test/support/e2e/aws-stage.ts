/**
 * Where the end-to-end suite runs. `npm run test:aws` (scripts/test-aws.ts) deploys a throwaway stage to a real AWS
 * account and names it in SKED_E2E_STAGE; without it each e2e file deploys a stage of its own to the local cloud.
 */
export const AWS_STAGE_VARIABLE = 'SKED_E2E_STAGE';

/**
 * SQS publishes queue metrics to CloudWatch once a minute and minutes late (later still for a queue that was idle),
 * EMF metrics are extracted from the logs a minute or two after the line, and alarms are evaluated after that; on the
 * local cloud the bridge and the alarm evaluation do all of it within seconds. Waits on metrics and alarms are this
 * many times longer on AWS.
 */
export const AWS_METRIC_DELAY_FACTOR = 10;

/** The stage deployed to AWS that the suite runs against, or undefined for the local cloud. */
export function awsStage(): string | undefined {
  const stage = process.env[AWS_STAGE_VARIABLE];
  if (stage === undefined || stage === '') return undefined;
  const endpoint = process.env.AWS_ENDPOINT_URL;
  if (endpoint !== undefined && endpoint !== '')
    throw new Error(`${AWS_STAGE_VARIABLE} names a stage on AWS, but AWS_ENDPOINT_URL points at ${endpoint}`);
  return stage;
}

/** A wait on CloudWatch metrics or alarms: as given on the local cloud, AWS_METRIC_DELAY_FACTOR times longer on AWS. */
export function metricWaitMs(localMs: number): number {
  return awsStage() === undefined ? localMs : localMs * AWS_METRIC_DELAY_FACTOR;
}

/** The SQS queue the e2e suite subscribes to a stage's page topic (the AWS run deletes it should the suite not). */
export function pagerQueueName(stage: string): string {
  return `sked-e2e-pager-${stage}`;
}
