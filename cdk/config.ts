/**
 * Per-stage configuration of a sked deployment, in one typed place. `cdk/app.ts` picks a stage with
 * `-c stage=<name>`; the reusable `Sked` construct takes the same shape through its props.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DEFAULT_JOB_POLICIES, type JobPolicies } from '../lib/schemas/job';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';

/** Where an alarm topic delivers. SQS queues must allow sns.amazonaws.com to send (their own resource policy). */
export type AlarmSubscription =
  | { readonly kind: 'email'; readonly address: string }
  | { readonly kind: 'https'; readonly url: string }
  | { readonly kind: 'sqs'; readonly queueArn: string };

export interface AlarmThresholds {
  /** Age of the oldest message on the jobs queue that means runs are late. */
  readonly queueAgeSeconds: number;
  /** Worker invocation errors (crashes and timeouts, not failed runs) per 5 minutes. */
  readonly workerErrors: number;
  /** Worker throttles per 5 minutes. */
  readonly workerThrottles: number;
  /** Runs that ended `failed` (retries exhausted) per 5 minutes. */
  readonly runsFailed: number;
  /** Runs recorded `missed` (misfire grace exceeded) per 5 minutes. */
  readonly runsMissed: number;
  /** Scheduler deliveries to the queue that failed and will be retried, per 5 minutes. */
  readonly schedulerTargetErrors: number;
  /** API responses with a 5xx status per 5 minutes. */
  readonly api5xx: number;
}

/** How API Gateway authenticates callers. */
export type ApiAuthorization =
  | { readonly type: 'iam' }
  | {
      /** JWTs issued by a Cognito user pool (the REST API's JWT authorizer). */
      readonly type: 'cognito';
      readonly userPoolArn: string;
      /** OAuth scopes a token must carry; none means an ID token is enough. */
      readonly scopes?: readonly string[];
    };

/** Settings of one sked deployment; `SKED_DEFAULTS` holds the default of each. */
export interface SkedSettings {
  /** APScheduler's job_defaults: the policies a job gets when it does not set them. */
  readonly jobDefaults: JobPolicies;
  readonly logLevel: LogLevel;
  /** Retention of the Lambda and API access log groups. */
  readonly logRetention: RetentionDays;
  /** Days a run stays in the run ledger before DynamoDB's TTL removes it. */
  readonly runRetentionDays: number;
  /**
   * What happens to the tables (and log groups) when the stack is deleted. RETAIN everywhere that matters;
   * DESTROY only for throwaway stages (local, e2e, personal dev).
   */
  readonly removalPolicy: RemovalPolicy;
  readonly alarms: AlarmThresholds;
  readonly subscriptions: {
    readonly page: readonly AlarmSubscription[];
    readonly ticket: readonly AlarmSubscription[];
  };
  /** host[:port] entries webhooks may reach despite the private-address guard. Empty in production. */
  readonly httpAllowlist: readonly string[];
  /** Allow plain http:// webhooks (local receivers only). */
  readonly allowPlainHttp: boolean;
  /** Register the test-only tasks (fail-always, sleep ...). Never in production. */
  readonly includeTestTasks: boolean;
  /**
   * Attach the AWS limits guard to the functions' SDK clients (`SKED_AWS_LIMITS_GUARD=on`): a call AWS would refuse
   * fails in the function even where the local cloud would accept it. The local stage only.
   */
  readonly awsLimitsGuard: boolean;
  /**
   * Alarms may use CloudWatch metric math (QueueAge does). LOCAL ONLY off: the local emulator's CloudFormation
   * refuses metric math in alarms, so there QueueAge watches the plain age metric the local bridge publishes.
   */
  readonly alarmMetricMath: boolean;
  /** Regular expressions masked in worker logs (e.g. phone or national id numbers). */
  readonly logMaskPatterns: readonly string[];
  readonly api: {
    readonly authorization: ApiAuthorization;
    /** Steady-state requests per second across the stage. */
    readonly throttleRateLimit: number;
    readonly throttleBurstLimit: number;
  };
  readonly worker: {
    /** Lambda timeout; the jobs queue's visibility timeout is six times this. */
    readonly timeout: Duration;
    /** Most concurrent worker invocations the SQS event source starts (2-1000). */
    readonly maxConcurrency: number;
    readonly batchSize: number;
    readonly memorySize: number;
  };
  /** How often reconcile compares the jobs table with the schedules and repairs drift. */
  readonly reconcileEvery: Duration;
}

