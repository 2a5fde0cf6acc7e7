/** One problem with an input, located by a dotted path such as `trigger.expression` or `retry.maxAttempts`. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** Input that sked cannot accept; carries every problem found, each naming its field. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly issues: readonly FieldIssue[]) {
    super(issues.map((issue) => `${issue.path}: ${issue.message}`).join('; '));
  }

  static at(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class JobNotFoundError extends Error {
  override readonly name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`job ${jobId} does not exist`);
  }
}

export class RunNotFoundError extends Error {
  override readonly name = 'RunNotFoundError';
  constructor(
    readonly jobId: string,
    readonly runId: string,
  ) {
    super(`run ${runId} of job ${jobId} does not exist`);
  }
}

export class JobConflictError extends Error {
  override readonly name = 'JobConflictError';
  constructor(readonly jobId: string) {
    super(`job ${jobId} already exists`);
  }
}

/** An If-Match or version precondition did not hold: someone else changed the job first. */
export class StaleVersionError extends Error {
  override readonly name = 'StaleVersionError';
  constructor(
    readonly jobId: string,
    readonly expected: string,
  ) {
    super(`job ${jobId} changed since version ${expected}`);
  }
}

/** A webhook URL that points into the deployment's own network (or is not a usable URL); `reason` says why. */
export class UnsafeUrlError extends Error {
  override readonly name = 'UnsafeUrlError';
  constructor(
    readonly reason: string,
    readonly url: string,
  ) {
    super(`refused ${url}: ${reason}`);
  }
}
