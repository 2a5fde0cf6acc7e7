/**
 * Section 6: dollars per million runs from the measured call counts, durations and log bytes, and the list prices
 * in bench/prices.ts; an always-on instance for comparison; the idle cost of an empty deployment, from the
 * resources the synthesized `prod` template defines.
 */
import { App, type Stack } from 'aws-cdk-lib';
import { addStage } from '../../cdk/app';
import { stageConfig } from '../../cdk/config';
import { PRICES } from '../prices';
import type { CallSummary } from '../support/call-counter';
import type { WorkerName } from '../support/workers';

/** What one batch size costs per run, measured. */
export interface RunInputs {
  readonly batchSize: number;
  /** The worker's calls on the success path, per run. */
  readonly calls: CallSummary;
  /** SQS requests the event source mapping makes per run (receive and delete, per batch / batch size). */
  readonly esmRequestsPerRun: number;
  /** Wall time of one invocation carrying `batchSize` records. */
  readonly invocationMs: number;
  readonly logBytesPerRun: number;
}

export interface CostLine {
  readonly item: string;
  readonly dollars: number;
  readonly basis: string;
}

export interface RunCost {
  readonly worker: WorkerName;
  readonly batchSize: number;
  readonly lines: readonly CostLine[];
  readonly total: number;
}

/** Lambda's START / END / REPORT platform lines per invocation (JSON log format), an estimate. */
export const PLATFORM_LOG_BYTES_PER_INVOCATION = 600;

export function workerMemoryMb(): number {
  return stageConfig('prod').worker.memorySize;
}

export function costPerMillionRuns(worker: WorkerName, inputs: RunInputs): RunCost {
  const million = 1_000_000;
  const perRun = (perMillionPrice: number, quantity: number) => quantity * perMillionPrice;
  const memoryGb = workerMemoryMb() / 1024;
  const billedMs = Math.ceil(inputs.invocationMs);
  const invocationsPerRun = 1 / inputs.batchSize;
  const logBytes = inputs.logBytesPerRun + PLATFORM_LOG_BYTES_PER_INVOCATION * invocationsPerRun;
  const lines: CostLine[] = [
    {
      item: 'EventBridge Scheduler invocations',
      dollars: perRun(PRICES.schedulerInvocationPerMillion, 1),
      basis: '1 per run',
    },
    {
      item: 'SQS requests',
      dollars: perRun(PRICES.sqsRequestPerMillion, 1 + inputs.esmRequestsPerRun + inputs.calls.sqs),
      basis: `1 delivery + ${inputs.esmRequestsPerRun.toFixed(2)} event source + ${inputs.calls.sqs} worker per run`,
    },
    {
      item: 'Lambda requests',
      dollars: perRun(PRICES.lambdaRequestPerMillion, invocationsPerRun),
      basis: `1 per ${inputs.batchSize} runs`,
    },
    {
      item: 'Lambda GB-seconds',
      dollars: million * (billedMs / 1000) * memoryGb * invocationsPerRun * PRICES.lambdaGbSecond,
      basis: `${billedMs} ms x ${workerMemoryMb()} MB per invocation`,
    },
    {
      item: 'DynamoDB reads',
      dollars: perRun(PRICES.dynamoDbReadRequestUnitPerMillion, inputs.calls.readUnits),
      basis: `${inputs.calls.readUnits} RRU per run`,
    },
    {
      item: 'DynamoDB writes',
      dollars: perRun(PRICES.dynamoDbWriteRequestUnitPerMillion, inputs.calls.writeUnits),
      basis: `${inputs.calls.writeUnits} WRU per run`,
    },
    {
      item: 'EventBridge events',
      dollars: perRun(PRICES.eventBridgeCustomEventPerMillion, inputs.calls.eventBridge),
      basis: `${inputs.calls.eventBridge} PutEvents per run`,
    },
    {
      item: 'CloudWatch Logs ingestion',
      dollars: (million * logBytes * PRICES.cloudWatchLogsIngestPerGb) / 1024 ** 3,
      basis: `${Math.round(logBytes)} bytes per run`,
    },
  ];
  return {
    worker,
    batchSize: inputs.batchSize,
    lines,
    total: lines.reduce((sum, line) => sum + line.dollars, 0),
  };
}

export interface IdleCost {
  readonly stage: string;
  readonly resources: Record<string, number>;
  readonly lines: readonly CostLine[];
  readonly perMonth: number;
}

/** Counts the resources of the `prod` stage's templates (asset bundling skipped) and prices what bills while idle. */
export function idleCost(): IdleCost {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] } });
  const { stateful, stateless } = addStage(app, 'prod');
  const assembly = app.synth();
  const counts: Record<string, number> = {};
  for (const stack of [stateful, stateless] as Stack[]) {
    const template: unknown = assembly.getStackByName(stack.stackName).template;
    const resources =
      typeof template === 'object' && template !== null && 'Resources' in template ? template.Resources : {};
    for (const resource of Object.values(resources as Record<string, { Type?: string }>)) {
      const type = resource.Type ?? 'unknown';
      counts[type] = (counts[type] ?? 0) + 1;
    }
  }
  const config = stageConfig('prod');
  const n = (type: string) => counts[type] ?? 0;
  const reconcilesPerMonth = (PRICES.hoursPerMonth * 60) / config.reconcileEvery.toMinutes();
  // Lambda's SQS pollers long-poll an empty queue: at least 5 pollers, one 20-second receive each at a time.
  const idleReceivesPerMonth = 5 * 3 * 60 * PRICES.hoursPerMonth;
  const lines: CostLine[] = [
    {
      item: 'CloudWatch alarms',
      dollars: n('AWS::CloudWatch::Alarm') * PRICES.cloudWatchAlarmPerMonth,
      basis: `${n('AWS::CloudWatch::Alarm')} standard-resolution alarms`,
    },
    {
      item: 'CloudWatch dashboard',
      dollars: n('AWS::CloudWatch::Dashboard') * PRICES.cloudWatchDashboardPerMonth,
      basis: `${n('AWS::CloudWatch::Dashboard')} dashboard(s) (the first 3 of an account are free)`,
    },
    {
      item: 'Secrets Manager',
      dollars: n('AWS::SecretsManager::Secret') * PRICES.secretsManagerSecretPerMonth,
      basis: `${n('AWS::SecretsManager::Secret')} secret(s)`,
    },
    {
      item: 'KMS keys',
      dollars: n('AWS::KMS::Key') * PRICES.kmsCustomerKeyPerMonth,
      basis: `${n('AWS::KMS::Key')} customer managed key(s)`,
    },
    {
      item: 'SQS empty receives',
      dollars: (idleReceivesPerMonth * PRICES.sqsRequestPerMillion) / 1_000_000,
      basis: `~${Math.round(idleReceivesPerMonth / 1000)}k long polls by the event source mapping`,
    },
    {
      item: 'Reconcile schedule',
      dollars: (reconcilesPerMonth * PRICES.lambdaRequestPerMillion) / 1_000_000,
      basis: `${Math.round(reconcilesPerMonth)} invocations (every ${config.reconcileEvery.toMinutes()} min), compute not counted`,
    },
  ];
  return {
    stage: 'prod',
    resources: counts,
    lines,
    perMonth: lines.reduce((sum, line) => sum + line.dollars, 0),
  };
}

export function alwaysOnInstancePerMonth(): number {
  return PRICES.t4gSmallPerHour * PRICES.hoursPerMonth + 8 * PRICES.gp3PerGbMonth;
}
