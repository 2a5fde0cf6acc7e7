/**
 * LOCAL ONLY. What the local scheduler has fired, kept in a JSON file so that a restart fires no occurrence twice
 * and still delivers those waiting in their flexible time window. The file is replaced atomically (written beside
 * it, then renamed), and a lock file next to it keeps a second scheduler off the same state.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as z from 'zod';

/** An occurrence whose delivery time (its time plus the flexible window's delay) has not come yet. */
export interface PendingDelivery {
  readonly scheduledTime: number;
  readonly deliverAt: number;
}

/** Per schedule: the latest occurrence fired (delivered, or queued as pending) and the pending ones. */
export interface ScheduleRecord {
  readonly lastFired?: number;
  readonly pending: readonly PendingDelivery[];
}

export type SchedulerState = ReadonlyMap<string, ScheduleRecord>;

export interface StateStore {
  load(): Promise<SchedulerState>;
  save(state: SchedulerState): Promise<void>;
}

const instant = z.iso.datetime();
const fileSchema = z.object({
  version: z.literal(1),
  schedules: z.record(
    z.string(),
    z.object({
      lastFired: instant.optional(),
      pending: z.array(z.object({ scheduledTime: instant, deliverAt: instant })),
    }),
  ),
});
type StateFile = z.infer<typeof fileSchema>;

/** Another local scheduler already keeps this state. */
export class StateLockedError extends Error {
  override readonly name = 'StateLockedError';
}

/** The state in one JSON file. */
export class FileStateStore implements StateStore {
  private readonly lockFile: string;

  constructor(readonly file: string) {
    this.lockFile = `${file}.lock`;
  }

  /** Takes the lock file, or throws StateLockedError while a live process holds it; a stale one is taken over. */
  async lock(): Promise<void> {
    await mkdir(join(this.file, '..'), { recursive: true });
    try {
      await writeFile(this.lockFile, `${process.pid}\n`, { flag: 'wx' });
      return;
    } catch (error) {
      if (!(error instanceof Error && 'code' in error && error.code === 'EEXIST')) throw error;
    }
    const holder = Number((await readFile(this.lockFile, 'utf8').catch(() => '')).trim());
    if (Number.isInteger(holder) && holder > 0 && isAlive(holder)) {
      throw new StateLockedError(
        `${this.file} is in use by process ${holder}: one local scheduler per state file, or two would fire each ` +
          'occurrence twice',
      );
    }
    await writeFile(this.lockFile, `${process.pid}\n`);
  }

  async unlock(): Promise<void> {
    await rm(this.lockFile, { force: true });
  }

  /** The saved state; none when the file is missing. A file that does not parse is an error, not a fresh start. */
  async load(): Promise<SchedulerState> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (error) {
      if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return new Map();
      throw error;
    }
    const parsed = fileSchema.safeParse(parseJson(text));
    if (!parsed.success) {
      throw new Error(
        `${this.file} is not a local scheduler state file (delete it to start afresh): ${parsed.error.message}`,
      );
    }
    return new Map(
      Object.entries(parsed.data.schedules).map(([key, record]) => [
        key,
        {
          ...(record.lastFired !== undefined && { lastFired: Date.parse(record.lastFired) }),
          pending: record.pending.map((pending) => ({
            scheduledTime: Date.parse(pending.scheduledTime),
            deliverAt: Date.parse(pending.deliverAt),
          })),
        },
      ]),
    );
  }

  async save(state: SchedulerState): Promise<void> {
    const file: StateFile = { version: 1, schedules: {} };
    for (const [key, record] of [...state].sort(([a], [b]) => a.localeCompare(b))) {
      file.schedules[key] = {
        ...(record.lastFired !== undefined && { lastFired: new Date(record.lastFired).toISOString() }),
        pending: record.pending.map((pending) => ({
          scheduledTime: new Date(pending.scheduledTime).toISOString(),
          deliverAt: new Date(pending.deliverAt).toISOString(),
        })),
      };
    }
    const temporary = `${this.file}.${process.pid}.tmp`;
    await writeFile(temporary, `${JSON.stringify(file, null, 2)}\n`);
    await rename(temporary, this.file);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, under another user.
    return error instanceof Error && 'code' in error && error.code === 'EPERM';
  }
}

/**
 * The state file for an endpoint and a group selection, so that schedulers for different emulators or groups
 * (the dev stage's and a test run's) never share one: `localhost-4566.all.json`, `localhost-4566.sked-dev.json`.
 */
export function stateFileFor(stateDir: string, endpoint: string, groups: readonly string[] | undefined): string {
  const url = new URL(endpoint);
  const host = `${url.hostname}-${url.port === '' ? url.protocol.replace(':', '') : url.port}`.replace(
    /[^A-Za-z0-9.-]/g,
    '_',
  );
  let selection = groups === undefined || groups.length === 0 ? 'all' : [...new Set(groups)].sort().join('+');
  if (selection.length > 80) selection = `groups-${createHash('sha256').update(selection).digest('hex').slice(0, 16)}`;
  return join(stateDir, `${host}.${selection}.json`);
}
