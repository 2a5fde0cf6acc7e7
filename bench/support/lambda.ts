import { randomUUID } from 'node:crypto';
import type { Message } from '@aws-sdk/client-sqs';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { REGION } from './clients';

export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

/** A Lambda context for in-process invocations, with a deadline like the function's timeout. */
export function lambdaContext(functionName: string, timeoutMs: number, memoryMb = 512): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${REGION}:000000000000:function:${functionName}`,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'bench',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** The record the SQS event source mapping hands to Lambda for a received message. */
export function sqsRecord(message: Message, queueArn: string): SQSRecord {
  const attributes = message.Attributes ?? {};
  const now = String(Date.now());
  return {
    messageId: message.MessageId ?? randomUUID(),
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: attributes.ApproximateReceiveCount ?? '1',
      SentTimestamp: attributes.SentTimestamp ?? now,
      SenderId: attributes.SenderId ?? 'bench',
      ApproximateFirstReceiveTimestamp: attributes.ApproximateFirstReceiveTimestamp ?? now,
    },
    messageAttributes: {},
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: REGION,
  };
}

/** A synthetic record (no queue behind it), for the in-process CPU measurements. */
export function syntheticRecord(body: string, queueArn: string, receiveCount = 1): SQSRecord {
  return sqsRecord(
    {
      MessageId: randomUUID(),
      ReceiptHandle: `rh-${randomUUID()}`,
      Body: body,
      Attributes: { ApproximateReceiveCount: String(receiveCount), SentTimestamp: String(Date.now()) },
    },
    queueArn,
  );
}

/**
 * Captures what the code under test writes to stdout and stderr (Powertools loggers and EMF metrics write there; in
 * Lambda both go to CloudWatch Logs), so the bench can count log bytes without printing them.
 */
export class OutputCapture {
  private bytes = 0;
  private lines = 0;
  private readonly originals = new Map<NodeJS.WriteStream, typeof process.stdout.write>();
  /** Concurrent invocations each start and stop the capture; the streams are restored after the last stops. */
  private active = 0;

  start(): void {
    this.active += 1;
    if (this.active > 1) return;
    for (const stream of [process.stdout, process.stderr]) {
      if (this.originals.has(stream)) continue;
      this.originals.set(stream, stream.write.bind(stream));
      const capture = (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
        const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
        this.bytes += Buffer.byteLength(text);
        this.lines += text.split('\n').filter((line) => line.length > 0).length;
        const callback = rest.find((arg) => typeof arg === 'function');
        if (typeof callback === 'function') (callback as () => void)();
        return true;
      };
      stream.write = capture;
    }
  }

  stop(): void {
    this.active = Math.max(0, this.active - 1);
    if (this.active > 0) return;
    for (const [stream, write] of this.originals) stream.write = write;
    this.originals.clear();
  }

  take(): { bytes: number; lines: number } {
    const taken = { bytes: this.bytes, lines: this.lines };
    this.bytes = 0;
    this.lines = 0;
    return taken;
  }
}
