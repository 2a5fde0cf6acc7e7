import type { Page } from '../../../lib/ports/job-store';
import type { RunListQuery, RunReader } from '../../../lib/ports/run-ledger';
import type { Run } from '../../../lib/schemas/run';

/** The run ledger's read side in memory; runs are listed newest first by runId. */
export class InMemoryRunReader implements RunReader {
  readonly runs: Run[] = [];

  seed(...runs: Run[]): this {
    this.runs.push(...runs);
    return this;
  }

  get(jobId: string, runId: string): Promise<Run | undefined> {
    return Promise.resolve(this.runs.find((run) => run.jobId === jobId && run.runId === runId));
  }

  list(jobId: string, query: RunListQuery): Promise<Page<Run>> {
    const matching = this.runs
      .filter((run) => run.jobId === jobId && (query.status === undefined || run.status === query.status))
      .sort((a, b) => (a.runId < b.runId ? 1 : -1))
      .filter((run) => query.cursor === undefined || run.runId < query.cursor);
    const items = matching.slice(0, query.limit);
    const last = items[items.length - 1];
    return Promise.resolve(
      matching.length > query.limit && last !== undefined ? { items, nextCursor: last.runId } : { items },
    );
  }
}
