/**
 * LOCAL ONLY. Where the local alarm evaluator gets an alarm's datapoints: the emulator's CloudWatch (GetMetricData,
 * with the alarm's exact dimensions), or, for the two SQS metrics sked alarms on, a stand-in that samples the queue
 * itself, because the emulator derives no AWS/SQS metrics.
 */
import { type CloudWatchClient, GetMetricDataCommand, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { GetQueueAttributesCommand, GetQueueUrlCommand, QueueDoesNotExist, type SQSClient } from '@aws-sdk/client-sqs';
import type { Datapoint } from './alarm-evaluation';

export interface MetricQuery {
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly { readonly name: string; readonly value: string }[];
  /** A statistic (Maximum, Sum, ...) or an extended statistic (p99). */
  readonly statistic: string;
  readonly unit?: StandardUnit;
  readonly periodSeconds: number;
  /** Starts of the periods wanted, oldest first (evaluationRange). */
  readonly periods: readonly Date[];
}

export interface MetricSource {
  datapoints(query: MetricQuery): Promise<Datapoint[]>;
}

/** A metric the source cannot produce the way the alarm asks for it; the alarm is left as it is. */
export class UnsupportedMetricError extends Error {
  override readonly name = 'UnsupportedMetricError';
}

/** The emulator's CloudWatch: one GetMetricData query per alarm, over the alarm's evaluation range. */
export class CloudWatchMetrics implements MetricSource {
  constructor(private readonly cloudwatch: CloudWatchClient) {}

  async datapoints(query: MetricQuery): Promise<Datapoint[]> {
    const first = query.periods[0];
    const last = query.periods.at(-1);
    if (first === undefined || last === undefined) return [];
    const points: Datapoint[] = [];
    let nextToken: string | undefined;
    do {
      const page = await this.cloudwatch.send(
        new GetMetricDataCommand({
          StartTime: first,
          EndTime: new Date(last.getTime() + query.periodSeconds * 1000),
          ScanBy: 'TimestampAscending',
          MetricDataQueries: [
            {
              Id: 'alarm',
              ReturnData: true,
              MetricStat: {
                Metric: {
                  Namespace: query.namespace,
                  MetricName: query.metricName,
                  Dimensions: query.dimensions.map(({ name, value }) => ({ Name: name, Value: value })),
                },
                Period: query.periodSeconds,
                Stat: query.statistic,
                ...(query.unit !== undefined && { Unit: query.unit }),
              },
            },
          ],
          ...(nextToken !== undefined && { NextToken: nextToken }),
        }),
      );
      for (const result of page.MetricDataResults ?? []) {
        const values = result.Values ?? [];
        (result.Timestamps ?? []).forEach((start, index) => {
          const value = values[index];
          if (value !== undefined) points.push({ start, value });
        });
      }
      nextToken = page.NextToken;
    } while (nextToken !== undefined);
    return points;
  }
}

/** The SQS metrics the stand-in produces, and how: sked's DLQ depth and queue age alarms watch these two. */
export const SQS_STAND_IN_METRICS = ['ApproximateNumberOfMessagesVisible', 'ApproximateAgeOfOldestMessage'] as const;
type StandInMetric = (typeof SQS_STAND_IN_METRICS)[number];

function isStandInMetric(name: string): name is StandInMetric {
  return (SQS_STAND_IN_METRICS as readonly string[]).includes(name);
}

interface Sample {
  readonly at: number;
  readonly value: number;
}

/** Samples are kept a day: the longest evaluation range AWS allows (periods times evaluation periods). */
const SAMPLE_RETENTION_MS = 24 * 60 * 60 * 1000;

/**
 * A local stand-in for SQS's metrics, which AWS publishes once a minute per queue and the emulator not at all.
 * Each round samples every queue an alarm names (QueueName dimension) once: ApproximateNumberOfMessagesVisible from
 * GetQueueAttributes (ApproximateNumberOfMessages, the visible ones), ApproximateAgeOfOldestMessage from the oldest
 * SentTimestamp on MiniStack's read-only message listing (SQS has no attribute for it and receiving would count as
 * a delivery; in-flight messages count, as on AWS). A period's datapoint is the statistic over its samples, so
 * Maximum, Minimum and Average read as on AWS, while Sum and SampleCount count samples (one per round).
 */
export class SqsQueueMetrics implements MetricSource {
  private readonly samples = new Map<string, Sample[]>();
  private readonly sampledThisRound = new Set<string>();
  private readonly queueUrls = new Map<string, string>();
  private now = Date.now();

  constructor(
    private readonly sqs: SQSClient,
    private readonly endpoint: string,
  ) {}

  /** Whether the query is one of the stand-in's: an AWS/SQS metric above, dimensioned by QueueName alone. */
  static handles(query: Pick<MetricQuery, 'namespace' | 'metricName' | 'dimensions'>): boolean {
    return (
      query.namespace === 'AWS/SQS' &&
      isStandInMetric(query.metricName) &&
      query.dimensions.length === 1 &&
      query.dimensions[0]?.name === 'QueueName'
    );
  }

  /** Starts a round: each queue and metric is sampled at most once until the next. */
  beginRound(now: Date): void {
    this.now = now.getTime();
    this.sampledThisRound.clear();
  }

  async datapoints(query: MetricQuery): Promise<Datapoint[]> {
    const queueName = query.dimensions[0]?.value;
    const metric = query.metricName;
    if (!SqsQueueMetrics.handles(query) || !isStandInMetric(metric) || queueName === undefined) {
      throw new UnsupportedMetricError(`${query.namespace} ${query.metricName} is not an SQS stand-in metric`);
    }
    const key = `${metric}\u0000${queueName}`;
    if (!this.sampledThisRound.has(key)) {
      this.sampledThisRound.add(key);
      const value = await this.sample(queueName, metric);
      const kept = (this.samples.get(key) ?? []).filter((sample) => sample.at > this.now - SAMPLE_RETENTION_MS);
      if (value !== undefined) kept.push({ at: this.now, value });
      this.samples.set(key, kept);
    }
    const periodMs = query.periodSeconds * 1000;
    const samples = this.samples.get(key) ?? [];
    return query.periods.flatMap((start) => {
      const inPeriod = samples
        .filter((sample) => sample.at >= start.getTime() && sample.at < start.getTime() + periodMs)
        .map((sample) => sample.value);
      const value = aggregate(inPeriod, query.statistic);
      return value === undefined ? [] : [{ start, value }];
    });
  }

  private async sample(queueName: string, metric: StandInMetric): Promise<number | undefined> {
    const queueUrl = await this.queueUrl(queueName);
    if (queueUrl === undefined) return undefined;
    if (metric === 'ApproximateNumberOfMessagesVisible') {
      const attributes = await this.sqs
        .send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['ApproximateNumberOfMessages'] }))
        .catch(this.forgetDeletedQueue(queueName));
      const visible = attributes?.Attributes?.ApproximateNumberOfMessages;
      return visible === undefined ? undefined : Number(visible);
    }
    return this.oldestMessageAgeSeconds(queueUrl);
  }

  /** A queue that does not exist has no metrics: its datapoints are missing, as on AWS. */
  private async queueUrl(queueName: string): Promise<string | undefined> {
    const known = this.queueUrls.get(queueName);
    if (known !== undefined) return known;
    const answer = await this.sqs
      .send(new GetQueueUrlCommand({ QueueName: queueName }))
      .catch(this.forgetDeletedQueue(queueName));
    if (answer?.QueueUrl !== undefined) this.queueUrls.set(queueName, answer.QueueUrl);
    return answer?.QueueUrl;
  }

  private forgetDeletedQueue(queueName: string): (error: unknown) => undefined {
    return (error: unknown) => {
      if (!(error instanceof QueueDoesNotExist)) throw error;
      this.queueUrls.delete(queueName);
      return undefined;
    };
  }

  /** Undefined when the emulator has no message listing (not MiniStack): the datapoint is missing. */
  private async oldestMessageAgeSeconds(queueUrl: string): Promise<number | undefined> {
    const url = new URL('/_ministack/sqs/messages', this.endpoint);
    url.searchParams.set('QueueUrl', queueUrl);
    const response = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch(() => undefined);
    if (response?.ok !== true) return undefined;
    const sent = collectNumbers(await response.json(), 'SentTimestamp');
    if (sent.length === 0) return 0;
    return Math.max(0, Math.round(this.now / 1000 - Math.min(...sent)));
  }
}

/** The statistic over a period's samples; undefined for a period without any. */
export function aggregate(values: readonly number[], statistic: string): number | undefined {
  if (values.length === 0) return undefined;
  switch (statistic) {
    case 'Maximum':
      return Math.max(...values);
    case 'Minimum':
      return Math.min(...values);
    case 'Sum':
      return values.reduce((sum, value) => sum + value, 0);
    case 'Average':
      return values.reduce((sum, value) => sum + value, 0) / values.length;
    case 'SampleCount':
      return values.length;
    default:
      throw new UnsupportedMetricError(`the SQS stand-in has no ${statistic} statistic`);
  }
}

function collectNumbers(value: unknown, key: string): number[] {
  if (Array.isArray(value)) return value.flatMap((item) => collectNumbers(item, key));
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([name, inner]) =>
    name === key && typeof inner === 'number' ? [inner] : collectNumbers(inner, key),
  );
}
