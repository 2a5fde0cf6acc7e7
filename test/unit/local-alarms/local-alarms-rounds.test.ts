import { afterEach, describe, expect, it, vi } from 'vitest';
import { startLocalAlarms, type AlarmOutcome } from '../../../scripts/local/alarms/local-alarms';

afterEach(() => {
  vi.useRealTimers();
});

/** An evaluator whose rounds last until `finish()`; counts the rounds begun. */
function slowEvaluator() {
  const finishes: (() => void)[] = [];
  let begun = 0;
  return {
    evaluator: {
      evaluateOnce: () => {
        begun += 1;
        return new Promise<AlarmOutcome[]>((resolve) => finishes.push(() => resolve([])));
      },
    },
    begun: () => begun,
    finish: () => finishes.shift()?.(),
  };
}

describe('local alarm rounds', () => {
  it('begins no round while one runs on a slow emulator, and the next one interval after it ends', async () => {
    // Prepare
    vi.useFakeTimers();
    const slow = slowEvaluator();
    const alarms = startLocalAlarms({ endpoint: 'http://127.0.0.1:9', intervalMs: 1_000 }, slow.evaluator);

    // Act: the first round lasts five intervals.
    await vi.advanceTimersByTimeAsync(5_000);
    const whileSlow = slow.begun();
    slow.finish();
    await vi.advanceTimersByTimeAsync(999);
    const justAfter = slow.begun();
    await vi.advanceTimersByTimeAsync(1);
    const afterInterval = slow.begun();
    slow.finish();
    const stopped = alarms.stop();
    await vi.advanceTimersByTimeAsync(5_000);
    await stopped;

    // Assess
    expect([whileSlow, justAfter, afterInterval, slow.begun()]).toEqual([1, 1, 2, 2]);
  });
});
