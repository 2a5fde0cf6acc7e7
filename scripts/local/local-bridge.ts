/**
 * LOCAL ONLY. Fills the local cloud's gaps so a deployed sked behaves there as it does on AWS. Never deployed, never
 * imported by the functions or the CDK app; production code stays AWS-correct and does none of this.
 *
 * 1. Redrive policy: some emulator versions' CloudFormation drop the jobs queue's RedrivePolicy; it is re-applied
 *    (only when missing) from the same values the stack declares.
 * 2. Queue metrics: the emulator derives no AWS/SQS metrics. The bridge publishes ApproximateNumberOfMessagesVisible
 *    of both DLQs and ApproximateAgeOfOldestMessage of the jobs queue with PutMetricData, so they can be read back
 *    with their dimensions (the dashboard, GetMetricData). sked's local alarm evaluator (scripts/local/alarms/)
 *    decides the alarms on SQS metrics from the queues themselves, as CloudWatch would from SQS's own metrics.
 * 3. Worker metrics: the emulator does not extract Embedded Metric Format from logs. The bridge reads the worker's
 *    log group and publishes each EMF record with PutMetricData.
 */
import {
  type CloudWatchClient,
  type MetricDatum,
  PutMetricDataCommand,
  StandardUnit,
} from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, SetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { SignedFetch } from './signed-fetch';

export interface LocalBridgeTargets {
  readonly jobsQueueUrl: string;
  readonly jobsDlqUrl: string;
  readonly deliveryDlqUrl: string;
  readonly workerLogGroupName: string;
  /** The stack's maxReceiveCount for the jobs queue. */
  readonly maxReceiveCount: number;
}

export interface LocalBridgeDeps {
  readonly endpoint: string;
  readonly sqs: SQSClient;
  readonly cloudwatch: CloudWatchClient;
  /** Signed for the `logs` service: the bridge calls FilterLogEvents over the JSON protocol. */
  readonly logsFetch: SignedFetch;
  readonly log?: (line: string) => void;
}

export class LocalBridge {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private logsFrom = Date.now() - 60_000;
  private readonly seenEvents = new Set<string>();

  constructor(
    private readonly deps: LocalBridgeDeps,
    private readonly targets: LocalBridgeTargets,
  ) {}

  /** Re-applies the jobs queue's redrive policy when the emulator dropped it. Returns whether it had to. */
  async ensureRedrivePolicy(): Promise<boolean> {
    const { sqs } = this.deps;
    const [queue, dlq] = await Promise.all([
      sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: this.targets.jobsQueueUrl, AttributeNames: ['RedrivePolicy'] }),
      ),
      sqs.send(new GetQueueAttributesCommand({ QueueUrl: this.targets.jobsDlqUrl, AttributeNames: ['QueueArn'] })),
    ]);
    if (queue.Attributes?.RedrivePolicy !== undefined) return false;
    const deadLetterTargetArn = dlq.Attributes?.QueueArn;
    if (deadLetterTargetArn === undefined) throw new Error(`local bridge: no ARN for ${this.targets.jobsDlqUrl}`);
    await sqs.send(
      new SetQueueAttributesCommand({
        QueueUrl: this.targets.jobsQueueUrl,
        Attributes: {
          RedrivePolicy: JSON.stringify({ deadLetterTargetArn, maxReceiveCount: this.targets.maxReceiveCount }),
        },
      }),
    );
    this.deps.log?.('local bridge: re-applied the jobs queue redrive policy the emulator dropped');
    return true;
  }

  /** One round: queue metrics and the worker's EMF metrics since the last round. */
  async tick(): Promise<void> {
    const data: { namespace: string; datum: MetricDatum }[] = [];
    const now = new Date();
    for (const [url, name] of [
      [this.targets.jobsDlqUrl, 'jobs DLQ'],
      [this.targets.deliveryDlqUrl, 'delivery DLQ'],
    ] as const) {
      const visible = await this.visibleMessages(url);
      data.push({
        namespace: 'AWS/SQS',
        datum: {
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Dimensions: [{ Name: 'QueueName', Value: queueName(url) }],
          Value: visible,
          Unit: 'Count',
          Timestamp: now,
        },
      });
      if (visible > 0) this.deps.log?.(`local bridge: ${name} holds ${visible} message(s)`);
    }
    const age = await this.oldestMessageAgeSeconds(this.targets.jobsQueueUrl);
    if (age !== undefined) {
      data.push({
        namespace: 'AWS/SQS',
        datum: {
          MetricName: 'ApproximateAgeOfOldestMessage',
          Dimensions: [{ Name: 'QueueName', Value: queueName(this.targets.jobsQueueUrl) }],
          Value: age,
          Unit: 'Seconds',
          Timestamp: now,
        },
      });
    }
    data.push(...(await this.workerEmfMetrics()));
    for (const { namespace, datum } of data) {
      await this.deps.cloudwatch.send(new PutMetricDataCommand({ Namespace: namespace, MetricData: [datum] }));
    }
  }

  start(intervalMs = 10_000): void {
    const round = () => {
      this.running = this.tick().catch((error: unknown) => {
        this.deps.log?.(`local bridge: round failed: ${error instanceof Error ? error.message : String(error)}`);
      });
    };
    round();
    this.timer = setInterval(round, intervalMs);
  }

  async stop(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  private async visibleMessages(queueUrl: string): Promise<number> {
    const attributes = await this.deps.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }),
    );
    return Number(attributes.Attributes?.ApproximateNumberOfMessages ?? '0');
  }

  /**
   * SQS has no attribute for this and receiving would count as a delivery, so the emulator's read-only peek endpoint
   * is used; undefined when the emulator has none.
   */
  private async oldestMessageAgeSeconds(queueUrl: string): Promise<number | undefined> {
    const url = new URL('/_ministack/sqs/messages', this.deps.endpoint);
    url.searchParams.set('QueueUrl', queueUrl);
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    if (response?.ok !== true) return undefined;
    const body: unknown = await response.json();
    const sent = collectNumbers(body, 'SentTimestamp');
    if (sent.length === 0) return 0;
    return Math.max(0, Math.round(Date.now() / 1000 - Math.min(...sent)));
  }

  private async workerEmfMetrics(): Promise<{ namespace: string; datum: MetricDatum }[]> {
    const response = await this.deps.logsFetch(this.deps.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Logs_20140328.FilterLogEvents' },
      body: JSON.stringify({ logGroupName: this.targets.workerLogGroupName, startTime: this.logsFrom }),
    });
    if (!response.ok) return [];
    const page: unknown = await response.json();
    const events = isRecord(page) && Array.isArray(page.events) ? page.events : [];
    const metrics: { namespace: string; datum: MetricDatum }[] = [];
    for (const event of events) {
      if (!isRecord(event) || typeof event.message !== 'string') continue;
      const id = typeof event.eventId === 'string' ? event.eventId : `${String(event.timestamp)}:${event.message}`;
      if (this.seenEvents.has(id)) continue;
      this.seenEvents.add(id);
      if (typeof event.timestamp === 'number') this.logsFrom = Math.max(this.logsFrom, event.timestamp - 5_000);
      metrics.push(...emfToMetricData(event.message));
    }
    return metrics;
  }
}

