/**
 * AWS list prices used by the cost model: us-east-1, on-demand, without free tiers, as published on the
 * services' pricing pages (checked 2026-11). Change them here when they change; BENCHMARKS.md prints them.
 */
export const PRICES = {
  region: 'us-east-1',
  schedulerInvocationPerMillion: 1.0,
  sqsRequestPerMillion: 0.4,
  lambdaRequestPerMillion: 0.2,
  /** arm64 */
  lambdaGbSecond: 0.0000133334,
  dynamoDbWriteRequestUnitPerMillion: 0.625,
  dynamoDbReadRequestUnitPerMillion: 0.125,
  eventBridgeCustomEventPerMillion: 1.0,
  cloudWatchLogsIngestPerGb: 0.5,
  cloudWatchAlarmPerMonth: 0.1,
  cloudWatchDashboardPerMonth: 3.0,
  secretsManagerSecretPerMonth: 0.4,
  kmsCustomerKeyPerMonth: 1.0,
  /** An always-on t4g.small (2 vCPU, 2 GiB) with an 8 GiB gp3 volume: a box for APScheduler or Celery beat. */
  t4gSmallPerHour: 0.0168,
  gp3PerGbMonth: 0.08,
  hoursPerMonth: 730,
} as const;
