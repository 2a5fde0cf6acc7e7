import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
  type Message,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type {
  DeadLetterAttribute,
  DeadLetterDepth,
  DeadLetterQueue,
  DeadLetterQueues,
  DeadLetterReceive,
  HeldDeadLetter,
  RemoveFailure,
} from '../../ports/dead-letters';

/** SQS batch calls take at most 10 entries. */
const BATCH_LIMIT = 10;

export interface DeadLetterQueueUrls {
  readonly jobs: string;
  readonly delivery: string;
  /** Where a redrive sends messages. */
  readonly jobsQueue: string;
}

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += BATCH_LIMIT) out.push(items.slice(start, start + BATCH_LIMIT));
  return out;
}

const count = (text: string | undefined): number => {
  const value = Number(text ?? '0');
  return Number.isFinite(value) && value >= 0 ? Math.floor(value) : 0;
};

function attributesOf(message: Message): Record<string, DeadLetterAttribute> {
  const attributes: Record<string, DeadLetterAttribute> = {};
  for (const [name, value] of Object.entries(message.MessageAttributes ?? {})) {
    attributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
      ...(value.BinaryValue !== undefined && { binaryValue: value.BinaryValue }),
    };
  }
  return attributes;
}

function toSqsAttributes(attributes: Readonly<Record<string, DeadLetterAttribute>>) {
  const out: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes)) {
    out[name] = {
      DataType: value.dataType,
      ...(value.stringValue !== undefined && { StringValue: value.stringValue }),
      ...(value.binaryValue !== undefined && { BinaryValue: value.binaryValue }),
    };
  }
  return out;
}

/**
 * The jobs DLQ and the delivery DLQ over SQS. Receives hide messages for a given time rather than consume them;
 * release and remove work in batches of 10 (ChangeMessageVisibilityBatch to 0, DeleteMessageBatch); a move is a
 * SendMessage of the same body and attributes to the jobs queue, which is what StartMessageMoveTask does and what
 * works the same on the local cloud, which lacks it.
 */
export class SqsDeadLetterQueues implements DeadLetterQueues {
  constructor(
    private readonly client: SQSClient,
    private readonly urls: DeadLetterQueueUrls,
  ) {}

  async receive(queue: DeadLetterQueue, request: DeadLetterReceive): Promise<HeldDeadLetter[]> {
    const { Messages = [] } = await this.client.send(
      new ReceiveMessageCommand({
        QueueUrl: this.urls[queue],
        MaxNumberOfMessages: request.max,
        VisibilityTimeout: request.hideSeconds,
        WaitTimeSeconds: request.waitSeconds,
        MessageAttributeNames: ['All'],
        MessageSystemAttributeNames: ['SentTimestamp', 'ApproximateReceiveCount'],
      }),
    );
    return Messages.flatMap((message) => {
      if (message.MessageId === undefined || message.ReceiptHandle === undefined) return [];
      const sentMs = Number(message.Attributes?.SentTimestamp);
      return [
        {
          queue,
          messageId: message.MessageId,
          receiptHandle: message.ReceiptHandle,
          body: message.Body ?? '',
          attributes: attributesOf(message),
          sentAt: new Date(Number.isFinite(sentMs) ? sentMs : 0),
          receiveCount: count(message.Attributes?.ApproximateReceiveCount),
        },
      ];
    });
  }

  async release(letters: readonly HeldDeadLetter[]): Promise<void> {
    for (const [queue, group] of this.byQueue(letters)) {
      for (const batch of chunks(group)) {
        // Entries SQS refuses (a receipt that is no longer valid) are messages visible again or deleted already.
        await this.client.send(
          new ChangeMessageVisibilityBatchCommand({
            QueueUrl: this.urls[queue],
            Entries: batch.map((letter, index) => ({
              Id: String(index),
              ReceiptHandle: letter.receiptHandle,
              VisibilityTimeout: 0,
            })),
          }),
        );
      }
    }
  }

  async remove(letters: readonly HeldDeadLetter[]): Promise<RemoveFailure[]> {
    const failures: RemoveFailure[] = [];
    for (const [queue, group] of this.byQueue(letters)) {
      for (const batch of chunks(group)) {
        const { Failed = [] } = await this.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: this.urls[queue],
            Entries: batch.map((letter, index) => ({ Id: String(index), ReceiptHandle: letter.receiptHandle })),
          }),
        );
        for (const entry of Failed) {
          const letter = batch[Number(entry.Id)];
          if (letter === undefined) continue;
          failures.push({
            messageId: letter.messageId,
            reason: `${entry.Code ?? 'unknown'}: ${entry.Message ?? 'not deleted'}`,
          });
        }
      }
    }
    return failures;
  }

  async sendToJobsQueue(letter: HeldDeadLetter): Promise<void> {
    const attributes = toSqsAttributes(letter.attributes);
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.urls.jobsQueue,
        MessageBody: letter.body,
        ...(Object.keys(attributes).length > 0 && { MessageAttributes: attributes }),
      }),
    );
  }

  async depth(queue: DeadLetterQueue): Promise<DeadLetterDepth> {
    const { Attributes = {} } = await this.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: this.urls[queue],
        AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
      }),
    );
    return {
      visible: count(Attributes.ApproximateNumberOfMessages),
      inFlight: count(Attributes.ApproximateNumberOfMessagesNotVisible),
    };
  }

  private byQueue(letters: readonly HeldDeadLetter[]): Map<DeadLetterQueue, HeldDeadLetter[]> {
    const groups = new Map<DeadLetterQueue, HeldDeadLetter[]>();
    for (const letter of letters) groups.set(letter.queue, [...(groups.get(letter.queue) ?? []), letter]);
    return groups;
  }
}