/** The metric data of one Embedded Metric Format log line (none when the line is not EMF). */
export function emfToMetricData(line: string): { namespace: string; datum: MetricDatum }[] {
  const record = parseJsonObject(line.slice(Math.max(0, line.indexOf('{'))));
  if (record === undefined) return [];
  const aws = record._aws;
  if (!isRecord(aws) || !Array.isArray(aws.CloudWatchMetrics)) return [];
  const timestamp = typeof aws.Timestamp === 'number' ? new Date(aws.Timestamp) : new Date();
  const out: { namespace: string; datum: MetricDatum }[] = [];
  for (const directive of aws.CloudWatchMetrics) {
    if (!isRecord(directive) || typeof directive.Namespace !== 'string' || !Array.isArray(directive.Metrics)) continue;
    const dimensionSets = Array.isArray(directive.Dimensions) ? directive.Dimensions : [[]];
    for (const metric of directive.Metrics) {
      if (!isRecord(metric) || typeof metric.Name !== 'string') continue;
      const raw = record[metric.Name];
      const values = (Array.isArray(raw) ? raw : [raw]).filter((value): value is number => typeof value === 'number');
      if (values.length === 0) continue;
      for (const set of dimensionSets) {
        const names = Array.isArray(set) ? set.filter((name): name is string => typeof name === 'string') : [];
        out.push({
          namespace: directive.Namespace,
          datum: {
            MetricName: metric.Name,
            Dimensions: names.map((name) => ({ Name: name, Value: String(record[name]) })),
            Values: values,
            ...(isStandardUnit(metric.Unit) && { Unit: metric.Unit }),
            Timestamp: timestamp,
          },
        });
      }
    }
  }
  return out;
}

function parseJsonObject(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    if (!isRecord(parsed)) return undefined;
    // Lambda's JSON log format may wrap a printed line as { message: "..." }.
    if (!('_aws' in parsed) && typeof parsed.message === 'string') return parseJsonObject(parsed.message);
    return parsed;
  } catch {
    return undefined;
  }
}

const UNITS: ReadonlySet<unknown> = new Set(Object.values(StandardUnit));

function isStandardUnit(value: unknown): value is StandardUnit {
  return UNITS.has(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function collectNumbers(value: unknown, key: string): number[] {
  if (Array.isArray(value)) return value.flatMap((item) => collectNumbers(item, key));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([name, inner]) =>
    name === key && typeof inner === 'number' ? [inner] : collectNumbers(inner, key),
  );
}

function queueName(queueUrl: string): string {
  return queueUrl.slice(queueUrl.lastIndexOf('/') + 1);
}
