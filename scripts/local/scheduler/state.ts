/**
 * LOCAL ONLY. What the local scheduler has fired, kept in a JSON file so that a restart fires no occurrence twice
 * and still delivers those waiting in their flexible time window. The file is replaced atomically (written beside
 * it, then renamed), and a lock file next to it keeps a second scheduler off the same state.
 */
import { createHash, randomBytes } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
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
const lockFileSchema = z.object({ pid: z.number() });

/** Another local scheduler already keeps this state. */
export class StateLockedError extends Error {
  override readonly name = 'StateLockedError';
}

/** How often the holder of a lock touches it (and on every save). */
export const LOCK_HEARTBEAT_MS = 10_000;
/** A lock untouched for this long is stale whoever its pid is now: its holder was killed, or the machine restarted. */
export const LOCK_STALE_MS = 3 * LOCK_HEARTBEAT_MS + 30_000;

/** What a lock file says: `{"pid":..,"instance":..}`; a bare pid is an older scheduler's. */
interface LockHolder {
  readonly text: string;
  readonly pid: number | undefined;
  readonly touchedAt: number;
}

/** The state in one JSON file. */
export class FileStateStore implements StateStore {
  private readonly lockFile: string;
  /** Tells this store's lock from another's with the same pid (a pid reused after a kill). */
  private readonly instance = randomBytes(8).toString('hex');
  private heartbeat: ReturnType<typeof setInterval> | undefined;

  constructor(readonly file: string) {
    this.lockFile = `${file}.lock`;
  }

  /**
   * Takes the lock file, or throws StateLockedError while another scheduler holds it. A lock is stale when its
   * process is gone or it has not been touched for LOCK_STALE_MS; a stale one is moved aside (rename, so that of
   * two schedulers starting at once only one moves it) and the lock created anew, exclusively.
   */
  async lock(): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true });
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (await this.createLock()) {
        this.heartbeat = setInterval(() => void this.touchLock(), LOCK_HEARTBEAT_MS);
        this.heartbeat.unref();
        await this.removeLeftoverTemporaries();
        return;
      }
      const holder = await this.lockHolder();
      if (holder === undefined) continue;
      if (!isStale(holder)) {
        throw new StateLockedError(
          `${this.file} is in use by process ${holder.pid ?? '(unknown)'}: one local scheduler per state file, or ` +
            'two would fire each occurrence twice',
        );
      }
      await this.moveAside(holder);
    }
    throw new StateLockedError(`${this.file} is being taken over by another local scheduler`);
  }

  /** Removes the lock if it is still this store's. */
  async unlock(): Promise<void> {
    clearInterval(this.heartbeat);
    this.heartbeat = undefined;
    const holder = await this.lockHolder();
    if (holder !== undefined && holder.text === this.lockText()) await rm(this.lockFile, { force: true });
  }

  private lockText(): string {
    return `${JSON.stringify({ pid: process.pid, instance: this.instance })}\n`;
  }

  /** Creates the lock file exclusively; false when one exists. */
  private async createLock(): Promise<boolean> {
    try {
      await writeFile(this.lockFile, this.lockText(), { flag: 'wx' });
      return true;
    } catch (error) {
      if (isCode(error, 'EEXIST')) return false;
      throw error;
    }
  }

  /** The lock file's holder, or undefined when there is no lock file. */
  private async lockHolder(): Promise<LockHolder | undefined> {
    try {
      const [text, stats] = await Promise.all([readFile(this.lockFile, 'utf8'), stat(this.lockFile)]);
      return { text, pid: pidOf(text), touchedAt: stats.mtimeMs };
    } catch (error) {
      if (isCode(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  /**
   * Renames the stale lock aside. When what was renamed is no longer the stale lock read (another scheduler took it
   * over meanwhile), it is put back.
   */
  private async moveAside(stale: LockHolder): Promise<void> {
    const aside = `${this.lockFile}.${this.instance}.stale`;
    try {
      await rename(this.lockFile, aside);
    } catch (error) {
      if (isCode(error, 'ENOENT')) return;
      throw error;
    }
    if ((await readFile(aside, 'utf8')) !== stale.text) await link(aside, this.lockFile).catch(() => undefined);
    await rm(aside, { force: true });
  }

  /** Temporary state files a scheduler that died mid-save left (only the lock's holder writes them). */
  private async removeLeftoverTemporaries(): Promise<void> {
    const prefix = `${basename(this.file)}.`;
    for (const name of await readdir(dirname(this.file))) {
      if (name.startsWith(prefix) && name.endsWith('.tmp')) await rm(join(dirname(this.file), name), { force: true });
    }
  }

  /** The heartbeat: a lock touched within LOCK_STALE_MS is live. */
  private async touchLock(): Promise<void> {
    const now = new Date();
    await utimes(this.lockFile, now, now).catch(() => undefined);
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
    // Flushed before the rename, so that a crash (or power loss) leaves the old state or the new, never an empty file.
    const handle = await open(temporary, 'w');
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, this.file);
    if (this.heartbeat !== undefined) await this.touchLock();
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Untouched too long, or its process gone. A recent lock without a pid is one being written: live. */
function isStale(holder: LockHolder): boolean {
  if (Date.now() - holder.touchedAt > LOCK_STALE_MS) return true;
  return holder.pid !== undefined && !isAlive(holder.pid);
}

/** The pid in a lock file: JSON `{"pid":...}`, or an older scheduler's bare pid. */
function pidOf(text: string): number | undefined {
  const parsed = lockFileSchema.safeParse(parseJson(text));
  const pid = parsed.success ? parsed.data.pid : Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

function isCode(error: unknown, code: string): boolean {
  return error instanceof Error && 'code' in error && error.code === code;
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
