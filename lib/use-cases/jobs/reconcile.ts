import { ValidationError } from '../../domain/errors';
import { effectivePrecision } from '../../domain/precision';
import { occurrenceBounds, TICK_LEAD_MS } from '../../domain/tick';
import { ratePeriodMsOf, toScheduleDefinition, type ScheduleDefinition } from '../../domain/schedule-definition';
import type { ScheduleSnapshot } from '../../ports/schedules';
import type { Job } from '../../schemas/job';
import { settleSchedule, type ScheduleWriteDeps } from './settle-schedule';

export interface ReconcileAction {
  readonly id: string;
  readonly action: 'created' | 'rewritten' | 'deleted';
  readonly reason: string;
}

export interface ReconcileReport {
  readonly jobsChecked: number;
  readonly schedulesChecked: number;
  /** What was repaired. Empty when the table and the schedules agreed. */
  readonly fixed: readonly ReconcileAction[];
  /** Jobs left alone on purpose, e.g. a date job whose time passed before it was marked completed. */
  readonly skipped: readonly { readonly id: string; readonly reason: string }[];
  readonly failed: readonly {
    readonly id: string;
    readonly action: ReconcileAction['action'];
    readonly error: string;
  }[];
}

type ReconcileDeps = ScheduleWriteDeps;

const PAGE = 100;

