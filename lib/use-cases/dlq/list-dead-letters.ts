import { deadLetterListQuerySchema, type deadLetterListSchema } from '../../schemas/api';
import type * as z from 'zod';
import { parseWith } from '../jobs/validate';
import type { DeadLetterDeps } from './deps';
import { describeDeadLetter } from './describe';
import { HeldLetters, itemOf, LedgerLookups, matches, queuesOf, sweep, type DeadLetterItem } from './scan';

export type DeadLetterList = z.output<typeof deadLetterListSchema>;

/**
 * GET /dlq: what the jobs DLQ and the delivery DLQ hold, each message read as the occurrence it is and marked stale
 * when a redrive would not run it. Nothing is consumed: every message received is hidden only while the listing
 * runs and made visible again before it answers.
 */
export async function listDeadLetters(deps: DeadLetterDeps, query: unknown): Promise<DeadLetterList> {
  const request = parseWith(deadLetterListQuerySchema, query, 'query');
  const deadlineMs = deps.clock.now().getTime() + deps.settings.listBudgetMs;
  const held = new HeldLetters();
  const lookups = new LedgerLookups(deps);
  const items: DeadLetterItem[] = [];
  const queues: DeadLetterList['queues'] = {};
  let overflow = false;
  let incomplete = false;
  try {
    for (const queue of queuesOf(request.queue)) {
      if (overflow) {
        const depth = await deps.deadLetters.depth(queue);
        queues[queue] = { approximateVisible: depth.visible, approximateInFlight: depth.inFlight };
        continue;
      }
      const result = await sweep(deps, queue, held, deadlineMs, async (letters) => {
        const described = letters.map(describeDeadLetter).filter((each) => matches(each, request));
        const standings = await Promise.all(described.map((each) => lookups.standing(each)));
        described.forEach((each, index) => {
          if (items.length < request.limit) items.push(itemOf(each, standings[index] ?? {}));
          else overflow = true;
        });
        return !overflow;
      });
      queues[queue] = { approximateVisible: result.depth.visible, approximateInFlight: result.depth.inFlight };
      // Messages hidden by another receiver were not seen, and neither was what lay past the deadline.
      if ((!result.drained && !overflow) || result.depth.inFlight > 0) incomplete = true;
    }
  } finally {
    await held.releaseAll(deps);
  }
  return { items, truncated: overflow || incomplete, queues };
}
