import type { DeadLetterNote, InboundMessage, MessageActions } from '../../../lib/ports/worker-message-actions';

/** The worker's message actions: keeps every retry and dead-letter copy. */
export class RecordingMessages implements MessageActions {
  readonly retries: { messageId: string; delaySeconds: number }[] = [];
  readonly deadLetters: { messageId: string; body: string; note: DeadLetterNote }[] = [];
  /** How many of the next deadLetter calls fail, as an SQS outage would. */
  failingDeadLetters = 0;

  retryLater(message: InboundMessage, delaySeconds: number): Promise<void> {
    this.retries.push({ messageId: message.messageId, delaySeconds });
    return Promise.resolve();
  }

  deadLetter(message: InboundMessage, note: DeadLetterNote): Promise<void> {
    if (this.failingDeadLetters > 0) {
      this.failingDeadLetters -= 1;
      return Promise.reject(Object.assign(new Error('injected'), { name: 'InternalError' }));
    }
    this.deadLetters.push({ messageId: message.messageId, body: message.body, note });
    return Promise.resolve();
  }
}