async function allJobs(deps: ReconcileDeps): Promise<Job[]> {
  const jobs: Job[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list({ limit: PAGE, ...(cursor !== undefined && { cursor }) });
    jobs.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return jobs;
}

const sameInstant = (a: Date | undefined, b: Date | undefined): boolean => a?.getTime() === b?.getTime();

function sameJson(a: string, b: string): boolean {
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}

/**
 * Whether a live schedule's StartDate means what the wanted one means. Once a StartDate has passed it only sets a
 * rate schedule's phase: a cron or date schedule that started is the same as one without StartDate, and a rate
 * schedule that started is the same as one whose StartDate lies on its grid (docs/design.md#start-dates).
 */
function sameStart(
  actual: Date | undefined,
  wanted: Date | undefined,
  ratePeriodMs: number | undefined,
  now: Date,
): boolean {
  if (sameInstant(actual, wanted)) return true;
  if (actual === undefined || actual.getTime() > now.getTime()) return false;
  if (ratePeriodMs === undefined) return wanted === undefined;
  return wanted !== undefined && (wanted.getTime() - actual.getTime()) % ratePeriodMs === 0;
}

/** The fields in which a live schedule differs from the definition the job record implies. */
export function scheduleDifferences(
  actual: ScheduleSnapshot,
  wanted: ScheduleDefinition,
  context: { readonly ratePeriodMs?: number | undefined; readonly now: Date },
): string[] {
  const window =
    wanted.FlexibleTimeWindow.Mode === 'FLEXIBLE' ? wanted.FlexibleTimeWindow.MaximumWindowInMinutes : undefined;
  const checks: [string, boolean][] = [
    ['expression', actual.expression === wanted.ScheduleExpression],
    ['timezone', actual.timezone === wanted.ScheduleExpressionTimezone],
    ['state', actual.state === wanted.State],
    ['input', sameJson(actual.input, wanted.Target.Input)],
    ['target', actual.targetArn === wanted.Target.Arn],
    ['flexibleWindow', (actual.flexibleWindowMinutes ?? undefined) === window],
    ['startDate', sameStart(actual.startDate, wanted.StartDate, context.ratePeriodMs, context.now)],
    ['endDate', sameInstant(actual.endDate, wanted.EndDate)],
    // An unset description may read back as ''.
    ['description', (actual.description ?? '') === (wanted.Description ?? '')],
    ['role', actual.roleArn === wanted.Target.RoleArn],
    ['actionAfterCompletion', actual.actionAfterCompletion === wanted.ActionAfterCompletion],
    [
      'retryPolicy',
      actual.retryPolicy?.maximumEventAgeSeconds === wanted.Target.RetryPolicy.MaximumEventAgeInSeconds &&
        actual.retryPolicy.maximumRetryAttempts === wanted.Target.RetryPolicy.MaximumRetryAttempts,
    ],
    ['deadLetter', actual.deadLetterArn === wanted.Target.DeadLetterConfig.Arn],
  ];
  return checks.filter(([, same]) => !same).map(([field]) => field);
}

const message = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * Finds and repairs drift between the jobs table (the source of truth) and the schedule group:
 * - an enabled or paused job without a schedule gets one (e.g. a create whose compensation failed);
 * - a schedule that differs from its job's definition is rewritten in full;
 * - a schedule with no job (e.g. a delete whose schedule delete failed), or of a completed job, is deleted.
 *
 * Schedules are listed before jobs: a job created in between then looks "missing" and is written again with the
 * same definition (harmless), whereas listing jobs first would make its fresh schedule look like an orphan. An
 * orphan is re-read from the table before it is deleted, for the same reason. Each repair is followed by another
 * read of the job (settleSchedule), so a change the API committed after that re-read is not overwritten by the
 * repair landing after it. One failure does not stop the run.
 */
/**
 * A second-precision date job's tick schedule deletes itself after its last tick, which comes up to TICK_LEAD_MS
 * before the date, once the occurrence is on the queue: missing then, it is not drift (docs/design.md#second-precision).
 */
function tickScheduleMayHaveEnded(job: Job, now: Date): boolean {
  if (job.trigger.type !== 'date' || effectivePrecision(job) !== 'second') return false;
  const { first } = occurrenceBounds(job);
  return first !== undefined && first.getTime() - now.getTime() <= TICK_LEAD_MS;
}

export async function reconcile(deps: ReconcileDeps): Promise<ReconcileReport> {
  const scheduleNames = new Set(await deps.schedules.listNames());
  const jobs = await allJobs(deps);
  const now = deps.clock.now();
  const fixed: ReconcileAction[] = [];
  const skipped: { id: string; reason: string }[] = [];
  const failed: { id: string; action: ReconcileAction['action']; error: string }[] = [];

  const attempt = async (id: string, action: ReconcileAction['action'], reason: string, work: () => Promise<void>) => {
    try {
      await work();
      fixed.push({ id, action, reason });
    } catch (error) {
      failed.push({ id, action, error: message(error) });
      deps.log.error('reconcile could not repair a schedule', { jobId: id, action, error });
    }
  };

  type Plan =
    | { readonly kind: 'none' }
    | { readonly kind: 'skip'; readonly reason: string }
    | { readonly kind: 'delete'; readonly reason: string }
    | {
        readonly kind: 'put';
        readonly action: 'created' | 'rewritten';
        readonly reason: string;
        wanted: ScheduleDefinition;
      };

  const planFor = async (job: Job): Promise<Plan> => {
    const exists = scheduleNames.has(job.id);
    if (job.state === 'completed')
      return exists ? { kind: 'delete', reason: 'the job is completed' } : { kind: 'none' };
    let wanted: ScheduleDefinition;
    try {
      wanted = toScheduleDefinition(job, deps.target, now);
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      return { kind: 'skip', reason: `cannot be scheduled now: ${error.message}` };
    }
    const actual = exists ? await deps.schedules.get(job.id) : undefined;
    if (actual === undefined && tickScheduleMayHaveEnded(job, now)) return { kind: 'none' };
    if (actual === undefined) return { kind: 'put', action: 'created', reason: 'the schedule was missing', wanted };
    const differences = scheduleDifferences(actual, wanted, { ratePeriodMs: ratePeriodMsOf(job), now });
    if (differences.length === 0) return { kind: 'none' };
    return { kind: 'put', action: 'rewritten', reason: `differed in ${differences.join(', ')}`, wanted };
  };

  const jobIds = new Set<string>();
  for (const listed of jobs) {
    jobIds.add(listed.id);
    let plan = await planFor(listed);
    let source = listed;
    if (plan.kind === 'delete' || plan.kind === 'put') {
      // The listing is an eventually consistent index read, possibly minutes old: repairing from it could
      // re-enable a schedule the API has just disabled. The job is read again (consistently) before any write.
      const current = await deps.store.get(listed.id);
      if (current === undefined) continue;
      if (current.version !== listed.version) plan = await planFor(current);
      source = current;
    }
    switch (plan.kind) {
      case 'none':
        break;
      case 'skip':
        skipped.push({ id: listed.id, reason: plan.reason });
        break;
      case 'delete':
        await attempt(listed.id, 'deleted', plan.reason, async () => {
          await deps.schedules.delete(listed.id);
          await settleSchedule(deps, listed.id, source);
        });
        break;
      case 'put': {
        const { wanted } = plan;
        await attempt(listed.id, plan.action, plan.reason, async () => {
          await deps.schedules.put(wanted);
          await settleSchedule(deps, listed.id, source);
        });
        break;
      }
    }
  }

  for (const name of scheduleNames) {
    if (jobIds.has(name)) continue;
    // Re-read: the job may have been created after the listing.
    if ((await deps.store.get(name)) !== undefined) continue;
    await attempt(name, 'deleted', 'no job has this id', async () => {
      await deps.schedules.delete(name);
      await settleSchedule(deps, name, undefined);
    });
  }

  return { jobsChecked: jobs.length, schedulesChecked: scheduleNames.size, fixed, skipped, failed };
}
