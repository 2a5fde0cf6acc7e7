/** A payload (task payload, webhook body or run-now payload) larger than the job record may hold. */
export class PayloadTooLargeError extends Error {
  override readonly name = 'PayloadTooLargeError';
  constructor(
    readonly path: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`${path} is ${bytes} bytes; the limit is ${limit} bytes`);
  }
}

/** The request is valid but the job's state does not allow it (pausing a completed job). */
export class JobStateConflictError extends Error {
  override readonly name = 'JobStateConflictError';
  constructor(
    readonly jobId: string,
    message: string,
  ) {
    super(message);
  }
}

/** EventBridge Scheduler refused or failed a write; the job record was put back as it was. */
export class ScheduleWriteError extends Error {
  override readonly name = 'ScheduleWriteError';
  constructor(
    readonly jobId: string,
    options: { cause: unknown },
  ) {
    super(`the schedule of job ${jobId} could not be written; the job was left unchanged`, options);
  }
}

/** A write to a job declared in code, without `?force=true` (docs/design.md#jobs-declared-in-code). */
export class JobManagedError extends Error {
  override readonly name = 'JobManagedError';
  constructor(
    readonly jobId: string,
    readonly source: string,
    action: string,
  ) {
    super(
      `job ${jobId} is declared in code (${source}): ${action} it there and apply, or send ?force=true to ` +
        'change it here (the next apply shows the change and puts the declaration back)',
    );
  }
}
