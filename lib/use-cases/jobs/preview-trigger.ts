import { nextFireTimes } from '../../domain/next-fire-times';
import { toScheduleExpression } from '../../domain/schedule-expression';
import { previewBodySchema, type previewResponseSchema } from '../../schemas/api';
import type * as z from 'zod';
import type { JobsDeps } from './deps';
import { parseWith } from './validate';

/** POST /triggers/preview: what EventBridge Scheduler would be given and when it would fire. Nothing is stored. */
export function previewTrigger(deps: Pick<JobsDeps, 'clock'>, body: unknown): z.infer<typeof previewResponseSchema> {
  const request = parseWith(previewBodySchema, body);
  const now = deps.clock.now();
  const { expression, timezone } = toScheduleExpression(request.trigger, now);
  const from = request.from !== undefined ? new Date(request.from) : now;
  const nextRuns = nextFireTimes(request.trigger, {
    from,
    count: request.count,
    ...(request.startAt !== undefined && { startAt: new Date(request.startAt) }),
    ...(request.endAt !== undefined && { endAt: new Date(request.endAt) }),
    anchor: new Date(request.startAt ?? from.toISOString()),
  });
  return { expression, timezone, nextRuns: nextRuns.map((instant) => instant.toISOString()) };
}
