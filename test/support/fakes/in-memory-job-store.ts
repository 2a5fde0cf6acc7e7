import { JobConflictError, JobNotFoundError, StaleVersionError, ValidationError } from '../../../lib/domain/errors';
import type { JobListQuery, JobStore, Page } from '../../../lib/ports/job-store';
import type { Job } from '../../../lib/schemas/job';

const sortKey = (job: Job): string => `${job.group}#${job.id}`;

/** The jobs table in memory, with the same conditional-write semantics as the DynamoDB adapter. */
export class InMemoryJobStore implements JobStore {
  readonly jobs = new Map<string, Job>();
  /** Called before every write; throw from it to simulate a failing table. */
  beforeWrite: (operation: 'create' | 'replace' | 'delete', id: string) => void = () => undefined;

  seed(...jobs: Job[]): this {
    for (const job of jobs) this.jobs.set(job.id, structuredClone(job));
    return this;
  }

  get(id: string): Promise<Job | undefined> {
    const job = this.jobs.get(id);
    return Promise.resolve(job === undefined ? undefined : structuredClone(job));
  }

  create(job: Job): Promise<void> {
    this.beforeWrite('create', job.id);
    if (this.jobs.has(job.id)) return Promise.reject(new JobConflictError(job.id));
    this.jobs.set(job.id, structuredClone(job));
    return Promise.resolve();
  }

  replace(job: Job, expectedVersion: number): Promise<void> {
    this.beforeWrite('replace', job.id);
    const stored = this.jobs.get(job.id);
    if (stored === undefined) return Promise.reject(new JobNotFoundError(job.id));
    if (stored.version !== expectedVersion) {
      return Promise.reject(new StaleVersionError(job.id, String(expectedVersion)));
    }
    this.jobs.set(job.id, structuredClone(job));
    return Promise.resolve();
  }

  delete(id: string, expectedVersion?: number): Promise<void> {
    this.beforeWrite('delete', id);
    const stored = this.jobs.get(id);
    if (stored === undefined) return Promise.reject(new JobNotFoundError(id));
    if (expectedVersion !== undefined && stored.version !== expectedVersion) {
      return Promise.reject(new StaleVersionError(id, String(expectedVersion)));
    }
    this.jobs.delete(id);
    return Promise.resolve();
  }

  list(query: JobListQuery): Promise<Page<Job>> {
    let after: string | undefined;
    if (query.cursor !== undefined) {
      after = Buffer.from(query.cursor, 'base64url').toString('utf8');
      if (!after.includes('#'))
        return Promise.reject(ValidationError.at('cursor', 'not a cursor returned by this API'));
    }
    const matching = [...this.jobs.values()]
      .filter((job) => query.group === undefined || job.group === query.group)
      .filter((job) => query.state === undefined || job.state === query.state)
      .filter((job) => query.tag === undefined || job.tags.includes(query.tag))
      .sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1))
      .filter((job) => after === undefined || sortKey(job) > after);
    const items = matching.slice(0, query.limit).map((job) => structuredClone(job));
    const last = items[items.length - 1];
    return Promise.resolve(
      matching.length > query.limit && last !== undefined
        ? { items, nextCursor: Buffer.from(sortKey(last)).toString('base64url') }
        : { items },
    );
  }
}
