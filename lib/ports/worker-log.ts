/** Structured logging; `child` binds keys (jobId, runId, scheduledTime) to every line it writes. */
export interface WorkerLog {
  debug(message: string, extra?: Readonly<Record<string, unknown>>): void;
  info(message: string, extra?: Readonly<Record<string, unknown>>): void;
  warn(message: string, extra?: Readonly<Record<string, unknown>>): void;
  error(message: string, extra?: Readonly<Record<string, unknown>>): void;
  child(keys: Readonly<Record<string, string>>): WorkerLog;
}
