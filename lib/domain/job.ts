import {
  JOBS_QUEUE_RETENTION_SECONDS,
  MAX_TOTAL_RETRY_DELAY_SECONDS,
  type Job,
  type JobPolicies,
  type ParsedJobInput,
} from '../schemas/job';
import { ValidationError, type FieldIssue } from './errors';
import { precisionIssues } from './precision';
import { planSchedule } from './schedule-expression';

/** The zone a job's trigger reads its times in (an interval counts in UTC). */
export function triggerZoneOf(job: Pick<Job, 'trigger'>): string {
  return job.trigger.type === 'interval' ? 'UTC' : (job.trigger.timezone ?? 'UTC');
}

export interface JobContext {
  readonly now: Date;
  /** Used when the input has no id. */
  readonly newId: () => string;
  /** The deployment's job defaults (APScheduler's job_defaults). */
  readonly defaults: JobPolicies;
}

/**
 * Turns a parsed client input into a complete job, with every default applied, or throws a ValidationError
 * naming each field EventBridge Scheduler could not represent at the job's precision.
 */
export function buildJob(input: ParsedJobInput, context: JobContext, previous?: Job): Job {
  const issues: FieldIssue[] = [];
  const collect = (check: () => void) => {
    try {
      check();
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      issues.push(...error.issues);
    }
  };

  collect(() => {
    planSchedule(input.trigger, context.now);
    issues.push(
      ...precisionIssues({
        trigger: input.trigger,
        jitterMinutes: input.jitterMinutes ?? 0,
        ...(input.precision !== undefined && { precision: input.precision }),
      }),
    );
  });
  if (
    input.startAt !== undefined &&
    input.endAt !== undefined &&
    Date.parse(input.endAt) <= Date.parse(input.startAt)
  ) {
    issues.push({ path: 'endAt', message: 'endAt must be after startAt' });
  }
  if (input.endAt !== undefined && Date.parse(input.endAt) <= context.now.getTime()) {
    issues.push({ path: 'endAt', message: 'endAt is in the past: the job would never run' });
  }
  const retry = { ...context.defaults.retry, ...definedFields(input.retry) };
  if (retry.maxSeconds < retry.initialSeconds) {
    issues.push({ path: 'retry.maxSeconds', message: 'maxSeconds must be at least initialSeconds' });
  }
  const totalDelaySeconds = totalRetryDelaySeconds(retry);
  if (totalDelaySeconds > MAX_TOTAL_RETRY_DELAY_SECONDS) {
    issues.push({
      path: 'retry',
      message:
        `the retry delays add up to ${totalDelaySeconds} s; at most ${MAX_TOTAL_RETRY_DELAY_SECONDS} s, so that the ` +
        `run's message outlives them in the jobs queue (kept ${JOBS_QUEUE_RETENTION_SECONDS} s): lower maxAttempts, ` +
        'initialSeconds, multiplier or maxSeconds',
    });
  }
  if (issues.length > 0) throw new ValidationError(issues);

  const id = input.id ?? previous?.id ?? context.newId();
  const maxConcurrent = input.maxConcurrent ?? context.defaults.maxConcurrent;
  const now = context.now.toISOString();
  return {
    id,
    name: input.name ?? id,
    description: input.description,
    group: input.group ?? 'default',
    trigger: input.trigger,
    startAt: input.startAt,
    endAt: input.endAt,
    jitterMinutes: input.jitterMinutes ?? 0,
    target: input.target,
    retry,
    misfireGraceSeconds: input.misfireGraceSeconds ?? context.defaults.misfireGraceSeconds,
    coalesce: input.coalesce ?? context.defaults.coalesce,
    maxConcurrent,
    slotsHighWater: Math.max(maxConcurrent, previous?.slotsHighWater ?? previous?.maxConcurrent ?? maxConcurrent),
    overlap: input.overlap ?? context.defaults.overlap,
    precision: input.precision,
    managedBy: input.managedBy,
    tags: [...new Set(input.tags ?? [])],
    state: previous?.state === 'paused' ? 'paused' : 'enabled',
    paused: previous?.state === 'paused' ? previous.paused : undefined,
    version: (previous?.version ?? 0) + 1,
    createdAt: previous?.createdAt ?? now,
    updatedAt: now,
  };
}

/** Delay before attempt `nextAttempt` (2 = first retry): initial * multiplier^(n-2), capped. */
export function retryDelaySeconds(retry: JobPolicies['retry'], nextAttempt: number): number {
  const exponent = Math.max(0, nextAttempt - 2);
  return Math.min(retry.maxSeconds, Math.round(retry.initialSeconds * retry.multiplier ** exponent));
}

/** The delays before attempts 2 .. maxAttempts, added up: how long the retries of one run wait in all. */
export function totalRetryDelaySeconds(retry: JobPolicies['retry']): number {
  let total = 0;
  for (let attempt = 2; attempt <= retry.maxAttempts; attempt += 1) total += retryDelaySeconds(retry, attempt);
  return total;
}

export function etagOf(job: Pick<Job, 'id' | 'version'>): string {
  return `"${job.id}.v${job.version}"`;
}

/** The fields of `value` that hold something, so that spreading them over defaults never sets a default to undefined. */
function definedFields<T extends object>(value: T | undefined): { [K in keyof T]?: Exclude<T[K], undefined> } {
  const entries = Object.entries(value ?? {}).filter(([, field]) => field !== undefined);
  return Object.fromEntries(entries) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
