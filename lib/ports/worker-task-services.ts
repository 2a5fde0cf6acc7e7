import type { TaskRegistry } from '../domain/task';
import type { Clock } from './clock';
import type { WebhookCaller } from './worker-webhook';

/** A report item written by the example report task. */
export interface Report {
  readonly jobId: string;
  readonly runId: string;
  readonly title: string;
  readonly body: Readonly<Record<string, unknown>>;
  readonly generatedAt: Date;
}

export interface ReportSink {
  /** Idempotent per (jobId, runId): a repeated write of the same run's report keeps the first. */
  put(report: Report): Promise<void>;
}

/** Test-only: counts each execution of a run, so the history check can find a run that executed twice. */
export interface SideEffectLog {
  record(jobId: string, runId: string, note: string): Promise<void>;
  count(jobId: string, runId: string): Promise<number>;
}

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

/** Builds the registry of the tasks jobs can run (the deployment's own, in functions/tasks). */
export type TaskRegistryFactory = (options: TaskRegistryOptions) => TaskRegistry;
