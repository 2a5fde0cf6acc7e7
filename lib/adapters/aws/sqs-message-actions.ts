import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DEAD_LETTER_ATTRIBUTES,
  type DeadLetterFailure,
  type DeadLetterNote,
  type InboundMessage,
  type MessageActions,
} from '../../ports/worker-message-actions';
import { MAX_RETRY_DELAY_SECONDS } from '../../schemas/job';

/** Attribute values are cut to this length, which keeps a copy far below SQS's 256 KiB message size. */
const MAX_TEXT_CHARS = 1024;
const MAX_ERROR_MESSAGE_CHARS = 1024;

const text = (value: string): MessageAttributeValue => ({
  DataType: 'String',
  StringValue: value.slice(0, MAX_TEXT_CHARS),
});

export class SqsMessageActions implements MessageActions {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
    private readonly deadLetterQueueUrl: string,
  ) {}

  async retryLater(message: InboundMessage, delaySeconds: number): Promise<void> {
    await this.client.send(
      new ChangeMessageVisibilityCommand({
        QueueUrl: this.queueUrl,
        ReceiptHandle: message.receiptHandle,
        VisibilityTimeout: Math.max(0, Math.min(MAX_RETRY_DELAY_SECONDS, Math.round(delaySeconds))),
      }),
    );
  }

  /**
   * The body stays the envelope as delivered; why it was moved travels in message attributes, which a redrive
   * (StartMessageMoveTask) keeps, so the worker can tell a redriven copy and the occurrence it belongs to. SQS takes
   * at most 10 attributes a message: the ones the worker reads back or an operator filters by stand alone, the rest
   * travel together as JSON in `sked-failure` (at most 8 in all).
   */
  async deadLetter(message: InboundMessage, note: DeadLetterNote): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      [DEAD_LETTER_ATTRIBUTES.reason]: text(note.reason),
      [DEAD_LETTER_ATTRIBUTES.detail]: text(note.detail),
    };
    if (note.jobId !== undefined) attributes[DEAD_LETTER_ATTRIBUTES.jobId] = text(note.jobId);
    if (note.runId !== undefined) attributes[DEAD_LETTER_ATTRIBUTES.runId] = text(note.runId);
    if (note.scheduledTime !== undefined) {
      attributes[DEAD_LETTER_ATTRIBUTES.scheduledTime] = text(note.scheduledTime.toISOString());
    }
    if (note.redrives !== undefined) {
      attributes[DEAD_LETTER_ATTRIBUTES.redrives] = { DataType: 'Number', StringValue: String(note.redrives) };
    }
    if (note.error !== undefined) attributes[DEAD_LETTER_ATTRIBUTES.errorCategory] = text(note.error.category);
    const failure: DeadLetterFailure = {
      sourceMessageId: message.messageId,
      receiveCount: message.receiveCount,
      ...(note.attempts !== undefined && { attempts: note.attempts }),
      ...(note.error !== undefined && {
        error: { class: note.error.class, message: note.error.message.slice(0, MAX_ERROR_MESSAGE_CHARS) },
      }),
    };
    attributes[DEAD_LETTER_ATTRIBUTES.failure] = { DataType: 'String', StringValue: JSON.stringify(failure) };
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: message.body,
        MessageAttributes: attributes,
      }),
    );
  }
}
