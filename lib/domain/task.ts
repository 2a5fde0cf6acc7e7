import type * as z from 'zod';

/** What a task sees of the run it serves. */
export interface TaskContext {
  readonly jobId: string;
  readonly runId: string;
  readonly scheduledTime: Date;
  readonly attempt: number;
  /** Aborted when the task's time is up; long work should pass it on (fetch, SDK calls). */
  readonly signal: AbortSignal;
}

export interface TaskDefinition<Schema extends z.ZodType = z.ZodType, Result = unknown> {
  readonly name: string;
  readonly description: string;
  readonly payload: Schema;
  readonly timeoutSeconds: number;
  /** Test tasks are left out of production registries. */
  readonly testOnly?: boolean;
  run(payload: z.output<Schema>, context: TaskContext): Promise<Result>;
}

/** Declares a task jobs can run; the payload schema is checked at registration (API) and again at run time (worker). */
export function defineTask<Schema extends z.ZodType, Result>(
  definition: TaskDefinition<Schema, Result>,
): TaskDefinition<Schema, Result> {
  return definition;
}

/** The tasks a deployment knows, by name. Shared by the API (validation at registration) and the worker. */
export class TaskRegistry {
  private readonly byName: ReadonlyMap<string, TaskDefinition>;

  constructor(tasks: readonly TaskDefinition[]) {
    const byName = new Map<string, TaskDefinition>();
    for (const task of tasks) {
      if (byName.has(task.name)) throw new Error(`task ${task.name} is defined twice`);
      byName.set(task.name, task);
    }
    this.byName = byName;
  }

  get(name: string): TaskDefinition | undefined {
    return this.byName.get(name);
  }

  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  all(): TaskDefinition[] {
    return this.names()
      .map((name) => this.byName.get(name))
      .filter((task) => task !== undefined);
  }
}
