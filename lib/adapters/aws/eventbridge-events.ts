import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { EventPublisher, LifecycleEvent } from '../../ports/events';

export const EVENT_SOURCE = 'sked';

export class EventBridgePublisher implements EventPublisher {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly busName: string,
  ) {}

  async publish(event: LifecycleEvent): Promise<void> {
    const result = await this.client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.busName,
            Source: EVENT_SOURCE,
            DetailType: event.type,
            Detail: JSON.stringify({ jobId: event.jobId, ...event.detail }),
          },
        ],
      }),
    );
    if ((result.FailedEntryCount ?? 0) > 0) {
      const entry = result.Entries?.[0];
      throw new Error(
        `events bus refused ${event.type} for ${event.jobId}: ${entry?.ErrorCode} ${entry?.ErrorMessage}`,
      );
    }
  }
}
