/**
 * Polls `probe` until `done` accepts its value and returns that value; fails with the last value seen when the
 * time is up. For end-to-end checks of asynchronous effects (schedules firing, alarms changing state).
 */
export async function eventually<T>(
  probe: () => Promise<T>,
  done: (value: T) => boolean,
  options: { readonly timeoutMs: number; readonly intervalMs: number },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: T | undefined;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      last = await probe();
      if (done(last)) return last;
    } catch (error) {
      lastError = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
  }
  const detail = lastError instanceof Error ? `; last error: ${lastError.message}` : '';
  throw new Error(`not reached within ${options.timeoutMs} ms; last value: ${JSON.stringify(last)}${detail}`);
}
