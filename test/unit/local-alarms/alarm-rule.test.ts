import type { MetricAlarm } from '@aws-sdk/client-cloudwatch';
import { describe, expect, it } from 'vitest';
import { alarmRule } from '../../../scripts/local/alarms/local-alarms';
import { aggregate, SqsQueueMetrics } from '../../../scripts/local/alarms/metric-sources';

// What the local alarm evaluator reads from a described alarm, and which metrics its SQS stand-in produces.

const depthAlarm: MetricAlarm = {
  AlarmName: 'sked-local-JobsDlqDepth',
  Namespace: 'AWS/SQS',
  MetricName: 'ApproximateNumberOfMessagesVisible',
  Dimensions: [{ Name: 'QueueName', Value: 'sked-local-jobs-dlq' }],
  Statistic: 'Maximum',
  Period: 60,
  EvaluationPeriods: 3,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanOrEqualToThreshold',
  TreatMissingData: 'notBreaching',
};

function ruleOf(definition: ReturnType<typeof alarmRule>) {
  if (typeof definition === 'string') throw new Error(`not evaluated: ${definition}`);
  return definition.rule;
}

describe('an alarm definition', () => {
  it('takes datapoints to alarm from evaluation periods when the alarm sets none, as AWS does', () => {
    // Act
    const definition = alarmRule(depthAlarm);

    // Assess
    expect(definition).toEqual({
      rule: {
        periodSeconds: 60,
        evaluationPeriods: 3,
        datapointsToAlarm: 3,
        threshold: 1,
        comparison: 'GreaterThanOrEqualToThreshold',
        treatMissingData: 'notBreaching',
        statistic: 'Maximum',
      },
      metric: {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: [{ name: 'QueueName', value: 'sked-local-jobs-dlq' }],
        statistic: 'Maximum',
      },
    });
  });

  it('treats missing data as missing when the alarm does not say', () => {
    // Act
    const definition = alarmRule({ ...depthAlarm, TreatMissingData: undefined });

    // Assess
    expect(ruleOf(definition).treatMissingData).toBe('missing');
  });

  it('ignores missing data of an AWS/DynamoDB metric whatever the alarm says', () => {
    // Act
    const definition = alarmRule({ ...depthAlarm, Namespace: 'AWS/DynamoDB', MetricName: 'ThrottledRequests' });

    // Assess
    expect(ruleOf(definition).treatMissingData).toBe('ignore');
  });

  it('leaves a metric math alarm alone', () => {
    // Act
    const definition = alarmRule({
      ...depthAlarm,
      MetricName: undefined,
      Metrics: [{ Id: 'e1', Expression: 'IF(visible >= 1, age, 0)' }],
    });

    // Assess
    expect(definition).toBe('metric math alarms are not evaluated locally');
  });
});

describe('the SQS stand-in', () => {
  it('produces the two queue metrics sked alarms on, dimensioned by queue name alone', () => {
    // Prepare
    const queue = [{ name: 'QueueName', value: 'q' }];

    // Act
    const handled = [
      SqsQueueMetrics.handles({
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: queue,
      }),
      SqsQueueMetrics.handles({ namespace: 'AWS/SQS', metricName: 'ApproximateAgeOfOldestMessage', dimensions: queue }),
      SqsQueueMetrics.handles({ namespace: 'AWS/SQS', metricName: 'NumberOfMessagesSent', dimensions: queue }),
      SqsQueueMetrics.handles({
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: [],
      }),
      SqsQueueMetrics.handles({
        namespace: 'Sked',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: queue,
      }),
    ];

    // Assess
    expect(handled).toEqual([true, true, false, false, false]);
  });

  it("aggregates a period's samples by the alarm's statistic", () => {
    // Act
    const results = ['Maximum', 'Minimum', 'Sum', 'Average', 'SampleCount'].map((statistic) =>
      aggregate([2, 0, 4], statistic),
    );

    // Assess
    expect(results).toEqual([4, 0, 6, 2, 3]);
    expect(aggregate([], 'Maximum')).toBeUndefined();
    expect(() => aggregate([1], 'p99')).toThrow('the SQS stand-in has no p99 statistic');
  });
});
