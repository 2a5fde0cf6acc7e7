import type { WorkerLog } from '../../../lib/ports/worker-log';
import type { UseCaseLog } from '../../../lib/use-cases/jobs/deps';

type Level = 'debug' | 'info' | 'warn' | 'error';

/** One call to the log: its level, message, and the bound keys merged with the call's details. */
export interface LogEntry {
  readonly level: Level;
  readonly message: string;
  readonly details: Readonly<Record<string, unknown>>;
}

/** A log entry as Powertools writes it: upper-case level, keys beside the message. */
export interface LogLine {
  readonly level: string;
  readonly message: string;
  readonly [key: string]: unknown;
}

/** The use cases' and the worker's log: keeps every call, shared with the children it binds keys for. */
export class RecordingLog implements UseCaseLog, WorkerLog {
  constructor(
    readonly entries: LogEntry[] = [],
    private readonly keys: Readonly<Record<string, string>> = {},
  ) {}

  /** The entries as written lines, for assertions on what a log reader would see. */
  get lines(): LogLine[] {
    return this.entries.map(({ level, message, details }) => ({ level: level.toUpperCase(), message, ...details }));
  }

  private write(level: Level, message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.entries.push({ level, message, details: { ...this.keys, ...extra } });
  }
  debug(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.write('debug', message, extra);
  }
  info(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.write('info', message, extra);
  }
  warn(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.write('warn', message, extra);
  }
  error(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.write('error', message, extra);
  }
  child(keys: Readonly<Record<string, string>>): WorkerLog {
    return new RecordingLog(this.entries, { ...this.keys, ...keys });
  }
}
