import * as z from 'zod';
import { defineTask, type TaskContext, type TaskDefinition } from '../../../lib/domain/task';

// The tasks of the worker's tests. `aJob()` targets the echo task; a task by another name needs a job that targets it.

type TaskRun = (payload: Record<string, unknown>, context: TaskContext) => Promise<unknown>;

/** The echo task: any payload, 10 seconds, doing what `run` does (`description` says what). */
export function echoTask(description: string, run: TaskRun): TaskDefinition {
  return defineTask({ name: 'echo', description, payload: z.object({}).passthrough(), timeoutSeconds: 10, run });
}

/** The echo task, keeping the attempt of each run in `runs` and answering `{ attempt }`. */
export function countingTask(): { task: TaskDefinition; runs: number[] } {
  const runs: number[] = [];
  const task = echoTask('counts its runs', (_payload, context) => {
    runs.push(context.attempt);
    return Promise.resolve({ attempt: context.attempt });
  });
  return { task, runs };
}

/**
 * The echo task failing its first `failures` attempts (every one unless told) with `attempt N failed`, then
 * answering 'done'; keeps the attempt of each run in `runs`.
 */
export function failingTask(failures = Number.POSITIVE_INFINITY): { task: TaskDefinition; runs: number[] } {
  const runs: number[] = [];
  const task = echoTask('fails the first n attempts', (_payload, context) => {
    runs.push(context.attempt);
    if (context.attempt <= failures) return Promise.reject(new Error(`attempt ${context.attempt} failed`));
    return Promise.resolve('done');
  });
  return { task, runs };
}

/** The echo task failing while `state.failing` is set, as a task whose cause is fixed later; counts its runs. */
export function fixableTask(): { task: TaskDefinition; state: { failing: boolean; runs: number } } {
  const state = { failing: true, runs: 0 };
  const task = echoTask('fails while the flag is set', () => {
    state.runs += 1;
    return state.failing ? Promise.reject(new Error('still failing')) : Promise.resolve('fixed');
  });
  return { task, state };
}

/** A task named `name` with no payload and a 60-second timeout, doing what `run` does (`description` says what). */
export function slowTask(name: string, description: string, run: TaskRun): TaskDefinition {
  return defineTask({ name, description, payload: z.object({}), timeoutSeconds: 60, run });
}

/** A run that ends only when its signal aborts it, failing then. */
export const stopsWhenAborted: TaskRun = (_payload, context) =>
  new Promise((_, reject) => context.signal.addEventListener('abort', () => reject(new Error('aborted'))));
