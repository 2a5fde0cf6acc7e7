export type JobEventType = 'JobCreated' | 'JobUpdated' | 'JobPaused' | 'JobResumed' | 'JobDeleted' | 'JobCompleted';
export type RunEventType =
  'RunSucceeded' | 'RunFailed' | 'RunRetrying' | 'RunMissed' | 'RunSkipped' | 'RunDeadLettered';

export interface LifecycleEvent {
  readonly type: JobEventType | RunEventType;
  readonly jobId: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The events bus: APScheduler's listeners, as EventBridge rules (docs/design.md#listeners). */
export interface EventPublisher {
  publish(event: LifecycleEvent): Promise<void>;
}
