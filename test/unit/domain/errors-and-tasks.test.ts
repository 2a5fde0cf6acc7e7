import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import {
  JobConflictError,
  JobNotFoundError,
  RunNotFoundError,
  StaleVersionError,
  ValidationError,
} from '../../../lib/domain/errors';
import { defineTask, TaskRegistry } from '../../../lib/domain/task';

const task = (name: string) =>
  defineTask({ name, description: name, payload: z.object({}), timeoutSeconds: 1, run: () => Promise.resolve(name) });

describe('domain errors', () => {
  it('say which field was wrong and why', () => {
    // Act
    const error = new ValidationError([
      { path: 'trigger.expression', message: 'six fields expected' },
      { path: 'endAt', message: 'endAt must be after startAt' },
    ]);

    // Assess
    expect(error.message).toBe('trigger.expression: six fields expected; endAt: endAt must be after startAt');
    expect(ValidationError.at('id', 'bad').issues).toEqual([{ path: 'id', message: 'bad' }]);
  });

  it('name the job and run they are about', () => {
    expect(new JobNotFoundError('a').message).toBe('job a does not exist');
    expect(new JobConflictError('a').message).toBe('job a already exists');
    expect(new RunNotFoundError('a', 'r1').message).toBe('run r1 of job a does not exist');
    expect(new StaleVersionError('a', '3').message).toBe('job a changed since version 3');
  });
});

describe('the task registry', () => {
  it('finds tasks by name and lists them sorted', () => {
    // Prepare
    const registry = new TaskRegistry([task('report'), task('cleanup')]);

    // Act / Assess
    expect(registry.names()).toEqual(['cleanup', 'report']);
    expect(registry.all().map((entry) => entry.name)).toEqual(['cleanup', 'report']);
    expect(registry.get('report')?.name).toBe('report');
    expect(registry.get('missing')).toBeUndefined();
  });

  it('refuses two tasks with the same name', () => {
    expect(() => new TaskRegistry([task('report'), task('report')])).toThrow('task report is defined twice');
  });
});
