import { Logger } from '@aws-lambda-powertools/logger';
import type { WorkerLog } from '../../ports/worker-log';

const MASK = '****';

/** Keys whose values never reach a log line, whatever they hold. */
const SENSITIVE_KEY = /(authorization|secret|token|password|passwd|api[-_]?key|signature|cookie|credential)/i;

/**
 * Masks log output: values under sensitive keys, every known secret value (the webhook secret once read) and
 * matches of the deployment's configured patterns (e.g. phone or national id numbers).
 */
export class LogMasker {
  private readonly secrets = new Set<string>();
  private readonly patterns: RegExp[];

  constructor(patterns: readonly string[]) {
    this.patterns = patterns.map((pattern) => new RegExp(pattern, 'g'));
  }

  addSecret(value: string): void {
    if (value.length >= 4) this.secrets.add(value);
  }

  maskText(text: string): string {
    let masked = text;
    for (const secret of this.secrets) masked = masked.split(secret).join(MASK);
    for (const pattern of this.patterns) masked = masked.replace(pattern, MASK);
    return masked;
  }

  /** A JSON.stringify replacer for the Powertools logger. */
  readonly replacer = (key: string, value: unknown): unknown => {
    if (key !== '' && SENSITIVE_KEY.test(key) && value !== null && typeof value !== 'object') return MASK;
    if (typeof value === 'string') return this.maskText(value);
    if (typeof value === 'bigint') return value.toString();
    return value;
  };
}

/** Powertools' level names; unset, the logger follows POWERTOOLS_LOG_LEVEL (INFO when that is unset too). */
export type LogLevelName = 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';

export function createLogger(serviceName: string, masker: LogMasker, logLevel?: LogLevelName): Logger {
  return new Logger({ serviceName, jsonReplacerFn: masker.replacer, ...(logLevel !== undefined && { logLevel }) });
}

/**
 * The WorkerLog port over a Powertools logger. `child` binds keys to every line it writes; it wraps rather than
 * calling the logger's createChild, which copies the whole logger and would cost that on every record.
 */
export class PowertoolsWorkerLog implements WorkerLog {
  constructor(
    private readonly logger: Logger,
    private readonly bound: Readonly<Record<string, string>> = {},
  ) {}

  debug(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.logger.debug(message, { ...this.bound, ...extra });
  }
  info(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.logger.info(message, { ...this.bound, ...extra });
  }
  warn(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.logger.warn(message, { ...this.bound, ...extra });
  }
  error(message: string, extra?: Readonly<Record<string, unknown>>): void {
    this.logger.error(message, { ...this.bound, ...extra });
  }
  child(keys: Readonly<Record<string, string>>): WorkerLog {
    return new PowertoolsWorkerLog(this.logger, { ...this.bound, ...keys });
  }
}
