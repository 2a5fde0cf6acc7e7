import { TaskRegistry, type TaskDefinition } from '../../../lib/domain/task';
import type { WebhookRequest, WebhookResponse } from '../../../lib/ports/worker-webhook';
import { DEFAULT_WORKER_SETTINGS, type WorkerDeps, type WorkerSettings } from '../../../lib/use-cases/run-occurrence';
import { FakeClock } from '../fakes/clock';
import { RecordingEventPublisher } from '../fakes/events';
import { InMemoryJobStore } from '../fakes/job-store';
import { RecordingLog } from '../fakes/logs';
import { RecordingMessages } from '../fakes/messages';
import { RecordingMetrics } from '../fakes/metrics';
import { InMemoryRunLedger } from '../fakes/run-ledger';
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
  let tokens = 0;
  const deps: WorkerDeps = {
    jobs,
    completion: jobs,
    ledger,
    tasks: new TaskRegistry(options.tasks ?? []),
    webhooks,
    messages,
    events,
    metrics,
    log,
    clock,
    newToken: () => `token-${++tokens}`,
    sleep: () => Promise.resolve(),
    settings: { ...DEFAULT_WORKER_SETTINGS, ...options.settings },
  };
  return { clock, ledger, jobs, messages, events, metrics, log, webhooks, deps };
}
