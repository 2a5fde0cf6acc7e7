import { describe, expect, it } from 'vitest';
import { checkAwsLimits } from '../../../lib/adapters/aws/limits';

function refusal(clientName: string, commandName: string, input: unknown): string | undefined {
  try {
    checkAwsLimits({ clientName, commandName, input });
    return undefined;
  } catch (error) {
    return String(error);
  }
}

const PUT_EVENTS = 'https://docs.aws.amazon.com/eventbridge/latest/APIReference/API_PutEvents.html';
const ENTRY_SIZE = 'https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-putevent-size.html';
const PUT_METRIC_DATA = 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html';

const entry = (Detail = '{}') => ({ Source: 'sked', DetailType: 'run.finished', Detail, EventBusName: 'bus' });
const putEvents = (Entries: unknown[]) => refusal('EventBridgeClient', 'PutEventsCommand', { Entries });
const metric = (extra: Record<string, unknown> = {}) => ({ MetricName: 'RunsFailed', Value: 1, ...extra });
const putMetrics = (MetricData: unknown[]) =>
  refusal('CloudWatchClient', 'PutMetricDataCommand', { Namespace: 'Sked', MetricData });

describe('the AWS limits guard on EventBridge PutEvents', () => {
  it('holds a request to 1 to 10 entries', () => {
    expect(putEvents(Array.from({ length: 10 }, () => entry()))).toBeUndefined();
    expect(putEvents(Array.from({ length: 11 }, () => entry()))).toBe(
      `AwsLimitError: EventBridge PutEvents: 11 entries; at most 10 (${PUT_EVENTS})`,
    );
    expect(putEvents([])).toBe(`AwsLimitError: EventBridge PutEvents: no entries; at least 1 (${PUT_EVENTS})`);
  });

  it('sizes an entry as EventBridge does: 14 bytes of Time, Source, DetailType, Detail and Resources', () => {
    // Prepare: "sked" (4) + "run.finished" (12) + 14 + "r" (1) + Detail = 262,144 bytes.
    const sized = (detailBytes: number) => ({
      ...entry('x'.repeat(detailBytes)),
      Time: new Date(0),
      Resources: ['r'],
    });

    // Act / Assess
    expect(putEvents([sized(262_113)])).toBeUndefined();
    expect(putEvents([entry(), sized(262_114)])).toBe(
      `AwsLimitError: EventBridge PutEvents: entry 1 of 262,145 bytes; at most 256 KB (262,144 bytes) (${ENTRY_SIZE})`,
    );
  });
});

describe('the AWS limits guard on CloudWatch PutMetricData', () => {
  it('lets documented requests through', () => {
    expect(
      putMetrics([metric({ Values: [1, 2], Counts: [3, 4], Dimensions: [{ Name: 'service', Value: 'w' }] })]),
    ).toBeUndefined();
  });

  it('holds a request to 1,000 metrics', () => {
    expect(putMetrics(Array.from({ length: 1001 }, () => metric()))).toBe(
      `AwsLimitError: CloudWatch PutMetricData: 1,001 metrics; at most 1,000 (${PUT_METRIC_DATA})`,
    );
  });

  it('holds a metric to 30 dimensions and 150 values with as many counts', () => {
    const dimensions = Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
    expect(putMetrics([metric({ Dimensions: dimensions })])).toBe(
      `AwsLimitError: CloudWatch PutMetricData: metric 0 (RunsFailed): 31 dimensions; at most 30 (${PUT_METRIC_DATA})`,
    );
    expect(putMetrics([metric({ Value: undefined, Values: Array.from({ length: 151 }, () => 1) })])).toBe(
      `AwsLimitError: CloudWatch PutMetricData: metric 0 (RunsFailed): 151 values; at most 150 (${PUT_METRIC_DATA})`,
    );
    expect(putMetrics([metric({ Values: [1, 2], Counts: [1] })])).toBe(
      `AwsLimitError: CloudWatch PutMetricData: metric 0 (RunsFailed): 1 counts for 2 values; as many counts as values (${PUT_METRIC_DATA})`,
    );
  });

  it('refuses values CloudWatch cannot store', () => {
    expect(putMetrics([metric({ Value: Number.NaN })])).toBe(
      `AwsLimitError: CloudWatch PutMetricData: metric 0 (RunsFailed): value NaN; a finite value from -2^360 to 2^360 (${PUT_METRIC_DATA})`,
    );
    expect(putMetrics([metric({ Values: [2 ** 361] })])).toMatch(/a finite value from -2\^360 to 2\^360/);
  });

  it('holds a request to 1 MB', () => {
    const wide = (i: number) => metric({ MetricName: `m${i}`, Dimensions: [{ Name: 'd', Value: 'v'.repeat(1100) }] });
    expect(putMetrics(Array.from({ length: 1000 }, (_, i) => wide(i)))).toMatch(
      /^AwsLimitError: CloudWatch PutMetricData: a request of about 1,1\d\d,\d{3} bytes; at most 1 MB \(1,048,576 bytes\)/,
    );
  });
});
