import type { MetricDatum, PutMetricDataCommandInput } from '@aws-sdk/client-cloudwatch';
import { formatNumber, refuse, utf8Bytes, type OperationRule, type ServiceRules } from './limit-rules';

export const CLOUDWATCH_SOURCES = {
  putMetricData: 'https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/API_PutMetricData.html',
} as const;

const MAX_METRICS = 1000;
const MAX_DIMENSIONS = 30;
const MAX_VALUES = 150;
const MAX_REQUEST_BYTES = 1024 * 1024;
/** Values lie between -2^360 and 2^360; NaN and the infinities are refused. */
const MAX_MAGNITUDE = 2 ** 360;

function checkValue(value: number, what: string): void {
  if (!Number.isFinite(value) || Math.abs(value) > MAX_MAGNITUDE) {
    refuse(CLOUDWATCH_SOURCES.putMetricData, `${what} ${value}`, 'a finite value from -2^360 to 2^360');
  }
}

function checkDatum(datum: MetricDatum, index: number): void {
  const source = CLOUDWATCH_SOURCES.putMetricData;
  const what = `metric ${index} (${datum.MetricName ?? ''})`;
  const dimensions = datum.Dimensions ?? [];
  if (dimensions.length > MAX_DIMENSIONS)
    refuse(source, `${what}: ${dimensions.length} dimensions`, `at most ${MAX_DIMENSIONS}`);
  const values = datum.Values ?? [];
  const counts = datum.Counts;
  if (values.length > MAX_VALUES) refuse(source, `${what}: ${values.length} values`, `at most ${MAX_VALUES}`);
  if (counts !== undefined && counts.length > MAX_VALUES)
    refuse(source, `${what}: ${counts.length} counts`, `at most ${MAX_VALUES}`);
  if (counts !== undefined && counts.length !== values.length) {
    refuse(source, `${what}: ${counts.length} counts for ${values.length} values`, 'as many counts as values');
  }
  if (datum.Value !== undefined) checkValue(datum.Value, `${what}: value`);
  values.forEach((value) => checkValue(value, `${what}: value`));
}

/**
 * The request's size as its JSON: the SDK sends PutMetricData as AWS JSON 1.0, so this is the body's size up to
 * how timestamps are written (seconds there, ISO strings here).
 */
function approximateRequestBytes(input: PutMetricDataCommandInput): number {
  return utf8Bytes(JSON.stringify(input));
}

const putMetricData: OperationRule<PutMetricDataCommandInput> = (input) => {
  const source = CLOUDWATCH_SOURCES.putMetricData;
  const data = input.MetricData ?? [];
  if (data.length > MAX_METRICS)
    refuse(source, `${formatNumber(data.length)} metrics`, `at most ${formatNumber(MAX_METRICS)}`);
  data.forEach((datum, index) => checkDatum(datum, index));
  const bytes = approximateRequestBytes(input);
  if (bytes > MAX_REQUEST_BYTES) {
    refuse(
      source,
      `a request of about ${formatNumber(bytes)} bytes`,
      `at most 1 MB (${formatNumber(MAX_REQUEST_BYTES)} bytes)`,
    );
  }
};

export const CLOUDWATCH_RULES: ServiceRules = {
  service: 'CloudWatch',
  clientName: 'CloudWatchClient',
  operations: { PutMetricData: putMetricData },
};
