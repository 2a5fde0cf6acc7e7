import { afterAll, afterEach, beforeEach } from 'vitest';

/**
 * Keeps a passing run quiet and a failing one readable. The code under test writes straight to stdout and stderr
 * (Powertools loggers and EMF metrics do, past Vitest's console capture), so this setup file holds those writes
 * per test and prints them only when that test fails. What is written outside any test (suite hooks, such as a
 * deployment) is held per file and printed when a hook or a test of the file fails. A test that spies on
 * `process.stdout.write` itself still sees every write first.
 */
type Stream = 'stdout' | 'stderr';
interface Held {
  readonly stream: Stream;
  readonly text: string;
}

const writers = {
  stdout: process.stdout.write.bind(process.stdout),
  stderr: process.stderr.write.bind(process.stderr),
};

const fileOutput: Held[] = [];
let testOutput: Held[] | undefined;
let anyFailed = false;

function hold(stream: Stream): typeof process.stdout.write {
  return (chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    (testOutput ?? fileOutput).push({ stream, text });
    const callback = rest.find(
      (argument): argument is (error?: Error | null) => void => typeof argument === 'function',
    );
    callback?.();
    return true;
  };
}

function release(held: readonly Held[], heading: string): void {
  if (held.length === 0) return;
  writers.stderr(`\n── ${heading} ──\n`);
  for (const { stream, text } of held) writers[stream](text);
}

process.stdout.write = hold('stdout');
process.stderr.write = hold('stderr');

beforeEach((context) => {
  const output: Held[] = [];
  testOutput = output;
  context.onTestFailed(() => {
    anyFailed = true;
    release(output, `output of the failed test "${context.task.name}"`);
  });
});

afterEach(() => {
  testOutput = undefined;
});

// Vitest hands hook fixtures first (destructured, none needed here) and the file's suite second.
// eslint-disable-next-line no-empty-pattern
afterAll(({}, suite) => {
  const hookFailed = (suite.result?.errors?.length ?? 0) > 0 || suite.result?.state === 'fail';
  if (anyFailed || hookFailed) release(fileOutput, `output of ${suite.name} outside its tests`);
  process.stdout.write = writers.stdout;
  process.stderr.write = writers.stderr;
});
