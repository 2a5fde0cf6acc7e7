import * as z from 'zod';
import { jobPoliciesSchema } from './job';

/**
 * Environment of each Lambda, parsed once at cold start. A missing or malformed variable fails the cold start
 * with its name. The CDK stacks set exactly these names (see ENV below).
 */
export const ENV = {
  jobsTable: 'SKED_JOBS_TABLE',
  runsTable: 'SKED_RUNS_TABLE',
  scheduleGroup: 'SKED_SCHEDULE_GROUP',
  jobsQueueUrl: 'SKED_JOBS_QUEUE_URL',
  jobsQueueArn: 'SKED_JOBS_QUEUE_ARN',
  jobsDlqUrl: 'SKED_JOBS_DLQ_URL',
  deliveryDlqArn: 'SKED_DELIVERY_DLQ_ARN',
  deliveryDlqUrl: 'SKED_DELIVERY_DLQ_URL',
  schedulerRoleArn: 'SKED_SCHEDULER_ROLE_ARN',
  eventBusName: 'SKED_EVENT_BUS_NAME',
  jobDefaults: 'SKED_JOB_DEFAULTS',
  webhookSecretArn: 'SKED_WEBHOOK_SECRET_ARN',
  httpAllowlist: 'SKED_HTTP_ALLOWLIST',
  allowHttp: 'SKED_ALLOW_PLAIN_HTTP',
  runRetentionDays: 'SKED_RUN_RETENTION_DAYS',
  maskPatterns: 'SKED_LOG_MASK_PATTERNS',
  includeTestTasks: 'SKED_INCLUDE_TEST_TASKS',
  awsLimitsGuard: 'SKED_AWS_LIMITS_GUARD',
  /** Powertools' own variable: the worker's CloudWatch metrics namespace. */
  metricsNamespace: 'POWERTOOLS_METRICS_NAMESPACE',
} as const;

const required = z.string().min(1);
const jsonFrom = <T extends z.ZodType>(schema: T) =>
  z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'not valid JSON' });
        return z.NEVER;
      }
    })
    .pipe(schema);
const csv = z
  .string()
  .default('')
  .transform((text) =>
    text
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.length > 0),
  );
const flag = z
  .enum(['true', 'false'])
  .default('false')
  .transform((value) => value === 'true');
const onOff = z
  .enum(['on', 'off'])
  .default('off')
  .transform((value) => value === 'on');

/** What every function reads: its tables, the jobs queue, the event bus and the webhook address policy. */
const commonConfig = {
  [ENV.jobsTable]: required,
  [ENV.runsTable]: required,
  [ENV.jobsQueueUrl]: required,
  [ENV.eventBusName]: required,
  /** host[:port] entries that bypass the private-address guard (e.g. a test receiver); empty in production. */
  [ENV.httpAllowlist]: csv,
  [ENV.allowHttp]: flag,
  [ENV.includeTestTasks]: flag,
  /** `on`: every SDK client refuses what AWS would refuse (lib/adapters/aws/limits). The local stage only. */
  [ENV.awsLimitsGuard]: onOff,
};

export const apiConfigSchema = z.object({
  ...commonConfig,
  [ENV.scheduleGroup]: required,
  [ENV.jobsQueueArn]: required,
  [ENV.deliveryDlqArn]: required,
  [ENV.schedulerRoleArn]: required,
  [ENV.jobDefaults]: jsonFrom(jobPoliciesSchema),
});

/** The API function's: the jobs use cases' config, and the two DLQs its DLQ operations read and redrive from. */
export const apiFunctionConfigSchema = apiConfigSchema.extend({
  [ENV.jobsDlqUrl]: required,
  [ENV.deliveryDlqUrl]: required,
});

export const workerConfigSchema = z.object({
  ...commonConfig,
  [ENV.jobsDlqUrl]: required,
  [ENV.webhookSecretArn]: required,
  [ENV.runRetentionDays]: z.coerce.number().int().min(1).max(3650).default(30),
  /** Regular expressions whose matches are masked in logs, e.g. phone or national id numbers. */
  [ENV.maskPatterns]: jsonFrom(z.array(z.string())).default([]),
  [ENV.metricsNamespace]: z.string().min(1).max(255).default('Sked'),
});

export const reconcileConfigSchema = apiConfigSchema;

/** Parses an environment, failing with every missing or malformed variable named. */
export function parseConfig<T extends z.ZodType>(schema: T, env: Record<string, string | undefined>): z.output<T> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  return parsed.data;
}
