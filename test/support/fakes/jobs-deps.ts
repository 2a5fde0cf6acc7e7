import * as z from 'zod';
import { defineTask, TaskRegistry } from '../../../lib/domain/task';
import { DEFAULT_JOB_POLICIES } from '../../../lib/schemas/job';
import type { JobsDeps } from '../../../lib/use-cases/jobs/deps';
import { FakeClock } from './clock';
import { RecordingEventPublisher } from './events';
import { SequentialIds } from './ids';
import { InMemoryJobStore } from './job-store';
import { RecordingLog } from './logs';
import { RecordingRunQueue } from './queue';
import { InMemoryRunLedger } from './run-ledger';
import { InMemorySchedules } from './schedules';
import { HostListUrlGuard } from './url-guard';

export const NOW = new Date('2030-01-01T00:00:00Z');

export const TEST_TARGET = {
  groupName: 'sked-test',
  queueArn: 'arn:aws:sqs:us-east-1:000000000000:sked-jobs',
  roleArn: 'arn:aws:iam::000000000000:role/sked-scheduler',
  deliveryDlqArn: 'arn:aws:sqs:us-east-1:000000000000:sked-delivery-dlq',
} as const;

/** Tasks for tests: `report` needs `{ recipient: email }`, `noop` takes anything. */
export function testTaskRegistry(): TaskRegistry {
  return new TaskRegistry([
    defineTask({
      name: 'report',
      description: 'Sends a report',
      timeoutSeconds: 60,
      payload: z.object({ recipient: z.email(), format: z.enum(['pdf', 'csv']).default('pdf') }).strict(),
      run: () => Promise.resolve({ sent: true }),
    }),
    defineTask({
      name: 'noop',
      description: 'Does nothing',
      timeoutSeconds: 10,
      payload: z.record(z.string(), z.unknown()),
      run: () => Promise.resolve(null),
    }),
  ]);
}

export interface FakeJobsDeps extends JobsDeps {
  readonly store: InMemoryJobStore;
  readonly schedules: InMemorySchedules;
  readonly runs: InMemoryRunLedger;
  readonly queue: RecordingRunQueue;
  readonly events: RecordingEventPublisher;
  readonly clock: FakeClock;
  readonly log: RecordingLog;
}

export function fakeJobsDeps(now: Date = NOW): FakeJobsDeps {
  return {
    store: new InMemoryJobStore(),
    schedules: new InMemorySchedules(TEST_TARGET.groupName),
    runs: new InMemoryRunLedger(),
    queue: new RecordingRunQueue(),
    events: new RecordingEventPublisher(),
    clock: new FakeClock(now),
    ids: new SequentialIds(),
    tasks: testTaskRegistry(),
    urlGuard: new HostListUrlGuard(),
    defaults: DEFAULT_JOB_POLICIES,
    target: TEST_TARGET,
    log: new RecordingLog(),
  };
}

/** A valid cron job body, with overrides. */
export function cronJobBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    trigger: { type: 'cron', expression: '30 9 * * 1-5', timezone: 'Europe/Paris' },
    target: { type: 'task', task: 'report', payload: { recipient: 'ops@example.com' } },
    ...overrides,
  };
}
