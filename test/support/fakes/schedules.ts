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

type WriteOperation = 'put' | 'delete';

/** A schedule write held back before it lands, so that a test can let other writes land first. */
export interface HeldWrite {
  /** Resolves once the write has been called and is waiting. */
  readonly reached: Promise<void>;
  /** Lets the write land; the caller's promise then resolves. */
  release(): void;
}

interface Hold {
  readonly operation: WriteOperation;
  readonly name: string;
  readonly reach: () => void;
  readonly released: Promise<void>;
}

/** One schedule group in memory: keeps each full definition written, and every call in order. */
export class InMemorySchedules implements Schedules {
  readonly definitions = new Map<string, ScheduleDefinition>();
  readonly calls: { operation: WriteOperation; name: string }[] = [];
  /** Called before every put; throw from it to simulate a Scheduler failure. */
  beforePut: (definition: ScheduleDefinition) => void = () => undefined;
  beforeDelete: (name: string) => void = () => undefined;
  private readonly holds: Hold[] = [];

  constructor(readonly groupName: string) {}

  /** Holds the next `operation` on the schedule `name` until released: it lands when the test says, not at once. */
  hold(operation: WriteOperation, name: string): HeldWrite {
    let reach = (): void => undefined;
    let release = (): void => undefined;
    const reached = new Promise<void>((resolve) => (reach = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.holds.push({ operation, name, reach, released });
    return { reached, release };
  }

  /** Lands a write now, or once its hold is released. */
  private land(operation: WriteOperation, name: string, write: () => void): Promise<void> {
    const index = this.holds.findIndex((hold) => hold.operation === operation && hold.name === name);
    const [hold] = index === -1 ? [] : this.holds.splice(index, 1);
    if (hold === undefined) {
      write();
      return Promise.resolve();
    }
    hold.reach();
    return hold.released.then(write);
  }

  put(definition: ScheduleDefinition): Promise<void> {
    this.calls.push({ operation: 'put', name: definition.Name });
    try {
      this.beforePut(definition);
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    if (definition.GroupName !== this.groupName) return Promise.reject(missingGroup(definition.GroupName));
    return this.land('put', definition.Name, () => this.definitions.set(definition.Name, definition));
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
    return this.land('delete', name, () => this.definitions.delete(name));
  }

  listNames(): Promise<string[]> {
    return Promise.resolve([...this.definitions.keys()]);
  }
}
