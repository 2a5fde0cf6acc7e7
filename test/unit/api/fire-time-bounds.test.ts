import { describe, expect, it } from 'vitest';
import { MAX_YEAR, MIN_YEAR } from '../../../lib/domain/cron';
import { ValidationError } from '../../../lib/domain/errors';
import { LAST_FIRE_TIME } from '../../../lib/domain/next-fire-times';
import { MAX_INTERVAL_DAYS } from '../../../lib/schemas/trigger';
import { createJob, getJob, previewTrigger } from '../../../lib/use-cases/jobs';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

const DAY_MS = 86_400_000;
const caller = 'arn:aws:iam::000000000000:user/alice';

/** The field paths a ValidationError names, or the error itself when it is something else. */
function issuePaths(attempt: () => unknown): string[] {
  try {
    attempt();
  } catch (error) {
    if (error instanceof ValidationError) return error.issues.map((issue) => issue.path);
    throw error;
  }
  return [];
}

describe('interval bounds', () => {
  it('allows at most the span of the years EventBridge Scheduler schedules within', () => {
    // Act
    const span = (Date.UTC(MAX_YEAR + 1, 0, 1) - Date.UTC(MIN_YEAR, 0, 1)) / DAY_MS;

    // Assess
    expect(MAX_INTERVAL_DAYS).toBe(span);
  });

  it('refuses an interval of 4,363,572 weeks at its field instead of overflowing its fire times', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const paths = issuePaths(() =>
      previewTrigger(deps, { trigger: { type: 'interval', weeks: 4_363_572, seconds: 19_380 } }),
    );

    // Assess
    expect(paths).toEqual(['trigger.weeks']);
  });

  it('refuses fields that each fit but add up to more than the longest interval, saying the limit', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const attempt = () => previewTrigger(deps, { trigger: { type: 'interval', days: MAX_INTERVAL_DAYS, hours: 1 } });

    // Assess
    expect(attempt).toThrow(/too long: 7258122000 seconds is more than 84006 days, rate\(84006 days\)/);
  });

  it('accepts the longest interval and lists its one fire time before 2200', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const preview = previewTrigger(deps, {
      trigger: { type: 'interval', days: MAX_INTERVAL_DAYS },
      from: '2030-01-01T00:00:00Z',
    });

    // Assess
    expect(preview).toEqual({
      precision: 'minute',
      expression: `rate(${MAX_INTERVAL_DAYS} days)`,
      timezone: 'UTC',
      nextRuns: ['2030-01-01T00:00:00.000Z'],
    });
  });
});

describe('fire times past 2199', () => {
  it('ends at the last instant of 2199, as the descriptions in openapi.json say', () => {
    expect(LAST_FIRE_TIME.toISOString()).toBe('2199-12-31T23:59:59.999Z');
  });

  it('stops an interval preview at the end of 2199 rather than list five-digit years', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const preview = previewTrigger(deps, {
      trigger: { type: 'interval', weeks: 3000 },
      from: '2030-01-01T00:00:00Z',
      count: 5,
    });

    // Assess
    expect(preview.nextRuns).toEqual([
      '2030-01-01T00:00:00.000Z',
      '2087-07-01T00:00:00.000Z',
      '2144-12-29T00:00:00.000Z',
    ]);
  });

  it('stops a cron preview at the end of 2199', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const preview = previewTrigger(deps, {
      trigger: { type: 'cron', expression: '0 0 1 1 *' },
      from: '2198-06-01T00:00:00Z',
      count: 5,
    });

    // Assess
    expect(preview.nextRuns).toEqual(['2199-01-01T00:00:00.000Z']);
  });

  it('lists nothing for a date after 2199, nor for a window that opens after it', () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const late = previewTrigger(deps, { trigger: { type: 'date', runAt: '9999-12-31T23:59:00-14:00' } });
    const window = previewTrigger(deps, { trigger: { type: 'interval', minutes: 5 }, from: '2200-01-01T00:00:00Z' });

    // Assess
    expect(late.nextRuns).toEqual([]);
    expect(window.nextRuns).toEqual([]);
  });

  it("stops a job's next fire times at the end of 2199 too", async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await createJob(deps, {
      body: cronJobBody({ id: 'late', trigger: { type: 'interval', days: 1 }, startAt: '2199-12-30T00:00:00Z' }),
      onConflict: 'fail',
      caller,
    });

    // Act
    const detail = await getJob(deps, 'late');

    // Assess
    expect(detail.nextRuns).toEqual(['2199-12-30T00:00:00.000Z', '2199-12-31T00:00:00.000Z']);
  });
});
