import type { Job } from '../../../lib/client';
import { createSkedClient, type SkedClientOptions } from '../../../lib/client';

export const BASE_URL = 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod';
export const TEST_CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
};

export interface SentRequest {
  readonly method: string;
  readonly url: URL;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

export interface FakeAnswer {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  /** Throw this instead of answering, as fetch does when the connection fails. */
  readonly fail?: Error;
}

/** A fetch that records each request and answers from a queue; the last answer repeats once the queue runs dry. */
export function fakeFetch(...answers: FakeAnswer[]) {
  const sent: SentRequest[] = [];
  const fetch = (input: URL, init: RequestInit): Promise<Response> => {
    sent.push({
      method: init.method ?? 'GET',
      url: new URL(input),
      headers: { ...(init.headers as Record<string, string>) },
      body: typeof init.body === 'string' ? init.body : undefined,
    });
    const answer = answers.length > 1 ? answers.shift() : answers[0];
    if (answer === undefined) throw new Error('the fake API has no answer queued');
    if (answer.fail !== undefined) return Promise.reject(answer.fail);
    const text =
      answer.body === undefined ? null : typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body);
    const contentType =
      answer.status >= 400 && typeof answer.body === 'object' ? 'application/problem+json' : 'application/json';
    return Promise.resolve(
      new Response(text, {
        status: answer.status,
        headers: { ...(text !== null && { 'content-type': contentType }), ...answer.headers },
      }),
    );
  };
  return { fetch, sent };
}

/** A client over the fake fetch, with static credentials and no real waiting between attempts. */
export function clientWith(fake: ReturnType<typeof fakeFetch>, options: Partial<SkedClientOptions> = {}) {
  const sleeps: number[] = [];
  const client = createSkedClient({
    baseUrl: BASE_URL,
    auth: { kind: 'iam', credentials: TEST_CREDENTIALS },
    fetch: fake.fetch,
    ...options,
    retry: {
      sleep: (ms) => {
        sleeps.push(ms);
        return Promise.resolve();
      },
      random: () => 0.5,
      ...options.retry,
    },
  });
  return { client, sleeps };
}

export const aJob = (overrides: Partial<Job> = {}): Job => ({
  id: 'nightly',
  name: 'nightly',
  group: 'default',
  trigger: { type: 'cron', expression: '0 3 * * *' },
  jitterMinutes: 0,
  target: { type: 'task', task: 'report', payload: {} },
  retry: { maxAttempts: 3, initialSeconds: 30, multiplier: 2, maxSeconds: 3600 },
  misfireGraceSeconds: 300,
  coalesce: true,
  maxConcurrent: 1,
  overlap: 'skip',
  tags: [],
  state: 'enabled',
  version: 1,
  createdAt: '2030-01-01T00:00:00.000Z',
  updatedAt: '2030-01-01T00:00:00.000Z',
  ...overrides,
});

export const aRun = {
  jobId: 'nightly',
  runId: 'r-2030-01-01T03-00',
  scheduledTime: '2030-01-01T03:00:00.000Z',
  kind: 'schedule',
  status: 'succeeded',
  attempts: 1,
} as const;

export const problem = (status: number, slug: string, title: string, detail: string, errors?: unknown[]) => ({
  type: `urn:sked:problem:${slug}`,
  title,
  status,
  detail,
  instance: '/jobs/nightly',
  ...(errors !== undefined && { errors }),
});
