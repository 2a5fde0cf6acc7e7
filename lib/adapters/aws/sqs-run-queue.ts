import { SendMessageCommand, type SQSClient } from '@aws-sdk/client-sqs';
import type { RunQueue } from '../../ports/queue';
import type { RunEnvelope } from '../../schemas/envelope';

export class SqsRunQueue implements RunQueue {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async send(envelope: RunEnvelope): Promise<void> {
    await this.client.send(new SendMessageCommand({ QueueUrl: this.queueUrl, MessageBody: JSON.stringify(envelope) }));
  }
}
