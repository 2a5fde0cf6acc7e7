/**
 * The API as the console page reaches it: through `sked console`'s local server, which forwards `/api/...` to the
 * deployment signed with the user's credentials. The page holds no credential; it sends the header the server asks
 * of its own pages (a page of another site cannot send it without a preflight the server never answers).
 */
import * as z from 'zod';
import {
  deadLetterListSchema,
  jobDetailSchema,
  jobPageSchema,
  previewResponseSchema,
  purgeResponseSchema,
  redriveResponseSchema,
  runNowResponseSchema,
  runPageSchema,
} from '../../lib/schemas/api';
import { jobSchema } from '../../lib/schemas/job';
import type { Job as StoredJob } from '../../lib/schemas/job';
import type { Run as StoredRun, RunStatus, ErrorCategory } from '../../lib/schemas/run';
import type { Trigger as StoredTrigger } from '../../lib/schemas/trigger';

export type Job = StoredJob;
export type Run = StoredRun;
export type Trigger = StoredTrigger;
export type { RunStatus, ErrorCategory };
export type JobDetail = z.output<typeof jobDetailSchema>;
export type JobPage = z.output<typeof jobPageSchema>;
export type RunPage = z.output<typeof runPageSchema>;
export type Preview = z.output<typeof previewResponseSchema>;
export type DeadLetterList = z.output<typeof deadLetterListSchema>;
export type DeadLetter = DeadLetterList['items'][number];
export type RedriveResult = z.output<typeof redriveResponseSchema>;
export type PurgeResult = z.output<typeof purgeResponseSchema>;

export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

/** An answer the API refused, as its problem details said. */
export class ApiProblemError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly issues: readonly FieldIssue[],
  ) {
    super(`${status} ${title}${detail !== '' && detail !== title ? `: ${detail}` : ''}`);
    this.name = 'ApiProblemError';
  }

  /** 412: the job changed since the ETag sent was read. */
  get isStale(): boolean {
    return this.status === 412;
  }
}

interface CallOptions {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  readonly ifMatch?: string | undefined;
  readonly contentType?: string;
  readonly signal?: AbortSignal | undefined;
}

interface Answer<T> {
  readonly body: T;
  readonly etag: string | undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function problemOf(status: number, statusText: string, body: unknown): ApiProblemError {
  // sked console's own refusals (a session gone after a restart, the API unreachable) are plain text.
  if (typeof body === 'string') {
    return new ApiProblemError(status, statusText || 'request failed', body.replace(/^sked console: /, '').trim(), []);
  }
  if (!isRecord(body)) return new ApiProblemError(status, statusText || 'request failed', '', []);
  const text = (key: string) => (typeof body[key] === 'string' ? body[key] : '');
  const issues = Array.isArray(body['errors'])
    ? body['errors']
        .filter(isRecord)
        .map((issue) => ({ path: String(issue['path']), message: String(issue['message']) }))
    : [];
  // API Gateway's own answers carry only `message`.
  return new ApiProblemError(status, text('title') || text('message') || statusText, text('detail'), issues);
}

/** fetch rejects only when nothing answered: the local process has stopped. */
async function reach(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, init);
  } catch {
    throw new ApiProblemError(
      0,
      'sked console is not running',
      'Nothing answers at this address: start `sked console` again and open the URL it prints.',
      [],
    );
  }
}

/** Checks an answer against the API's own schema: a page never renders what it cannot read. */
interface Schema<T> {
  safeParse(
    value: unknown,
  ):
    | { success: true; data: T }
    | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
}

