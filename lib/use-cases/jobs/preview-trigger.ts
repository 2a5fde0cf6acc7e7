import { nextFireTimes } from '../../domain/next-fire-times';
import { planSchedule } from '../../domain/schedule-expression';
import { TICK_EXPRESSION } from '../../domain/tick';
import { previewBodySchema, type previewResponseSchema } from '../../schemas/api';
import type * as z from 'zod';
import type { JobsDeps } from './deps';
import { parseWith } from './validate';

/**
 * POST /triggers/preview: what EventBridge Scheduler would be given and when the job would fire. Nothing is
 * stored. A trigger that needs second precision is listed at its seconds; its job's schedule is the tick, and the
 * preview says why EventBridge Scheduler could not fire the trigger itself.
 */
export function previewTrigger(deps: Pick<JobsDeps, 'clock'>, body: unknown): z.infer<typeof previewResponseSchema> {
  const request = parseWith(previewBodySchema, body);
  const now = deps.clock.now();
  const plan = planSchedule(request.trigger, now);
  const from = request.from !== undefined ? new Date(request.from) : now;
  const nextRuns = nextFireTimes(request.trigger, {
    from,
    count: request.count,
    ...(request.startAt !== undefined && { startAt: new Date(request.startAt) }),
    ...(request.endAt !== undefined && { endAt: new Date(request.endAt) }),
    anchor: new Date(request.startAt ?? from.toISOString()),
  });
  return {
    precision: plan.precision,
    expression: plan.precision === 'minute' ? plan.expression : TICK_EXPRESSION,
    timezone: plan.precision === 'minute' ? plan.timezone : 'UTC',
    ...(plan.precision === 'second' && { triggerTimezone: plan.timezone }),
    nextRuns: nextRuns.map((instant) => instant.toISOString()),
    ...(plan.precision === 'second' && { secondPrecision: plan.issue }),
  };
}
