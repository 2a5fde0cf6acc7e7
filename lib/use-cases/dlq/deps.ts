import type { Clock } from '../../ports/clock';
import type { DeadLetterQueues } from '../../ports/dead-letters';
import type { JobStore } from '../../ports/job-store';
import type { RunReader } from '../../ports/run-ledger';
import type { UseCaseLog } from '../jobs/deps';

export interface DeadLetterSettings {
  /** How long a listing looks at messages before it answers with what it saw (truncated). */
  readonly listBudgetMs: number;
  /**
   * How long a redrive or a purge acts before it answers with what is left. The API Lambda has 29 s (API Gateway's
   * limit); this leaves room for the releases that follow and the answer.
   */
  readonly actBudgetMs: number;
  /** How long a message stays hidden beyond the budget, should the call end without releasing it. */
  readonly hideMarginSeconds: number;
}

export const DEFAULT_DEAD_LETTER_SETTINGS: DeadLetterSettings = {
  listBudgetMs: 10_000,
  actBudgetMs: 20_000,
  hideMarginSeconds: 10,
};

/** What the DLQ use cases depend on; the API's composition root builds it once per container. */
export interface DeadLetterDeps {
  readonly deadLetters: DeadLetterQueues;
  /** The ledger, to tell a stale copy: one whose run succeeded since or was redriven already. */
  readonly runs: RunReader;
  /** To tell a copy of a deleted job, which the worker would drop. */
  readonly jobs: Pick<JobStore, 'get'>;
  readonly clock: Clock;
  /** Waits between moves, to keep a redrive at its pace. */
  readonly sleep: (ms: number) => Promise<void>;
  readonly log: UseCaseLog;
  readonly settings: DeadLetterSettings;
}
