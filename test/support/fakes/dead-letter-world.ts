import type { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { SqsMessageActions } from '../../../lib/adapters/aws/sqs-message-actions';
import { scheduledRunId } from '../../../lib/domain/run-id';
import type { DeadLetterAttribute } from '../../../lib/ports/dead-letters';
import type { DeadLetterNote } from '../../../lib/ports/worker-message-actions';
import type { Run } from '../../../lib/schemas/run';
import { DEFAULT_DEAD_LETTER_SETTINGS, type DeadLetterDeps } from '../../../lib/use-cases/dlq';
import { aJob, aMessage } from '../worker/builders';
import { FakeClock } from './clock';
import { InMemoryDeadLetterQueues } from './dead-letters';
import { InMemoryJobStore } from './job-store';
import { RecordingLog } from './logs';
import { InMemoryRunLedger } from './run-ledger';

export const DLQ_NOW = new Date('2030-01-01T12:00:00Z');

export interface FakeDeadLetterDeps extends DeadLetterDeps {
  readonly deadLetters: InMemoryDeadLetterQueues;
  readonly runs: InMemoryRunLedger;
  readonly jobs: InMemoryJobStore;
  readonly clock: FakeClock;
  readonly log: RecordingLog;
  /** Every sleep asked for, in ms; each one moves the clock on by as much. */
  readonly sleeps: number[];
}

/** The DLQ use cases' dependencies over fakes, on a clock that sleeping moves on. */
export function fakeDeadLetterDeps(now: Date = DLQ_NOW): FakeDeadLetterDeps {
  const clock = new FakeClock(now);
  const sleeps: number[] = [];
  return {
    deadLetters: new InMemoryDeadLetterQueues(clock),
    runs: new InMemoryRunLedger(),
    jobs: new InMemoryJobStore(),
    clock,
    sleep: (ms) => {
      sleeps.push(ms);
      clock.advance(ms);
      return Promise.resolve();
    },
    log: new RecordingLog(),
    settings: DEFAULT_DEAD_LETTER_SETTINGS,
    sleeps,
  };
}

/**
 * The message attributes the worker gives a DLQ copy, made by the worker's own adapter (SqsMessageActions) over a
 * client that only records what it would send.
 */
export async function workerCopyAttributes(
  note: DeadLetterNote,
  source = { messageId: 'source-1', receiveCount: 3 },
): Promise<Record<string, DeadLetterAttribute>> {
  const sent: SendMessageCommand[] = [];
  const client = {
    send: (command: SendMessageCommand) => {
      sent.push(command);
      return Promise.resolve({});
    },
  } as unknown as SQSClient;
  await new SqsMessageActions(client, 'jobs-queue', 'jobs-dlq').deadLetter(aMessage('{}', source), note);
  const attributes: Record<string, DeadLetterAttribute> = {};
  for (const [name, value] of Object.entries(sent[0]?.input.MessageAttributes ?? {})) {
    attributes[name] = {
      dataType: value.DataType ?? 'String',
      ...(value.StringValue !== undefined && { stringValue: value.StringValue }),
    };
  }
  return attributes;
}

export const scheduleEnvelope = (jobId: string, at: Date) =>
  JSON.stringify({ v: 1, jobId, kind: 'schedule', scheduledTime: at.toISOString() });

/** The note the worker writes when a run used up its attempts (lib/use-cases/run-occurrence/record.ts). */
export function exhaustedNote(jobId: string, at: Date, overrides: Partial<DeadLetterNote> = {}): DeadLetterNote {
  return {
    reason: 'exhausted',
    detail: 'failed after 3 attempts',
    error: { class: 'HttpError', message: 'POST https://hooks.example.com answered 503', category: 'http_5xx' },
    jobId,
    runId: scheduledRunId(at),
    scheduledTime: at,
    attempts: 3,
    redrives: 0,
    ...overrides,
  };
}

/** Scheduler's dead-letter attributes for an occurrence it could not deliver (docs/local-scheduler.md, step 5). */
export function schedulerDeadLetterAttributes(at: Date, retries = 185): Record<string, DeadLetterAttribute> {
  const text = (stringValue: string): DeadLetterAttribute => ({ dataType: 'String', stringValue });
  return {
    ERROR_CODE: text('AWS.SimpleQueueService.NonExistentQueue'),
    ERROR_MESSAGE: text('The specified queue does not exist.'),
    EXECUTION_ID: text('0123456789abcdef'),
    EXHAUSTED_RETRY_CONDITION: text('MaximumRetryAttempts'),
    IS_PAYLOAD_TRUNCATED: text('false'),
    RETRY_ATTEMPTS: { dataType: 'Number', stringValue: String(retries) },
    SCHEDULED_TIME: text(at.toISOString()),
    SCHEDULE_ARN: text('arn:aws:scheduler:us-east-1:000000000000:schedule/sked/job'),
    TARGET_ARN: text('arn:aws:sqs:us-east-1:000000000000:sked-jobs'),
  };
}

/** A run in the fake ledger, as the worker would have left it. */
export function putRun(runs: InMemoryRunLedger, run: Partial<Run> & Pick<Run, 'jobId' | 'runId' | 'status'>): void {
  runs.runs.set(`${run.jobId}|${run.runId}`, {
    scheduledTime: '2030-01-01T09:00:00.000Z',
    kind: 'schedule',
    attempts: 1,
    ...run,
  });
}

/** Jobs in the fake store, by id. */
export function putJobs(jobs: InMemoryJobStore, ...ids: string[]): void {
  jobs.seed(...ids.map((id) => aJob({ id, name: id })));
}
