import type { TickCoverage } from '../../../lib/domain/tick';
import type { TickCoverageStore } from '../../../lib/ports/run-ledger';

/** Tick coverage in memory, held to DynamoDbTickCoverage by test/contract/tick-coverage.test.ts. */
export class InMemoryTickCoverage implements TickCoverageStore {
  private readonly items = new Map<string, TickCoverage>();
  /** Advances that found the coverage moved by another tick. */
  conflicts = 0;

  coverage(jobId: string): Promise<TickCoverage | undefined> {
    return Promise.resolve(this.items.get(jobId));
  }

  advanceCoverage(jobId: string, expected: TickCoverage | undefined, next: TickCoverage): Promise<boolean> {
    const current = this.items.get(jobId);
    const holds =
      expected === undefined
        ? current === undefined
        : current !== undefined &&
          current.basis === expected.basis &&
          current.coveredUntil.getTime() === expected.coveredUntil.getTime();
    if (!holds) {
      this.conflicts += 1;
      return Promise.resolve(false);
    }
    this.items.set(jobId, { ...next, coveredUntil: new Date(next.coveredUntil.getTime()) });
    return Promise.resolve(true);
  }
}
