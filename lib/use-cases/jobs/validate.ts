import type * as z from 'zod';
import { ValidationError, type FieldIssue } from '../../domain/errors';
import { MAX_PAYLOAD_BYTES, type ParsedJobInput } from '../../schemas/job';
import type { JobsDeps } from './deps';
import { PayloadTooLargeError } from './errors';

const dotted = (path: readonly PropertyKey[]): string => path.map(String).join('.');

/** zod issues as field issues: one per offending field, unknown keys each named. */
export function fieldIssuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  const join = (path: string) => [prefix, path].filter((part) => part.length > 0).join('.');
  return error.issues.flatMap((issue) => {
    const at = dotted(issue.path);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: join([at, key].filter((p) => p.length > 0).join('.')),
        message: 'unknown field',
      }));
    }
    return [{ path: join(at) || prefix || 'body', message: issue.message }];
  });
}

/** Parses with a schema or throws a ValidationError naming every invalid field under `prefix`. */
export function parseWith<T extends z.ZodType>(schema: T, value: unknown, prefix = ''): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(fieldIssuesOf(parsed.error, prefix));
  return parsed.data;
}

export function jsonBytes(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value) ?? '').length;
}

export function assertPayloadSize(value: unknown, path: string): void {
  const bytes = jsonBytes(value);
  if (bytes > MAX_PAYLOAD_BYTES) throw new PayloadTooLargeError(path, bytes, MAX_PAYLOAD_BYTES);
}

/** A task payload checked against the task's schema; issues are located under `path`. */
export function taskPayloadIssues(
  deps: Pick<JobsDeps, 'tasks'>,
  taskName: string,
  payload: unknown,
  path: string,
): FieldIssue[] {
  const task = deps.tasks.get(taskName);
  if (task === undefined) {
    const known = deps.tasks.names();
    return [
      {
        path: 'target.task',
        message: `unknown task '${taskName}'; known tasks: ${known.length > 0 ? known.join(', ') : '(none)'}`,
      },
    ];
  }
  const parsed = task.payload.safeParse(payload);
  return parsed.success ? [] : fieldIssuesOf(parsed.error, path);
}

/**
 * What the schema cannot check: the task exists and accepts the payload, the webhook URL is safe, and payloads
 * fit the job record. Size errors are thrown first (413), then every other issue at once (400).
 */
export async function targetIssues(
  deps: Pick<JobsDeps, 'tasks' | 'urlGuard'>,
  input: ParsedJobInput,
): Promise<FieldIssue[]> {
  const { target } = input;
  if (target.type === 'task') {
    assertPayloadSize(target.payload, 'target.payload');
    return taskPayloadIssues(deps, target.task, target.payload, 'target.payload');
  }
  if (target.body !== undefined) assertPayloadSize(target.body, 'target.body');
  const refusal = await deps.urlGuard.refusal(target.url);
  return refusal === undefined ? [] : [{ path: 'target.url', message: refusal }];
}
