import {
  ChangeMessageVisibilityCommand,
  SendMessageCommand,
  type MessageAttributeValue,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import {
  DEAD_LETTER_ATTRIBUTES,
  type DeadLetterNote,
  type InboundMessage,
  type MessageActions,
} from '../../ports/worker-message-actions';

/** ChangeMessageVisibility's ceiling. */
const MAX_VISIBILITY_SECONDS = 43_200;

const text = (value: string): MessageAttributeValue => ({ DataType: 'String', StringValue: value.slice(0, 1024) });

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
        VisibilityTimeout: Math.max(0, Math.min(MAX_VISIBILITY_SECONDS, Math.round(delaySeconds))),
      }),
    );
  }

  /**
   * The body stays the envelope as delivered; why it was moved travels in message attributes, which a redrive
   * (StartMessageMoveTask) keeps, so the worker can tell a redriven copy and the occurrence it belongs to.
   */
  async deadLetter(message: InboundMessage, note: DeadLetterNote): Promise<void> {
    const attributes: Record<string, MessageAttributeValue> = {
      [DEAD_LETTER_ATTRIBUTES.reason]: text(note.reason),
      'sked-detail': text(note.detail),
      'sked-source-message-id': text(message.messageId),
      'sked-receive-count': { DataType: 'Number', StringValue: String(message.receiveCount) },
    };
    if (note.jobId !== undefined) attributes['sked-job-id'] = text(note.jobId);
    if (note.runId !== undefined) attributes[DEAD_LETTER_ATTRIBUTES.runId] = text(note.runId);
    if (note.scheduledTime !== undefined) {
      attributes[DEAD_LETTER_ATTRIBUTES.scheduledTime] = text(note.scheduledTime.toISOString());
    }
    if (note.redrives !== undefined) {
      attributes[DEAD_LETTER_ATTRIBUTES.redrives] = { DataType: 'Number', StringValue: String(note.redrives) };
    }
    if (note.attempts !== undefined)
      attributes['sked-attempts'] = { DataType: 'Number', StringValue: String(note.attempts) };
    if (note.error !== undefined) {
      attributes['sked-error-class'] = text(note.error.class);
      attributes['sked-error-message'] = text(note.error.message);
      attributes['sked-error-category'] = text(note.error.category);
    }
    await this.client.send(
      new SendMessageCommand({
        QueueUrl: this.deadLetterQueueUrl,
        MessageBody: message.body,
        MessageAttributes: attributes,
      }),
    );
  }
}
