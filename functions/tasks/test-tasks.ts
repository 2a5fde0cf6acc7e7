import * as z from 'zod';
import { defineTask } from '../../lib/domain/task';
import type { TaskServices } from './index';

/** Test-only tasks: left out of production registries (SKED_INCLUDE_TEST_TASKS=false). */

const pause = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    signal.throwIfAborted();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new Error('aborted'));
      },
      { once: true },
    );
  });

export const sleepTask = () =>
  defineTask({
    name: 'test.sleep',
    description: 'Test only: waits `ms` milliseconds.',
    testOnly: true,
    payload: z.object({ ms: z.int().min(0).max(600_000) }).strict(),
    timeoutSeconds: 900,
    run: async (payload, context) => {
      await pause(payload.ms, context.signal);
      return { slept: payload.ms };
    },
  });

export const failNTimesTask = () =>
  defineTask({
    name: 'test.fail-n-times',
    description: 'Test only: fails its first `failures` attempts (by attempt number), then succeeds.',
    testOnly: true,
    payload: z.object({ failures: z.int().min(0).max(100) }).strict(),
    timeoutSeconds: 10,
    run: (payload, context) => {
      if (context.attempt <= payload.failures) {
        return Promise.reject(new Error(`planned failure ${context.attempt} of ${payload.failures}`));
      }
      return Promise.resolve({ attempt: context.attempt });
    },
  });

export const recordSideEffectTask = (services: () => TaskServices) =>
  defineTask({
    name: 'test.record-side-effect',
    description:
      'Test only: optionally waits and fails its first `failures` attempts, then records one side effect per ' +
      'execution, so a history check can find an occurrence that ran twice.',
    testOnly: true,
    payload: z
      .object({
        failures: z.int().min(0).max(100).default(0),
        sleepMs: z.int().min(0).max(60_000).default(0),
        note: z.string().max(256).default('ran'),
      })
      .strict(),
    timeoutSeconds: 60,
    run: async (payload, context) => {
      if (payload.sleepMs > 0) await pause(payload.sleepMs, context.signal);
      if (context.attempt <= payload.failures) {
        throw new Error(`planned failure ${context.attempt} of ${payload.failures}`);
      }
      const sideEffects = services().sideEffects;
      if (sideEffects === undefined) throw new Error('side effects are recorded only in test deployments');
      // A timed-out attempt leaves no side effect: the worker has given up on it.
      context.signal.throwIfAborted();
      await sideEffects.record(context.jobId, context.runId, payload.note);
      return { recorded: payload.note, attempt: context.attempt };
    },
  });
