/**
 * LOCAL ONLY. Evaluates the emulator's CloudWatch metric alarms the way AWS does, since the emulator either evaluates
 * them by metric name alone (MiniStack; sked's launcher turns that off) or not like AWS. Every round it reads the
 * alarms (DescribeAlarms, optionally by name prefix), reads each one's datapoints with its own dimensions, statistic
 * and period (metric-sources.ts), decides its state (alarm-evaluation.ts) and, when that differs, sets it with
 * SetAlarmState. SetAlarmState is also what sends the alarm's notifications: on AWS, and on the emulator, a state
 * change through it runs the alarm's actions (AlarmActions, OKActions, InsufficientDataActions), so the evaluator
 * publishes nothing itself. Never deployed; docs/local-cloud.md describes what it models and what not.
 */
import {
  CloudWatchClient,
  DescribeAlarmsCommand,
  type MetricAlarm,
  SetAlarmStateCommand,
  type StateValue,
} from '@aws-sdk/client-cloudwatch';
import { SQSClient } from '@aws-sdk/client-sqs';
import { guardedClient } from '../../../test/support/aws-clients';
import {
  type AlarmRule,
  type AlarmState,
  evaluateAlarm,
  evaluationRange,
  type ThresholdComparison,
  type TreatMissingData,
} from './alarm-evaluation';
import { CloudWatchMetrics, type MetricQuery, SqsQueueMetrics, UnsupportedMetricError } from './metric-sources';

export interface LocalAlarmsOptions {
  /** The emulator's endpoint, e.g. http://localhost:4566. */
  readonly endpoint: string;
  /** Evaluate only the alarms whose names start with this; all metric alarms when absent. */
  readonly alarmNamePrefix?: string;
  /** From the end of one round to the start of the next, for `startLocalAlarms`. @default 10_000 */
  readonly intervalMs?: number;
  /** Where state changes and failed rounds are told; quiet when absent. */
  readonly log?: (line: string) => void;
  /** @default AWS_REGION, else us-east-1 */
  readonly region?: string;
  /** @default the system clock */
  readonly now?: () => Date;
}

/** What one round did with one alarm. */
export type AlarmOutcome =
  | {
      readonly kind: 'evaluated';
      readonly alarmName: string;
      readonly previousState: AlarmState;
      readonly state: AlarmState;
      /** True when the round set the new state (and so the emulator ran the alarm's actions). */
      readonly changed: boolean;
      readonly reason: string;
    }
  | { readonly kind: 'skipped'; readonly alarmName: string; readonly why: string }
  | { readonly kind: 'failed'; readonly alarmName: string; readonly error: string };

export interface LocalAlarmEvaluator {
  /** One round over every alarm; rounds never overlap (a second call waits for the first). */
  evaluateOnce(): Promise<AlarmOutcome[]>;
}

export interface LocalAlarms extends LocalAlarmEvaluator {
  /** Stops the rounds and waits for the one under way. */
  stop(): Promise<void>;
}

export const DEFAULT_INTERVAL_MS = 10_000;

/**
 * Evaluates a round at once, then another `intervalMs` after each round ends, until `stop()`: a slow emulator makes
 * rounds further apart rather than piling them up. `evaluator` is for tests.
 */
