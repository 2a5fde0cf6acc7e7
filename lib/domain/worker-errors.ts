import type { ErrorCategory } from '../schemas/run';

/**
 * Failures of a run's target, each carrying the category the ledger and the metrics group it by. Whether a
 * category is worth another attempt is decided in worker-policies.ts.
 */
export abstract class RunFailureError extends Error {
  abstract readonly category: ErrorCategory;
}

/** The target did not finish within its timeout (or before the invocation's deadline). */
export class TaskTimeoutError extends RunFailureError {
  override readonly name = 'TaskTimeoutError';
  readonly category = 'timeout';
  /**
   * @param stillRunning the target was aborted but had not stopped when the worker stopped waiting for it: it may
   *   go on until the invocation ends.
   */
  constructor(
    readonly timeoutMs: number,
    readonly stillRunning = false,
  ) {
    super(`target did not finish within ${timeoutMs} ms`);
  }
}

/**
 * A run that had started (a retry, a re-claim after a crash, a redrive) found every slot of its job taken for as
 * many deliveries as the worker waits: it fails, so that it is recorded and dead-lettered before the queue's own
 * redrive policy would move its message away with the run still `running`.
 */
export class SlotWaitTimeoutError extends RunFailureError {
  override readonly name = 'SlotWaitTimeoutError';
  readonly category = 'timeout';
  constructor(
    readonly maxConcurrent: number,
    readonly deliveries: number,
  ) {
    super(`no slot of the job's ${maxConcurrent} freed within ${deliveries} deliveries of a run that had started`);
  }
}

/** A webhook answered with a non-2xx status. */
export class TargetHttpError extends RunFailureError {
  override readonly name = 'TargetHttpError';
  readonly category: ErrorCategory;
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    // The start of the body helps whoever reads the ledger; the logger masks secrets in it.
    super(`webhook answered ${status}${body.length > 0 ? `: ${body.slice(0, 200)}` : ''}`);
    this.category = status === 429 ? 'throttled' : status >= 500 ? 'http_5xx' : 'http_4xx';
  }
}

/** The job's payload does not match its task's schema, or names no known task. Retrying cannot help. */
export class PayloadValidationError extends RunFailureError {
  override readonly name = 'PayloadValidationError';
  readonly category = 'payload_validation';
}

/** The target URL is refused by the SSRF guard. Retrying cannot help. */
export class TargetRefusedError extends RunFailureError {
  override readonly name = 'TargetRefusedError';
  readonly category = 'payload_validation';
}

/** Another worker re-claimed the occurrence after this worker's lease ran out; its result is not written. */
export class LeaseLostError extends Error {
  override readonly name = 'LeaseLostError';
  constructor(
    readonly jobId: string,
    readonly runId: string,
  ) {
    super(`lease on run ${runId} of job ${jobId} was lost`);
  }
}
