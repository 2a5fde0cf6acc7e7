import { describe, expect, it } from 'vitest';
import { buildJob, etagOf, retryDelaySeconds } from '../../../lib/domain/job';
import { ValidationError } from '../../../lib/domain/errors';
import { DEFAULT_JOB_POLICIES, jobInputSchema, type JobInput } from '../../../lib/schemas/job';

const now = new Date('2026-06-01T12:00:00Z');
const context = { now, newId: () => 'generated-id', defaults: DEFAULT_JOB_POLICIES };
const minimal: JobInput = {
  trigger: { type: 'cron', expression: '30 10 * * *' },
  target: { type: 'task', task: 'report', payload: {} },
};
const parse = (input: JobInput) => jobInputSchema.parse(input);

function validationIssues(action: () => unknown): { path: string; message: string }[] {
  try {
    action();
  } catch (error) {
    if (error instanceof ValidationError) return [...error.issues];
    throw error;
  }
  throw new Error('expected a ValidationError');
}

describe('building a job from client input', () => {
  it('applies every default and generates an id when none is given', () => {
    // Act
    const job = buildJob(parse(minimal), context);

    // Assess
    expect(job).toEqual({
      id: 'generated-id',
      name: 'generated-id',
      description: undefined,
      group: 'default',
      trigger: minimal.trigger,
      startAt: undefined,
      endAt: undefined,
      jitterMinutes: 0,
      target: minimal.target,
      retry: { maxAttempts: 3, initialSeconds: 30, multiplier: 2, maxSeconds: 3600 },
      misfireGraceSeconds: 300,
      coalesce: true,
      maxConcurrent: 1,
      slotsHighWater: 1,
      overlap: 'skip',
      tags: [],
      state: 'enabled',
      paused: undefined,
      version: 1,
      createdAt: '2026-06-01T12:00:00.000Z',
      updatedAt: '2026-06-01T12:00:00.000Z',
    });
  });

  it('keeps what the client set and merges a partial retry policy over the defaults', () => {
    // Act
    const job = buildJob(
      parse({
        ...minimal,
        id: 'nightly',
        name: 'Nightly',
        group: 'billing',
        retry: { maxAttempts: 5 },
        tags: ['a', 'a', 'b'],
        overlap: 'queue',
        maxConcurrent: 2,
        coalesce: false,
        misfireGraceSeconds: 10,
        jitterMinutes: 15,
      }),
      context,
    );

    // Assess
    expect(job).toMatchObject({
      id: 'nightly',
      name: 'Nightly',
      group: 'billing',
      retry: { maxAttempts: 5, initialSeconds: 30, multiplier: 2, maxSeconds: 3600 },
      tags: ['a', 'b'],
      overlap: 'queue',
      maxConcurrent: 2,
      coalesce: false,
      misfireGraceSeconds: 10,
      jitterMinutes: 15,
    });
  });

  it('replacing a paused job keeps it paused, keeps its creation time and bumps the version', () => {
    // Prepare
    const previous = {
      ...buildJob(parse({ ...minimal, id: 'p' }), { ...context, now: new Date('2026-01-01T00:00:00Z') }),
      state: 'paused' as const,
      paused: { at: '2026-02-01T00:00:00Z', by: 'ops', reason: 'maintenance' },
      version: 4,
    };

    // Act
    const job = buildJob(parse({ ...minimal, name: 'renamed' }), context, previous);

    // Assess
    expect(job).toMatchObject({
      id: 'p',
      name: 'renamed',
      state: 'paused',
      paused: previous.paused,
      version: 5,
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-06-01T12:00:00.000Z',
    });
  });

  it('rejects an end before the start, an end in the past and a retry ceiling below its start, naming each field', () => {
    // Act
    const issues = validationIssues(() =>
      buildJob(
        parse({
          ...minimal,
          startAt: '2026-05-01T00:00:00Z',
          endAt: '2026-04-01T00:00:00Z',
          retry: { initialSeconds: 100, maxSeconds: 10 },
        }),
        context,
      ),
    );

    // Assess
    expect(issues.map((issue) => issue.path)).toEqual(['endAt', 'endAt', 'retry.maxSeconds']);
    expect(issues[0]?.message).toMatch(/after startAt/);
  });

  it('reports trigger problems together with the other fields', () => {
    // Act
    const issues = validationIssues(() =>
      buildJob(
        parse({
          ...minimal,
          trigger: { type: 'interval', seconds: 5 },
          precision: 'minute',
          endAt: '2020-01-01T00:00:00Z',
        }),
        context,
      ),
    );

    // Assess
    expect(issues.map((issue) => issue.path)).toContain('endAt');
    expect(issues.some((issue) => issue.path.startsWith('trigger'))).toBe(true);
  });

  it('does not swallow errors other than validation errors', () => {
    // Prepare
    const broken: ReturnType<typeof parse> = {
      ...parse(minimal),
      trigger: null as unknown as ReturnType<typeof parse>['trigger'],
    };

    // Act / Assess
    expect(() => buildJob(broken, context)).toThrow(TypeError);
  });
});

describe('retry backoff', () => {
  const retry = { maxAttempts: 5, initialSeconds: 30, multiplier: 2, maxSeconds: 100 };

  it.each([
    [2, 30],
    [3, 60],
    [4, 100],
    [5, 100],
  ])('waits before attempt %i for %i seconds, capped by maxSeconds', (attempt, seconds) => {
    expect(retryDelaySeconds(retry, attempt)).toBe(seconds);
  });

  it('never waits a negative exponent for the first attempt', () => {
    expect(retryDelaySeconds(retry, 1)).toBe(30);
  });
});

describe('etags', () => {
  it('change with the version', () => {
    expect(etagOf({ id: 'a', version: 1 })).toBe('"a.v1"');
    expect(etagOf({ id: 'a', version: 2 })).not.toBe(etagOf({ id: 'a', version: 1 }));
  });
});
