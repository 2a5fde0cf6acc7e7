import { TaskRegistry, type TaskDefinition } from '../../lib/domain/task';
import type { TaskRegistryOptions } from '../../lib/ports/worker-task-services';
import { callEndpointTask } from './call-endpoint';
import { writeReportTask } from './write-report';
import { failNTimesTask, recordSideEffectTask, sleepTask } from './test-tasks';

export type { TaskRegistryOptions, TaskServices } from '../../lib/ports/worker-task-services';

/** The tasks jobs can run, shared by the API (payload validation at registration) and the worker. */
export function taskRegistry(options: TaskRegistryOptions): TaskRegistry {
  const services = () => {
    if (options.services === undefined) throw new Error('tasks run only in the worker, which passes their services');
    return options.services;
  };
  const tasks: TaskDefinition[] = [callEndpointTask(services), writeReportTask(services)];
  if (options.includeTestTasks) {
    tasks.push(sleepTask(), failNTimesTask(), recordSideEffectTask(services));
  }
  return new TaskRegistry(tasks);
}
