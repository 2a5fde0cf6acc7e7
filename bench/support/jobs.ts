import type { Job } from '../../lib/schemas/job';

/** The test-registry task both workers run: it records one side effect per execution (the history check). */
export const BENCH_TASK = 'test.record-side-effect';

export interface BenchJobOptions {
  readonly failures?: number;
  readonly maxAttempts?: number;
  readonly state?: Job['state'];
  readonly maxConcurrent?: number;
  readonly retryDelaySeconds?: number;
}

/**
 * A job whose scheduled runs are never judged late or coalesced, so every delivered occurrence runs: the bench
 * measures the worker, not the policies' verdicts.
 */
export function benchJob(id: string, options: BenchJobOptions = {}): Job {
  const at = new Date('2026-01-01T00:00:00Z').toISOString();
  return {
    id,
    name: id,
    group: 'bench',
    trigger: { type: 'cron', expression: '0 0 1 1 *', timezone: 'UTC' },
    jitterMinutes: 0,
    target: { type: 'task', task: BENCH_TASK, payload: { failures: options.failures ?? 0 } },
    retry: {
      maxAttempts: options.maxAttempts ?? 3,
      initialSeconds: options.retryDelaySeconds ?? 30,
      multiplier: 2,
      maxSeconds: 3600,
    },
    misfireGraceSeconds: 86_400,
    coalesce: false,
    maxConcurrent: options.maxConcurrent ?? 1,
    slotsHighWater: options.maxConcurrent ?? 1,
    overlap: 'skip',
    tags: [],
    state: options.state ?? 'enabled',
    version: 1,
    createdAt: at,
    updatedAt: at,
  };
}

/** The envelope EventBridge Scheduler delivers for one occurrence. */
export function scheduledEnvelope(jobId: string, scheduledTime: Date): string {
  return JSON.stringify({ v: 1, jobId, kind: 'schedule', scheduledTime: scheduledTime.toISOString() });
}