async function call<T>(method: string, path: string, schema: Schema<T>, options: CallOptions = {}): Promise<Answer<T>> {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(options.query ?? {})) {
    if (value !== undefined && value !== '') query.set(name, String(value));
  }
  const headers: Record<string, string> = { accept: 'application/json', 'x-sked-console': '1' };
  if (options.ifMatch !== undefined) headers['if-match'] = options.ifMatch;
  if (options.body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const search = query.size > 0 ? `?${query}` : '';
  const response = await reach(`/api${path}${search}`, {
    method,
    headers,
    ...(options.body !== undefined && { body: JSON.stringify(options.body) }),
    ...(options.signal !== undefined && { signal: options.signal }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) throw problemOf(response.status, response.statusText, parsed);
  const read = schema.safeParse(parsed);
  if (!read.success) {
    throw new ApiProblemError(
      response.status,
      'the API answered in a form this console does not read',
      `${method} ${path}: is the console older or newer than the deployment?`,
      read.error.issues.map((issue) => ({ path: issue.path.join('.') || '(answer)', message: issue.message })),
    );
  }
  return { body: read.data, etag: response.headers.get('etag') ?? undefined };
}

const jobPath = (id: string, ...rest: string[]) => ['/jobs', encodeURIComponent(id), ...rest].join('/');

export interface JobFilter {
  readonly group?: string | undefined;
  readonly tag?: string | undefined;
  readonly state?: string | undefined;
}

export interface RunFilter {
  readonly status?: RunStatus | undefined;
  readonly limit?: number;
}

export const api = {
  /** Every job matching the filter, all pages. */
  async listJobs(filter: JobFilter, signal?: AbortSignal): Promise<Job[]> {
    const jobs: Job[] = [];
    let cursor: string | undefined;
    do {
      const { body } = await call('GET', '/jobs', jobPageSchema, { query: { ...filter, limit: 100, cursor }, signal });
      jobs.push(...body.items);
      cursor = body.nextCursor;
    } while (cursor !== undefined);
    return jobs;
  },

  async getJob(id: string): Promise<{ job: JobDetail; etag: string | undefined }> {
    const { body, etag } = await call('GET', jobPath(id), jobDetailSchema);
    return { job: body, etag };
  },

  async listRuns(id: string, filter: RunFilter = {}, signal?: AbortSignal): Promise<Run[]> {
    const { body } = await call('GET', jobPath(id, 'runs'), runPageSchema, {
      query: { status: filter.status, limit: filter.limit ?? 50 },
      signal,
    });
    return body.items;
  },

  async pause(id: string, reason: string, ifMatch: string | undefined): Promise<Job> {
    const body = reason.trim() === '' ? {} : { reason: reason.trim() };
    return (await call('POST', jobPath(id, 'pause'), jobSchema, { body, ifMatch })).body;
  },

  async resume(id: string, ifMatch: string | undefined): Promise<Job> {
    return (await call('POST', jobPath(id, 'resume'), jobSchema, { ifMatch })).body;
  },

  async runNow(id: string): Promise<string> {
    return (await call('POST', jobPath(id, 'run'), runNowResponseSchema)).body.runId;
  },

  /** Changes the trigger, only if the job is still at `ifMatch` (a 412 ApiProblemError otherwise). */
  async setTrigger(id: string, trigger: unknown, ifMatch: string | undefined): Promise<Job> {
    return (
      await call('PATCH', jobPath(id), jobSchema, {
        body: { trigger },
        ifMatch,
        contentType: 'application/merge-patch+json',
      })
    ).body;
  },

  async preview(body: { trigger: unknown; count: number; startAt?: string; endAt?: string }): Promise<Preview> {
    return (await call('POST', '/triggers/preview', previewResponseSchema, { body })).body;
  },

  async listDeadLetters(): Promise<DeadLetterList> {
    return (await call('GET', '/dlq', deadLetterListSchema, { query: { limit: 1000 } })).body;
  },

  async redrive(messageIds: readonly string[], includeStale: boolean): Promise<RedriveResult> {
    return (await call('POST', '/dlq/redrive', redriveResponseSchema, { body: { messageIds, includeStale } })).body;
  },

  async purge(messageIds: readonly string[]): Promise<PurgeResult> {
    return (await call('DELETE', '/dlq', purgeResponseSchema, { body: { messageIds } })).body;
  },

  /** Which deployment the local server talks to (never any credential). */
  async info(): Promise<ConsoleInfo> {
    const response = await reach('/console/info', { headers: { accept: 'application/json' } });
    if (!response.ok) throw problemOf(response.status, response.statusText, await response.text());
    return consoleInfoSchema.parse(await response.json());
  },
};

const consoleInfoSchema = z.object({
  baseUrl: z.string(),
  source: z.string(),
  region: z.string(),
  local: z.boolean(),
});
export type ConsoleInfo = z.output<typeof consoleInfoSchema>;
