import { decodeCursor, encodeCursor } from '../../../lib/adapters/aws/cursor';
import { JOBS_TABLE } from '../../../lib/adapters/aws/table-layout';
import { JobConflictError, JobNotFoundError, StaleVersionError } from '../../../lib/domain/errors';
import type { JobListQuery, JobStore, Page } from '../../../lib/ports/job-store';
import type { JobCompletion } from '../../../lib/ports/worker-job-completion';
import type { Job } from '../../../lib/schemas/job';

const { partitionKey, listIndex, entity } = JOBS_TABLE;

const sortKey = (job: Job): string => `${job.group}#${job.id}`;

/**
 * The jobs table in memory, with the DynamoDB adapter's conditional writes and list order. Its cursors are the
 * adapter's (the key of the last job returned), so a cursor it did not issue is refused the same way.
 */
export class InMemoryJobStore implements JobStore, JobCompletion {
  readonly jobs = new Map<string, Job>();
  /** Every markCompleted call, by job id, whether or not it changed the job. */
  readonly completed: string[] = [];
  /** Called before every create, replace and delete; throw from it to simulate a failing table. */
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
    try {
      after =
        query.cursor === undefined
          ? undefined
          : decodeCursor(query.cursor, [partitionKey, listIndex.partitionKey, listIndex.sortKey])[listIndex.sortKey];
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
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
        ? {
            items,
            nextCursor: encodeCursor({
              [partitionKey]: last.id,
              [listIndex.partitionKey]: entity,
              [listIndex.sortKey]: sortKey(last),
            }),
          }
        : { items },
    );
  }

  /** Only an enabled job still at `version` becomes completed, as a new version; any other stays as it is. */
  markCompleted(jobId: string, version: number, at: Date): Promise<boolean> {
    this.completed.push(jobId);
    const job = this.jobs.get(jobId);
    if (job?.state === 'enabled' && job.version === version) {
      this.jobs.set(jobId, { ...job, state: 'completed', version: job.version + 1, updatedAt: at.toISOString() });
      return Promise.resolve(true);
    }
    return Promise.resolve(false);
  }
}
