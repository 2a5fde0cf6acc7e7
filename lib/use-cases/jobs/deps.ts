import type { ScheduleTargetContext } from '../../domain/schedule-definition';
import type { TaskRegistry } from '../../domain/task';
import type { Clock, Ids } from '../../ports/clock';
import type { EventPublisher } from '../../ports/events';
import type { JobStore } from '../../ports/job-store';
import type { RunQueue } from '../../ports/queue';
import type { QueuedRuns } from '../../ports/run-ledger';
import type { Schedules } from '../../ports/schedules';
import type { UrlGuard } from '../../ports/url-guard';
import type { Job, JobPolicies } from '../../schemas/job';

/** Where use cases report what the client does not see (failed compensations, unpublished events). */
export interface UseCaseLog {
  warn(message: string, details: Record<string, unknown>): void;
  error(message: string, details: Record<string, unknown>): void;
}

/** Everything the jobs use cases depend on; the API's composition root builds it once per container. */
export interface JobsDeps {
  readonly store: JobStore;
  readonly schedules: Schedules;
  readonly runs: QueuedRuns;
  readonly queue: RunQueue;
  readonly events: EventPublisher;
  readonly clock: Clock;
  readonly ids: Ids;
  readonly tasks: TaskRegistry;
  readonly urlGuard: UrlGuard;
  /** The deployment's job defaults (APScheduler's job_defaults). */
  readonly defaults: JobPolicies;
  /** Where schedules deliver. */
  readonly target: ScheduleTargetContext;
  readonly log: UseCaseLog;
}

/** An If-Match precondition: the listed entity tags, or `*` (any current version). */
export type IfMatch = readonly string[] | '*';

/** Who asked, for `paused.by` and the lifecycle events. */
export interface RequestContext {
  readonly caller: string;
  /** `?force=true`: change (or delete) a job declared in code all the same. */
  readonly force?: boolean | undefined;
}

export interface JobWriteResult {
  readonly job: Job;
  /** True when the request created the job (201), false when it replaced one (200). */
  readonly created: boolean;
}
