/**
 * How the console writes jobs and times: the trigger in words and in the form EventBridge Scheduler stores, fire
 * times in a zone, and the clock changes between fire times. The schedule itself is read by sked's own domain code,
 * so what the page shows is what the API schedules.
 */
import cronstrue from 'cronstrue';
import { cronSpecOf, renderCron, renderCronSeconds } from '../../lib/domain/cron';
import { clockChangesBetween, formatOffset, type ClockChange } from '../../lib/domain/clock-changes';
import { effectivePrecision } from '../../lib/domain/precision';
import { formatWallTime } from '../../lib/domain/run-at';
import { planSchedule } from '../../lib/domain/schedule-expression';
import { TICK_EXPRESSION } from '../../lib/domain/tick';
import { wallTimeAt, type WallTime } from '../../lib/domain/timezone';
import { upcomingRuns } from '../../lib/use-cases/jobs/get-job';
import type { Job, Trigger } from './api';

/** The viewer's own zone, as the browser reports it. */
export const viewerZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

export { triggerZoneOf as zoneOf } from '../../lib/domain/job';
export { wallTimeIn as wallTime } from '../../lib/domain/run-at';

const pad = (value: number) => String(value).padStart(2, '0');
const clock = (wall: WallTime) => `${pad(wall.hour)}:${pad(wall.minute)}`;

const UNITS = ['weeks', 'days', 'hours', 'minutes', 'seconds'] as const;

/** The trigger as a sentence: "At 09:00 AM, Monday through Friday", "Every 5 seconds", "Once at ...". */
export function triggerInWords(trigger: Trigger): string {
  try {
    switch (trigger.type) {
      case 'interval': {
        const parts = UNITS.filter((unit) => (trigger[unit] ?? 0) > 0).map((unit) => {
          const count = trigger[unit] ?? 0;
          return `${count} ${count === 1 ? unit.slice(0, -1) : unit}`;
        });
        return `Every ${parts.join(' ')}`;
      }
      case 'date':
        return `Once, at ${trigger.runAt}${trigger.timezone !== undefined ? ` (${trigger.timezone})` : ''}`;
      case 'cron': {
        const spec = cronSpecOf(trigger);
        const aws = renderCron(spec);
        // Quartz order with the year; EventBridge numbers the days of the week 1-7 from Sunday.
        const quartz = [
          renderCronSeconds(spec),
          aws.minutes,
          aws.hours,
          aws.dayOfMonth,
          aws.month,
          aws.dayOfWeek,
          aws.year,
        ].join(' ');
        return cronstrue.toString(quartz, { dayOfWeekStartIndexZero: false, use24HourTimeFormat: true });
      }
    }
  } catch (error) {
    return error instanceof Error ? `(cannot read: ${error.message})` : '(cannot read)';
  }
}

/**
 * What EventBridge Scheduler holds for the job: its cron(...), rate(...) or at(...) and zone, or for a job run at
 * second precision the tick schedule that enqueues each occurrence ahead of its second.
 */
export function eventBridgeForm(job: Pick<Job, 'trigger' | 'precision'>, now = new Date()): string {
  try {
    if (effectivePrecision(job) === 'second') return `${TICK_EXPRESSION} UTC (second precision ticks)`;
    const plan = planSchedule(job.trigger, now);
    return plan.precision === 'minute' ? `${plan.expression} ${plan.timezone}` : `${TICK_EXPRESSION} UTC`;
  } catch (error) {
    // A date job whose date has passed has no schedule any more.
    return error instanceof Error && job.trigger.type === 'date' ? 'at(...) (done)' : '(none)';
  }
}

/** The next `count` fire times of an enabled job, none for a paused or completed one: the API's own computation. */
export function upcomingOf(job: Job, now = new Date(), count = 1): Date[] {
  try {
    return upcomingRuns(job, now, count).map((instant) => new Date(instant));
  } catch {
    return [];
  }
}

/** The next fire time of an enabled job. */
export function nextRunOf(job: Job, now = new Date()): Date | undefined {
  return upcomingOf(job, now)[0];
}

/** One line of the fire-time list: a fire time, or a clock change between two of them. */
export type FireTimeRow =
  | { readonly kind: 'fire'; readonly at: Date; readonly changeDay: boolean }
  | { readonly kind: 'change'; readonly change: ClockChange; readonly note: string };

function localDate(instant: Date, zone: string): string {
  return formatWallTime(wallTimeAt(instant, zone)).slice(0, 10);
}

/** Says what a clock change does to wall times that day. */
export function describeClockChange(change: ClockChange, zone: string): string {
  const forward = change.offsetAfterMinutes > change.offsetBeforeMinutes;
  const day = formatWallTime(change.wallAfter).slice(0, 10);
  const offsets = `UTC${formatOffset(change.offsetBeforeMinutes)} → UTC${formatOffset(change.offsetAfterMinutes)}`;
  return forward
    ? `${day}: clocks in ${zone} go forward from ${clock(change.wallBefore)} to ${clock(change.wallAfter)} (${offsets}); ` +
        `wall times from ${clock(change.wallBefore)} to before ${clock(change.wallAfter)} do not exist and do not fire that day`
    : `${day}: clocks in ${zone} go back from ${clock(change.wallBefore)} to ${clock(change.wallAfter)} (${offsets}); ` +
        `wall times from ${clock(change.wallAfter)} to before ${clock(change.wallBefore)} happen twice and fire once, the first time`;
}

/** Fire times with the clock changes of the job's zone that fall between the first and the last of them. */
export function fireTimeRows(times: readonly Date[], zone: string): FireTimeRow[] {
  const first = times[0];
  const last = times[times.length - 1];
  if (first === undefined || last === undefined) return [];
  const changes = clockChangesBetween(new Date(first.getTime() - 1), last, zone);
  const changeDays = new Set(changes.map((change) => localDate(change.at, zone)));
  const rows: FireTimeRow[] = times.map((at) => ({ kind: 'fire', at, changeDay: changeDays.has(localDate(at, zone)) }));
  for (const change of changes) rows.push({ kind: 'change', change, note: describeClockChange(change, zone) });
  const instantOf = (row: FireTimeRow) => (row.kind === 'fire' ? row.at.getTime() : row.change.at.getTime());
  return rows.sort((a, b) => instantOf(a) - instantOf(b));
}

/** `1.2 s`, `350 ms`, `3 min 4 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** How late a run started after its scheduled time. */
export function startLagMs(run: { scheduledTime: string; startedAt?: string | undefined }): number | undefined {
  return run.startedAt === undefined ? undefined : Date.parse(run.startedAt) - Date.parse(run.scheduledTime);
}
