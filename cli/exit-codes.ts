import { SkedApiError, SkedNetworkError, SkedUnexpectedResponseError } from '../lib/client';
import { ValidationError } from '../lib/domain/errors';

/**
 * The exit codes scripts can rely on (README, "The sked command line"). Each names a kind of failure, so a script can
 * tell "fix the input" from "try again later" without parsing messages.
 */
export const EXIT = {
  ok: 0,
  /** Anything not below: a bug, an unexpected answer. */
  error: 1,
  /** The command line itself is wrong: unknown command or option, a missing argument, a file that cannot be read. */
  usage: 2,
  /** 404: no such job or run. */
  notFound: 3,
  /** 400 / 413: the API refused the input; the fields are printed. */
  invalid: 4,
  /** 409 / 412: a conflict, a stale ETag, a job in the wrong state. */
  conflict: 5,
  /** 401 / 403: no or wrong credentials. */
  auth: 6,
  /** Throttled, a 5xx, the network: worth trying again. */
  unavailable: 7,
  /** `sked apply --dry-run`: the plan has changes. */
  changes: 8,
  /** `jobs run --wait`, `runs watch --run`: the run ended, but not succeeded. */
  runDidNotSucceed: 9,
} as const;

/** A command-line mistake found by sked itself, not by the parser (a file that cannot be read, a bad --set). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The exit code for an error a command threw. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return EXIT.usage;
  // A file sked checked itself (a declaration) and found invalid.
  if (error instanceof ValidationError) return EXIT.invalid;
  if (error instanceof SkedNetworkError) return EXIT.unavailable;
  if (error instanceof SkedUnexpectedResponseError) return EXIT.error;
  if (!(error instanceof SkedApiError)) return EXIT.error;
  switch (error.kind) {
    case 'validation':
      return EXIT.invalid;
    case 'not-found':
      return EXIT.notFound;
    case 'conflict':
    case 'precondition-failed':
      return EXIT.conflict;
    case 'auth':
      return EXIT.auth;
    case 'throttled':
    case 'server':
      return EXIT.unavailable;
    case 'request':
      return error.status === 413 ? EXIT.invalid : EXIT.error;
  }
}
