import { TaskRegistry, type TaskDefinition } from '../../lib/domain/task';
import type { WebhookCaller } from '../../lib/ports/worker-webhook';
import type { ReportSink, SideEffectLog } from '../../lib/ports/worker-task-services';
import type { Clock } from '../../lib/ports/clock';
import { callEndpointTask } from './call-endpoint';
import { writeReportTask } from './write-report';
import { failNTimesTask, recordSideEffectTask, sleepTask } from './test-tasks';

/** What the tasks reach out to. The worker passes them; the API, which only validates payloads, need not. */
export interface TaskServices {
  readonly http: WebhookCaller;
  readonly reports: ReportSink;
  readonly clock: Clock;
  /** Test deployments only. */
  readonly sideEffects?: SideEffectLog;
}

export interface TaskRegistryOptions {
  /** Adds the test tasks (sleep, fail-n-times, record-side-effect); off in production. */
  readonly includeTestTasks: boolean;
  readonly services?: TaskServices;
}

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
