import { ValidationError, type FieldIssue } from '../../domain/errors';
import {
  MAX_DEAD_LETTER_IDS,
  messageIdSchema,
  purgeBodySchema,
  purgeQuerySchema,
  type purgeResponseSchema,
} from '../../schemas/api';
import type * as z from 'zod';
import { parseWith } from '../jobs/validate';
import type { DeadLetterDeps } from './deps';
import { describeDeadLetter } from './describe';
import { errorText, HeldLetters, Leftovers, queuesOf, refOf, sweep, type QueueChoice } from './scan';

export type PurgeResult = z.output<typeof purgeResponseSchema>;

export interface PurgeRequest {
  /** The body, when one was sent (a JSON object). */
  readonly body: object | undefined;
  /** The query string, by parameter. */
  readonly query: Readonly<Record<string, string>>;
}

interface Purge {
  readonly queue: QueueChoice;
  /** The messages to delete; undefined: every message of `queue`. */
  readonly messageIds: ReadonlySet<string> | undefined;
}

/** The purge as the body or the query gives it: `messageIds`, or `all: true` with `queue`, each refused by field. */
function purgeOf(request: PurgeRequest): Purge {
  const fromQuery = Object.keys(request.query).length > 0;
  if (request.body !== undefined && Object.keys(request.body).length > 0 && fromQuery) {
    throw ValidationError.at('query', 'name the messages in the body or in the query, not both');
  }
  const at = (field: string) => (fromQuery ? `query.${field}` : field);
  let ids: readonly string[] | undefined;
  let all: boolean;
  let queue: QueueChoice | undefined;
  if (fromQuery) {
    const query = parseWith(purgeQuerySchema, request.query, 'query');
    ids = query.messageIds
      ?.split(',')
      .map((id) => id.trim())
      .filter((id) => id.length > 0);
    const issues: FieldIssue[] = (ids ?? []).flatMap((id) =>
      messageIdSchema.safeParse(id).success
        ? []
        : [{ path: at('messageIds'), message: `'${id}' is not an SQS message id` }],
    );
    if ((ids?.length ?? 0) > MAX_DEAD_LETTER_IDS) {
      issues.push({ path: at('messageIds'), message: `at most ${MAX_DEAD_LETTER_IDS} message ids` });
    }
    if (issues.length > 0) throw new ValidationError(issues);
    all = query.all === 'true';
    queue = query.queue;
  } else {
    const body = parseWith(purgeBodySchema, request.body ?? {});
    ids = body.messageIds;
    all = body.all === true;
    queue = body.queue;
  }
  const named = ids !== undefined && ids.length > 0;
  if (named && all) throw ValidationError.at(at('all'), 'give messageIds or all, not both');
  if (!named && !all) {
    throw ValidationError.at(at('messageIds'), 'name the messages to delete, or send all: true with a queue');
  }
  if (all && queue === undefined) {
    throw ValidationError.at(at('queue'), "required with all: 'jobs', 'delivery' or 'all' (both)");
  }
  return { queue: queue ?? 'all', messageIds: named ? new Set(ids) : undefined };
}

/**
 * DELETE /dlq: deletes the named messages (looked for in `queue`, both DLQs by default), or every message of
 * `queue`, within the time budget; `remaining` says what is left to call again for.
 */
export async function purgeDeadLetters(deps: DeadLetterDeps, request: PurgeRequest): Promise<PurgeResult> {
  const purge = purgeOf(request);
  const named = purge.messageIds;
  const deadlineMs = deps.clock.now().getTime() + deps.settings.actBudgetMs;
  const held = new HeldLetters();
  const leftovers = new Leftovers();
  const found = new Set<string>();
  const allFound = () => named !== undefined && found.size === named.size;
  const result: Omit<PurgeResult, 'remaining' | 'notFound'> = { deleted: [], failed: [] };
  try {
    for (const queue of queuesOf(purge.queue)) {
      if (allFound()) break;
      const swept = await sweep(deps, queue, held, deadlineMs, async (letters) => {
        const targets = named === undefined ? letters : letters.filter((letter) => named.has(letter.messageId));
        for (const letter of targets) found.add(letter.messageId);
        if (targets.length === 0) return true;
        if (deps.clock.now().getTime() >= deadlineMs) {
          leftovers.leave(targets.length);
          return false;
        }
        const failures = await deps.deadLetters
          .remove(targets)
          .catch((error: unknown) =>
            targets.map((letter) => ({ messageId: letter.messageId, reason: errorText(error) })),
          );
        const failedIds = new Map(failures.map((failure) => [failure.messageId, failure.reason]));
        for (const letter of targets) {
          const described = describeDeadLetter(letter);
          const reason = failedIds.get(letter.messageId);
          if (reason === undefined) {
            held.forget(letter);
            result.deleted.push({ ...refOf(described), reason: described.reason });
          } else {
            result.failed.push({ ...refOf(described), error: reason });
          }
        }
        return !allFound();
      });
      leftovers.swept(swept, allFound());
    }
  } finally {
    await held.releaseAll(deps);
  }
  const missing = named === undefined ? undefined : [...named].filter((id) => !found.has(id));
  return { ...result, ...leftovers.summary(missing) };
}
