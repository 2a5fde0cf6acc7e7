import type { ScheduleDefinition } from '../domain/schedule-definition';

/** What sked reads back of a schedule, to compare it with the job record. */
export interface ScheduleSnapshot {
  readonly name: string;
  readonly expression: string;
  readonly timezone: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly input: string;
  readonly targetArn: string;
  readonly flexibleWindowMinutes?: number;
  readonly startDate?: Date;
  readonly endDate?: Date;
  /** The rest of the definition, so drift in any field written by sked can be found. */
  readonly description?: string;
  readonly roleArn?: string;
  readonly actionAfterCompletion?: string;
  /** As Scheduler reports it: either field may be missing from what it returns. */
  readonly retryPolicy?: {
    readonly maximumEventAgeSeconds?: number | undefined;
    readonly maximumRetryAttempts?: number | undefined;
  };
  readonly deadLetterArn?: string;
}

/** EventBridge Scheduler, one schedule per job in the deployment's group. */
export interface Schedules {
  /** Creates or fully replaces the schedule (UpdateSchedule is a full replace). */
  put(definition: ScheduleDefinition): Promise<void>;
  get(name: string): Promise<ScheduleSnapshot | undefined>;
  /** Idempotent: deleting an absent schedule is not an error. */
  delete(name: string): Promise<void>;
  /** Every schedule name in the group. */
  listNames(): Promise<string[]>;
}
