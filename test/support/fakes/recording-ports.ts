import type { Clock, Ids } from '../../../lib/ports/clock';
import type { EventPublisher, LifecycleEvent } from '../../../lib/ports/events';
import type { RunQueue } from '../../../lib/ports/queue';
import type { UrlGuard } from '../../../lib/ports/url-guard';
import type { RunEnvelope } from '../../../lib/schemas/envelope';
import type { UseCaseLog } from '../../../lib/use-cases/jobs/deps';

export class RecordingRunQueue implements RunQueue {
  readonly sent: RunEnvelope[] = [];
  send(envelope: RunEnvelope): Promise<void> {
    this.sent.push(envelope);
    return Promise.resolve();
  }
}

export class RecordingEventPublisher implements EventPublisher {
  readonly published: LifecycleEvent[] = [];
  failWith: Error | undefined;
  publish(event: LifecycleEvent): Promise<void> {
    if (this.failWith !== undefined) return Promise.reject(this.failWith);
    this.published.push(event);
    return Promise.resolve();
  }
  types(): string[] {
    return this.published.map((event) => event.type);
  }
}

/** A clock that only moves when told to. */
export class FixedClock implements Clock {
  constructor(private instant: Date) {}
  now(): Date {
    return new Date(this.instant);
  }
  advance(ms: number): void {
    this.instant = new Date(this.instant.getTime() + ms);
  }
}

/** Predictable ids: job-1, job-2, ... and suffixes s1, s2, ... */
export class SequentialIds implements Ids {
  private jobs = 0;
  private suffixes = 0;
  jobId(): string {
    this.jobs += 1;
    return `job-${this.jobs}`;
  }
  suffix(): string {
    this.suffixes += 1;
    return `s${this.suffixes}`;
  }
}

/** Refuses hosts listed as unsafe, the way the SSRF guard refuses private addresses. */
export class HostListUrlGuard implements UrlGuard {
  constructor(private readonly refused: Readonly<Record<string, string>> = { '127.0.0.1': 'a loopback address' }) {}
  refusal(url: string): Promise<string | undefined> {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return Promise.resolve('not a valid URL');
    }
    const reason = this.refused[host];
    return Promise.resolve(reason === undefined ? undefined : `${host} resolves to ${reason}`);
  }
}

export class RecordingLog implements UseCaseLog {
  readonly entries: { level: 'warn' | 'error'; message: string; details: Record<string, unknown> }[] = [];
  warn(message: string, details: Record<string, unknown>): void {
    this.entries.push({ level: 'warn', message, details });
  }
  error(message: string, details: Record<string, unknown>): void {
    this.entries.push({ level: 'error', message, details });
  }
}
