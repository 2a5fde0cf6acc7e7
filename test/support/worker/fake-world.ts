import { TaskRegistry, type TaskDefinition } from '../../../lib/domain/task';
import type { WebhookRequest, WebhookResponse } from '../../../lib/ports/worker-webhook';
import { DEFAULT_WORKER_SETTINGS, type WorkerDeps, type WorkerSettings } from '../../../lib/use-cases/run-occurrence';
import { FakeClock } from '../fakes/clock';
import { RecordingEventPublisher } from '../fakes/events';
import { InMemoryJobStore } from '../fakes/job-store';
import { RecordingLog } from '../fakes/logs';
import { RecordingMessages } from '../fakes/messages';
import { RecordingMetrics } from '../fakes/metrics';
import { RecordingRunQueue } from '../fakes/queue';
import { InMemoryRunLedger } from '../fakes/run-ledger';
import { InMemoryTickCoverage } from '../fakes/tick-coverage';
import { ScriptedWebhooks } from '../fakes/webhooks';

/** The worker's deps, all fakes, and each fake for assertions. */
export interface FakeWorld {
  readonly clock: FakeClock;
  readonly ledger: InMemoryRunLedger;
  readonly jobs: InMemoryJobStore;
  readonly messages: RecordingMessages;
  readonly events: RecordingEventPublisher;
  readonly metrics: RecordingMetrics;
  readonly log: RecordingLog;
  readonly webhooks: ScriptedWebhooks;
  readonly ticks: InMemoryTickCoverage;
  readonly queue: RecordingRunQueue;
  /** What the worker slept for (an early occurrence waiting for its second), in milliseconds. */
  readonly sleeps: number[];
  readonly deps: WorkerDeps;
}

export function fakeWorld(options: {
  now: string;
  tasks?: readonly TaskDefinition[];
  settings?: Partial<WorkerSettings>;
  webhook?: (request: WebhookRequest) => Promise<WebhookResponse>;
}): FakeWorld {
  const clock = new FakeClock(new Date(options.now));
  const ledger = new InMemoryRunLedger();
  const jobs = new InMemoryJobStore();
  const messages = new RecordingMessages();
  const events = new RecordingEventPublisher();
  const metrics = new RecordingMetrics();
  const log = new RecordingLog();
  const webhooks = new ScriptedWebhooks(options.webhook ?? (() => Promise.resolve({ status: 200, body: 'ok' })));
  const ticks = new InMemoryTickCoverage();
  const queue = new RecordingRunQueue();
  const sleeps: number[] = [];
  let tokens = 0;
  const deps: WorkerDeps = {
    jobs,
    completion: jobs,
    ledger,
    ticks,
    occurrences: queue,
    tasks: new TaskRegistry(options.tasks ?? []),
    webhooks,
    messages,
    events,
    metrics,
    log,
    clock,
    newToken: () => `token-${++tokens}`,
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
    settings: { ...DEFAULT_WORKER_SETTINGS, ...options.settings },
  };
  return { clock, ledger, jobs, messages, events, metrics, log, webhooks, ticks, queue, sleeps, deps };
}
