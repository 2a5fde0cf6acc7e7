import type { EventPublisher, LifecycleEvent } from '../../../lib/ports/events';

/** The events bus: keeps every event published, in order. */
export class RecordingEventPublisher implements EventPublisher {
  readonly published: LifecycleEvent[] = [];
  /** Set to make every publish fail, as a bus outage would. */
  failWith: Error | undefined;
  publish(event: LifecycleEvent): Promise<void> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    this.published.push(event);
    return Promise.resolve();
  }
  types(): string[] {
    return this.published.map((event) => event.type);
  }
}
