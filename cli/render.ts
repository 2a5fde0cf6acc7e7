import Table from 'cli-table3';
import type { createColors } from 'picocolors';
import { SkedApiError, SkedNetworkError, SkedPreconditionFailedError, type Job, type Run } from '../lib/client';
import { ValidationError } from '../lib/domain/errors';
import { wallTimeIn } from '../lib/domain/run-at';

export type Colors = ReturnType<typeof createColors>;

/** Where a command writes: human text by default, JSON with `--json`. */
export interface Output {
  readonly json: boolean;
  readonly colors: Colors;
  /** The viewer's time zone, for times shown beside the job's own. */
  readonly viewerZone: string;
  out(text: string): void;
  err(text: string): void;
}

/** Writes a value as JSON (with `--json`) or as the human rendering given. */
export function emit(output: Output, value: unknown, human: () => string): void {
  output.out(output.json ? JSON.stringify(value, null, 2) : human());
}

export function table(head: readonly string[], rows: readonly (readonly string[])[]): string {
  const rendered = new Table({
    head: [...head],
    style: { head: [], border: [] },
    // No rule between rows: a listing stays one line per item.
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) rendered.push([...row]);
  return rendered.toString();
}

export { triggerZoneOf as zoneOf } from '../lib/domain/job';
export { wallTimeIn as wallTime };

/** A trigger in one line, as written. */
export function describeTrigger(trigger: Job['trigger']): string {
  switch (trigger.type) {
    case 'cron': {
      if (trigger.expression !== undefined) return `cron ${trigger.expression}`;
      const fields = (['second', 'minute', 'hour', 'day', 'month', 'day_of_week', 'year'] as const)
        .filter((field) => trigger[field] !== undefined)
        .map((field) => `${field}=${String(trigger[field])}`);
      return `cron ${fields.join(' ')}`;
    }
    case 'interval': {
      const parts = (['weeks', 'days', 'hours', 'minutes', 'seconds'] as const)
        .filter((unit) => (trigger[unit] ?? 0) > 0)
        .map((unit) => `${trigger[unit]} ${unit}`);
      return `every ${parts.join(' ')}`;
    }
    case 'date':
      return `once at ${trigger.runAt}`;
  }
}

export function colourStatus(colors: Colors, status: string): string {
  switch (status) {
    case 'succeeded':
    case 'enabled':
      return colors.green(status);
    case 'failed':
      return colors.red(status);
    case 'missed':
    case 'paused':
      return colors.yellow(status);
    case 'skipped':
    case 'completed':
      return colors.dim(status);
    default:
      return colors.cyan(status);
  }
}

export function runRow(output: Output, run: Run, zone: string): string[] {
  const lag =
    run.startedAt !== undefined
      ? `${((Date.parse(run.startedAt) - Date.parse(run.scheduledTime)) / 1000).toFixed(1)} s`
      : '';
  return [
    run.runId,
    wallTimeIn(run.scheduledTime, zone),
    colourStatus(output.colors, run.status),
    String(run.attempts),
    lag,
    run.durationMs !== undefined ? `${run.durationMs} ms` : '',
    run.error !== undefined ? `${run.error.category}: ${run.error.message}` : (run.reason ?? ''),
  ];
}

export const RUN_HEAD = ['run', 'scheduled', 'status', 'attempts', 'start lag', 'duration', 'error / reason'];

/** A failed command as a person reads it: what was refused, each field with what was wrong, and the request id. */
export function describeError(colors: Colors, error: unknown): string {
  if (error instanceof SkedApiError) {
    const lines = [
      `${colors.red('error')}: ${error.status} ${error.title}${error.detail !== '' && error.detail !== error.title ? `: ${error.detail}` : ''}`,
    ];
    for (const issue of error.issues) lines.push(`  ${colors.bold(issue.path)}: ${issue.message}`);
    if (error instanceof SkedPreconditionFailedError) {
      lines.push('  the job changed since the ETag you gave was read: get it again (sked jobs get ID) and retry');
    }
    if (error.requestId !== undefined) lines.push(colors.dim(`  request ${error.requestId}`));
    return lines.join('\n');
  }
  if (error instanceof ValidationError) {
    return [
      `${colors.red('error')}: invalid`,
      ...error.issues.map((issue) => `  ${colors.bold(issue.path)}: ${issue.message}`),
    ].join('\n');
  }
  if (error instanceof SkedNetworkError) return `${colors.red('error')}: ${error.message}`;
  return `${colors.red('error')}: ${error instanceof Error ? error.message : String(error)}`;
}