export function startLocalAlarms(
  options: LocalAlarmsOptions,
  evaluator: LocalAlarmEvaluator = createLocalAlarmEvaluator(options),
): LocalAlarms {
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let running: Promise<unknown> = Promise.resolve();
  const round = (): void => {
    running = evaluator
      .evaluateOnce()
      .catch((error: unknown) => {
        options.log?.(`local alarms: round failed: ${message(error)}`);
      })
      .finally(() => {
        if (!stopped) timer = setTimeout(round, options.intervalMs ?? DEFAULT_INTERVAL_MS);
      });
  };
  round();
  return {
    evaluateOnce: () => evaluator.evaluateOnce(),
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}

/** The evaluator without a timer: each `evaluateOnce()` is one round. */
export function createLocalAlarmEvaluator(options: LocalAlarmsOptions): LocalAlarmEvaluator {
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const clientConfig = {
    endpoint: options.endpoint,
    region,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const cloudwatch = guardedClient(CloudWatchClient, clientConfig);
  const store = new CloudWatchMetrics(cloudwatch);
  const queues = new SqsQueueMetrics(guardedClient(SQSClient, clientConfig), options.endpoint);
  const clock = options.now ?? (() => new Date());
  let previous: Promise<unknown> = Promise.resolve();

  async function round(): Promise<AlarmOutcome[]> {
    const now = clock();
    queues.beginRound(now);
    const outcomes: AlarmOutcome[] = [];
    for (const alarm of await describeMetricAlarms(cloudwatch, options.alarmNamePrefix)) {
      const alarmName = alarm.AlarmName ?? '';
      try {
        outcomes.push(await evaluateOne(alarm, alarmName, now));
      } catch (error) {
        // One alarm that cannot be read does not hold up the others.
        outcomes.push({ kind: 'failed', alarmName, error: message(error) });
        options.log?.(`local alarms: ${alarmName}: ${message(error)}`);
      }
    }
    return outcomes;
  }

  async function evaluateOne(alarm: MetricAlarm, alarmName: string, now: Date): Promise<AlarmOutcome> {
    const definition = alarmRule(alarm);
    if (typeof definition === 'string') return { kind: 'skipped', alarmName, why: definition };
    const { rule, metric } = definition;
    const periods = evaluationRange(rule, now);
    const query: MetricQuery = { ...metric, periodSeconds: rule.periodSeconds, periods };
    const source = SqsQueueMetrics.handles(query) ? queues : store;
    let datapoints;
    try {
      datapoints = await source.datapoints(query);
    } catch (error) {
      if (error instanceof UnsupportedMetricError) return { kind: 'skipped', alarmName, why: error.message };
      throw error;
    }
    const previousState = stateOf(alarm.StateValue);
    const evaluation = evaluateAlarm(rule, datapoints, previousState, now);
    const changed = evaluation.state !== previousState;
    if (changed) {
      await cloudwatch.send(
        new SetAlarmStateCommand({
          AlarmName: alarmName,
          StateValue: evaluation.state,
          StateReason: evaluation.reason.slice(0, 1023),
          ...(evaluation.reasonData.length <= 4000 && { StateReasonData: evaluation.reasonData }),
        }),
      );
      options.log?.(`local alarms: ${alarmName} ${previousState} -> ${evaluation.state}: ${evaluation.reason}`);
    }
    return { kind: 'evaluated', alarmName, previousState, state: evaluation.state, changed, reason: evaluation.reason };
  }

  return {
    evaluateOnce: () => {
      const next = previous.then(round);
      previous = next.catch(() => undefined);
      return next;
    },
  };
}

async function describeMetricAlarms(cloudwatch: CloudWatchClient, prefix: string | undefined): Promise<MetricAlarm[]> {
  const alarms: MetricAlarm[] = [];
  let nextToken: string | undefined;
  do {
    const page = await cloudwatch.send(
      new DescribeAlarmsCommand({
        AlarmTypes: ['MetricAlarm'],
        MaxRecords: 100,
        ...(prefix !== undefined && { AlarmNamePrefix: prefix }),
        ...(nextToken !== undefined && { NextToken: nextToken }),
      }),
    );
    alarms.push(...(page.MetricAlarms ?? []));
    nextToken = page.NextToken;
  } while (nextToken !== undefined);
  return alarms;
}

const COMPARISONS: ReadonlySet<string> = new Set<ThresholdComparison>([
  'GreaterThanOrEqualToThreshold',
  'GreaterThanThreshold',
  'LessThanThreshold',
  'LessThanOrEqualToThreshold',
]);
const MISSING_DATA: ReadonlySet<string> = new Set<TreatMissingData>(['missing', 'notBreaching', 'breaching', 'ignore']);

/** The alarm's rule and metric, or why it is not evaluated locally. */
export function alarmRule(
  alarm: MetricAlarm,
): { rule: AlarmRule; metric: Omit<MetricQuery, 'periodSeconds' | 'periods'> } | string {
  if (alarm.Metrics !== undefined && alarm.Metrics.length > 0) return 'metric math alarms are not evaluated locally';
  if (alarm.ThresholdMetricId !== undefined) return 'anomaly detection alarms are not evaluated locally';
  // An emulator may describe an unset extended statistic as an empty string.
  const statistic = nonEmpty(alarm.ExtendedStatistic) ?? nonEmpty(alarm.Statistic);
  const comparison = alarm.ComparisonOperator;
  if (
    alarm.Namespace === undefined ||
    alarm.MetricName === undefined ||
    statistic === undefined ||
    alarm.Period === undefined ||
    alarm.EvaluationPeriods === undefined ||
    alarm.Threshold === undefined ||
    comparison === undefined
  ) {
    return 'the alarm lacks a metric, statistic, period, evaluation periods, threshold or comparison';
  }
  if (!isComparison(comparison)) return `the ${comparison} comparison is not evaluated locally`;
  const treatMissingData = alarm.TreatMissingData ?? 'missing';
  const unit = nonEmpty(alarm.Unit);
  if (!isTreatMissingData(treatMissingData)) return `unknown TreatMissingData ${treatMissingData}`;
  return {
    rule: {
      periodSeconds: alarm.Period,
      evaluationPeriods: alarm.EvaluationPeriods,
      datapointsToAlarm: alarm.DatapointsToAlarm ?? alarm.EvaluationPeriods,
      threshold: alarm.Threshold,
      comparison,
      // "Alarms that evaluate metrics in the AWS/DynamoDB namespace always ignore missing data."
      treatMissingData: alarm.Namespace === 'AWS/DynamoDB' ? 'ignore' : treatMissingData,
      statistic,
    },
    metric: {
      namespace: alarm.Namespace,
      metricName: alarm.MetricName,
      dimensions: (alarm.Dimensions ?? []).map((dimension) => ({
        name: dimension.Name ?? '',
        value: dimension.Value ?? '',
      })),
      statistic,
      ...(unit !== undefined && { unit }),
    },
  };
}

function nonEmpty<T extends string>(value: T | undefined): T | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function isComparison(value: string): value is ThresholdComparison {
  return COMPARISONS.has(value);
}

function isTreatMissingData(value: string): value is TreatMissingData {
  return MISSING_DATA.has(value);
}

function stateOf(value: StateValue | undefined): AlarmState {
  return value === 'OK' || value === 'ALARM' ? value : 'INSUFFICIENT_DATA';
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
