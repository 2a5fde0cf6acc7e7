import type { ScheduleDefinition } from '../../../lib/domain/schedule-definition';
import type { ScheduleSnapshot, Schedules } from '../../../lib/ports/schedules';

export function snapshotOf(definition: ScheduleDefinition): ScheduleSnapshot {
  return {
    name: definition.Name,
    expression: definition.ScheduleExpression,
    timezone: definition.ScheduleExpressionTimezone,
    state: definition.State,
    input: definition.Target.Input,
    targetArn: definition.Target.Arn,
    ...(definition.FlexibleTimeWindow.Mode === 'FLEXIBLE' && {
      flexibleWindowMinutes: definition.FlexibleTimeWindow.MaximumWindowInMinutes,
    }),
    ...(definition.StartDate !== undefined && { startDate: definition.StartDate }),
    ...(definition.EndDate !== undefined && { endDate: definition.EndDate }),
    ...(definition.Description !== undefined && { description: definition.Description }),
    roleArn: definition.Target.RoleArn,
    actionAfterCompletion: definition.ActionAfterCompletion,
    retryPolicy: {
      maximumEventAgeSeconds: definition.Target.RetryPolicy.MaximumEventAgeInSeconds,
      maximumRetryAttempts: definition.Target.RetryPolicy.MaximumRetryAttempts,
    },
    deadLetterArn: definition.Target.DeadLetterConfig.Arn,
  };
}

/** Scheduler's answer to a write into a group that does not exist. */
function missingGroup(groupName: string): Error {
  return Object.assign(new Error(`Schedule group ${groupName} does not exist.`), {
    name: 'ResourceNotFoundException',
  });
}

/** One schedule group in memory: keeps each full definition written, and every call in order. */
export class InMemorySchedules implements Schedules {
  readonly definitions = new Map<string, ScheduleDefinition>();
  readonly calls: { operation: 'put' | 'delete'; name: string }[] = [];
  /** Called before every put; throw from it to simulate a Scheduler failure. */
  beforePut: (definition: ScheduleDefinition) => void = () => undefined;
  beforeDelete: (name: string) => void = () => undefined;

  constructor(readonly groupName: string) {}

  put(definition: ScheduleDefinition): Promise<void> {
    this.calls.push({ operation: 'put', name: definition.Name });
    try {
      this.beforePut(definition);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (definition.GroupName !== this.groupName) return Promise.reject(missingGroup(definition.GroupName));
    this.definitions.set(definition.Name, definition);
    return Promise.resolve();
  }

  get(name: string): Promise<ScheduleSnapshot | undefined> {
    const definition = this.definitions.get(name);
    return Promise.resolve(definition === undefined ? undefined : snapshotOf(definition));
  }

  /** Idempotent, as the adapter: deleting an absent schedule is not an error. */
  delete(name: string): Promise<void> {
    this.calls.push({ operation: 'delete', name });
    try {
      this.beforeDelete(name);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    this.definitions.delete(name);
    return Promise.resolve();
  }

  listNames(): Promise<string[]> {
    return Promise.resolve([...this.definitions.keys()]);
  }
}