export interface SkedStageConfig extends SkedSettings {
  /** Stage name, part of the stack names (`Sked-<stage>-Stateful`, `Sked-<stage>-Stateless`). */
  readonly stage: string;
}

const defaultThresholds: AlarmThresholds = {
  queueAgeSeconds: 600,
  workerErrors: 1,
  workerThrottles: 5,
  runsFailed: 1,
  runsMissed: 1,
  schedulerTargetErrors: 1,
  api5xx: 5,
};

/** Production-safe defaults, also the defaults of the `Sked` construct's props. */
export const SKED_DEFAULTS: SkedSettings = {
  jobDefaults: DEFAULT_JOB_POLICIES,
  logLevel: 'INFO',
  logRetention: RetentionDays.ONE_MONTH,
  runRetentionDays: 30,
  removalPolicy: RemovalPolicy.RETAIN,
  alarms: defaultThresholds,
  subscriptions: { page: [], ticket: [] },
  httpAllowlist: [],
  allowPlainHttp: false,
  includeTestTasks: false,
  awsLimitsGuard: false,
  alarmMetricMath: true,
  logMaskPatterns: [],
  api: { authorization: { type: 'iam' }, throttleRateLimit: 50, throttleBurstLimit: 100 },
  worker: { timeout: Duration.minutes(5), maxConcurrency: 10, batchSize: 10, memorySize: 512 },
  reconcileEvery: Duration.minutes(15),
};

/** Throwaway stages: everything is deleted with the stack, test tasks are on, logs are verbose. */
const throwaway: Partial<SkedSettings> = {
  logLevel: 'DEBUG',
  logRetention: RetentionDays.ONE_WEEK,
  runRetentionDays: 7,
  removalPolicy: RemovalPolicy.DESTROY,
  includeTestTasks: true,
};

export const STAGES = {
  dev: { ...SKED_DEFAULTS, ...throwaway, stage: 'dev' },
  prod: {
    ...SKED_DEFAULTS,
    stage: 'prod',
    logRetention: RetentionDays.THREE_MONTHS,
    runRetentionDays: 90,
    api: { ...SKED_DEFAULTS.api, throttleRateLimit: 100, throttleBurstLimit: 200 },
    worker: { ...SKED_DEFAULTS.worker, maxConcurrency: 50 },
  },
  /** The local cloud: fast feedback, a short worker timeout so retries and redrives show within minutes. */
  local: {
    ...SKED_DEFAULTS,
    ...throwaway,
    stage: 'local',
    // The local cloud accepts calls AWS refuses; the guard makes the functions refuse them too.
    awsLimitsGuard: true,
    alarmMetricMath: false,
    alarms: { ...defaultThresholds, queueAgeSeconds: 300 },
    worker: { ...SKED_DEFAULTS.worker, timeout: Duration.seconds(30), maxConcurrency: 2 },
    reconcileEvery: Duration.minutes(5),
  },
} as const satisfies Record<string, SkedStageConfig>;

export type StageName = keyof typeof STAGES;

export function isStageName(name: string): name is StageName {
  return Object.hasOwn(STAGES, name);
}

/**
 * The configuration of a stage. A name that is not a known stage but starts with a known one plus '-'
 * (e.g. `local-e2e-1a2b3c4d`) gets that stage's configuration under its own name, so tests can deploy isolated copies.
 */
export function stageConfig(name: string): SkedStageConfig {
  if (isStageName(name)) return STAGES[name];
  const prefix = name.split('-')[0] ?? '';
  if (isStageName(prefix) && /^[A-Za-z0-9-]{1,40}$/.test(name)) return { ...STAGES[prefix], stage: name };
  throw new Error(`unknown stage '${name}': use one of ${Object.keys(STAGES).join(', ')} (or <stage>-<suffix>)`);
}
