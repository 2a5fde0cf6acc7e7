import { redriveBodySchema, type redriveResponseSchema } from '../../schemas/api';
import type * as z from 'zod';
import { parseWith } from '../jobs/validate';
import type { DeadLetterDeps } from './deps';
import { describeDeadLetter, type DescribedDeadLetter } from './describe';
import {
  errorText,
  HeldLetters,
  LedgerLookups,
  Leftovers,
  matches,
  queuesOf,
  refOf,
  sweep,
  type DeadLetterRef,
} from './scan';

export type RedriveResult = z.output<typeof redriveResponseSchema>;

/** Spaces moves `1000 / perSecond` ms apart, and refuses one that would start after the deadline. */
class Pace {
  private nextAtMs: number | undefined;

  constructor(
    private readonly deps: Pick<DeadLetterDeps, 'clock' | 'sleep'>,
    private readonly perSecond: number,
    private readonly deadlineMs: number,
  ) {}

  /** Waits for the next move's turn; false when it would come at or after the deadline. */
  async turn(): Promise<boolean> {
    const now = this.deps.clock.now().getTime();
    const at = Math.max(now, this.nextAtMs ?? now);
    if (at >= this.deadlineMs) return false;
    if (at > now) await this.deps.sleep(at - now);
    this.nextAtMs = at + 1000 / this.perSecond;
    return true;
  }
}

/**
 * POST /dlq/redrive: moves the matching messages back to the jobs queue, the same body and message attributes, so the
 * worker's redrive rules apply (a copy of a failure claims the run only while the ledger still says failed at the
 * copy's redrive count), then deletes them from their DLQ. Stale messages stay where they are, reported, unless
 * `includeStale`. Moves are paced to `maxPerSecond` and stop at the time budget; `remaining` says what is left.
 */
export async function redriveDeadLetters(deps: DeadLetterDeps, body: unknown): Promise<RedriveResult> {
  const request = parseWith(redriveBodySchema, body ?? {});
  const named = request.messageIds === undefined ? undefined : new Set(request.messageIds);
  const filter = { jobId: request.jobId, errorCategory: request.errorCategory, messageIds: named };
  const deadlineMs = deps.clock.now().getTime() + deps.settings.actBudgetMs;
  const pace = new Pace(deps, request.maxPerSecond, deadlineMs);
  const held = new HeldLetters();
  const lookups = new LedgerLookups(deps);
  const leftovers = new Leftovers();
  const found = new Set<string>();
  const allFound = () => named !== undefined && found.size === named.size;
  const result: Omit<RedriveResult, 'remaining' | 'notFound'> = { moved: [], skippedStale: [], failed: [] };

  const move = async (described: DescribedDeadLetter, ref: DeadLetterRef): Promise<void> => {
    try {
      await deps.deadLetters.sendToJobsQueue(described.letter);
    } catch (error) {
      result.failed.push({ ...ref, error: `not sent to the jobs queue: ${errorText(error)}` });
      return;
    }
    const failures = await deps.deadLetters
      .remove([described.letter])
      .catch((error: unknown) => [{ messageId: described.letter.messageId, reason: errorText(error) }]);
    const failure = failures[0];
    if (failure === undefined) {
      held.forget(described.letter);
      result.moved.push(ref);
      return;
    }
    result.failed.push({
      ...ref,
      error:
        `sent to the jobs queue but not deleted from the DLQ (${failure.reason}); the copy left in the DLQ is ` +
        'stale once the sent one has run',
    });
  };

  try {
    for (const queue of queuesOf(request.queue)) {
      if (allFound()) break;
      const swept = await sweep(deps, queue, held, deadlineMs, async (letters) => {
        const described = letters.map(describeDeadLetter).filter((each) => matches(each, filter));
        const standings = await Promise.all(described.map((each) => lookups.standing(each)));
        let inTime = true;
        for (const [index, each] of described.entries()) {
          found.add(each.letter.messageId);
          const ref = refOf(each);
          const staleReason = standings[index]?.staleReason;
          if (staleReason !== undefined && !request.includeStale) {
            result.skippedStale.push({ ...ref, staleReason });
          } else if (inTime && (await pace.turn())) {
            await move(each, ref);
          } else {
            inTime = false;
            leftovers.leave();
          }
        }
        return inTime && !allFound();
      });
      leftovers.swept(swept, allFound());
    }
  } finally {
    await held.releaseAll(deps);
  }
  const missing = named === undefined ? undefined : [...named].filter((id) => !found.has(id));
  return { ...result, ...leftovers.summary(missing) };
}
