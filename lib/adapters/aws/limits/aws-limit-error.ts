/**
 * A request AWS would refuse, stopped before it is sent. The message names the service and operation, what the
 * request holds, the limit and the AWS page it comes from:
 *
 *   AwsLimitError: SQS SendMessage: 12 message attributes; at most 10 (https://docs.aws.amazon.com/...)
 */
export class AwsLimitError extends Error {
  override readonly name = 'AwsLimitError';

  constructor(
    /** e.g. `SQS`, `DynamoDB` */
    readonly service: string,
    /** e.g. `SendMessage` */
    readonly operation: string,
    /** What the request holds, e.g. `12 message attributes`. */
    readonly detail: string,
    /** What AWS allows, e.g. `at most 10`. */
    readonly limit: string,
    /** The AWS documentation page the limit comes from. */
    readonly source: string,
  ) {
    super(`${service} ${operation}: ${detail}; ${limit} (${source})`);
  }
}
