import { describe, expect, it } from 'vitest';
import { declarationDigest, managedMarker, planApply, writesOf } from '../../../lib/domain/declarations';
import { ValidationError } from '../../../lib/domain/errors';
import type { DeclaredJob, ManagedBy } from '../../../lib/schemas/declarations';
import type { Job } from '../../../lib/schemas/job';
import { aJob } from '../../support/worker/builders';

const SOURCE = 'sked.schedules.yaml';

const declared = (id: string, overrides: Partial<DeclaredJob> = {}): DeclaredJob => ({
  id,
  trigger: { type: 'cron', expression: '0 3 * * *' },
  target: { type: 'task', task: 'echo', payload: {} },
  ...overrides,
});

/** The job an apply of `declaration` left, marked as managed by `source`. */
function applied(
  declaration: DeclaredJob,
  source = SOURCE,
  marker: Partial<ManagedBy> = {},
): Job & { managedBy: ManagedBy } {
  return {
    ...aJob({ id: declaration.id, trigger: declaration.trigger, target: { type: 'task', task: 'echo', payload: {} } }),
    ...(declaration.retry?.maxAttempts !== undefined && {
      retry: { ...aJob().retry, maxAttempts: declaration.retry.maxAttempts },
    }),
    managedBy: { ...managedMarker(source, declaration), ...marker },
  };
}

describe('planning an apply of declared jobs', () => {
  it('creates what is new, leaves what was applied unchanged, and makes no write for an unchanged file', () => {
    // Prepare
    const file = [declared('a'), declared('b'), declared('c')];
    const existing = [applied(file[0] as DeclaredJob), applied(file[1] as DeclaredJob)];

    // Act
    const plan = planApply(SOURCE, file, existing, { prune: false });
    const again = planApply(SOURCE, file, [...existing, applied(file[2] as DeclaredJob)], { prune: false });

    // Assess
    expect(plan.map((entry) => [entry.id, entry.action])).toEqual([
      ['a', 'unchanged'],
      ['b', 'unchanged'],
      ['c', 'create'],
    ]);
    expect(writesOf(again)).toBe(0);
  });

  it('shows an edit of one field as a one-field diff', () => {
    // Prepare
    const before = declared('a', { retry: { maxAttempts: 3 } });
    const after = declared('a', { retry: { maxAttempts: 5 } });

    // Act
    const [entry] = planApply(SOURCE, [after], [applied(before)], { prune: false });

    // Assess
    expect(entry).toMatchObject({ action: 'update', changes: [{ path: 'retry.maxAttempts', from: 3, to: 5 }] });
  });

  it('shows a field the declaration no longer gives as removed, and a new trigger whole', () => {
    // Prepare
    const before = declared('a', {
      description: 'nightly',
      trigger: { type: 'cron', expression: '0 3 * * *', timezone: 'Europe/Paris' },
    });
    const after = declared('a', { trigger: { type: 'cron', expression: '0 3 * * *' } });
    const job = { ...applied(before), description: 'nightly' };

    // Act
    const [entry] = planApply(SOURCE, [after], [job], { prune: false });

    // Assess
    expect(entry).toMatchObject({
      action: 'update',
      changes: [
        { path: 'trigger', from: before.trigger, to: after.trigger },
        { path: 'description', from: 'nightly' },
      ],
    });
  });

  it('deletes a job removed from the file only with prune, and reports it otherwise', () => {
    // Prepare
    const existing = [applied(declared('a')), applied(declared('gone'))];

    // Act
    const kept = planApply(SOURCE, [declared('a')], existing, { prune: false });
    const pruned = planApply(SOURCE, [declared('a')], existing, { prune: true });

    // Assess
    expect(kept.find((entry) => entry.id === 'gone')?.action).toBe('orphaned');
    expect(pruned.find((entry) => entry.id === 'gone')?.action).toBe('delete');
  });

  it('never touches a job registered through the API or declared by another source', () => {
    // Prepare
    const dynamic = aJob({ id: 'dynamic' });
    const theirs = applied(declared('theirs'), 'other/sked.schedules.yaml');

    // Act
    const plan = planApply(SOURCE, [declared('dynamic'), declared('theirs')], [dynamic, theirs], { prune: true });

    // Assess
    expect(plan.map((entry) => entry.action)).toEqual(['conflict', 'conflict']);
    expect(writesOf(plan)).toBe(0);
  });

  it('updates a job changed through the API with force, saying who changed it', () => {
    // Prepare
    const declaration = declared('a');
    const edited = {
      ...applied(declaration, SOURCE, { editedAt: '2030-01-02T00:00:00.000Z', editedBy: 'alice' }),
      trigger: { type: 'cron' as const, expression: '0 4 * * *' },
    };
    const { digest: _digest, ...marker } = edited.managedBy;

    // Act
    const [entry] = planApply(SOURCE, [declaration], [{ ...edited, managedBy: marker }], { prune: false });

    // Assess
    expect(entry).toMatchObject({
      action: 'update',
      changes: [{ path: 'trigger', to: declaration.trigger }],
      editedOutside: { at: '2030-01-02T00:00:00.000Z', by: 'alice' },
    });
  });

  it('refuses an id declared twice, naming both places', () => {
    // Act
    const attempt = () => planApply(SOURCE, [declared('a'), declared('b'), declared('a')], [], { prune: false });

    // Assess
    expect(attempt).toThrow(ValidationError);
    expect(attempt).toThrow(/'a' is declared twice \(also jobs.0.id\)/);
  });

  it('digests a declaration by content, whatever the order of its keys', () => {
    // Act / Assess
    expect(
      declarationDigest({ id: 'a', trigger: { type: 'interval', minutes: 5 }, target: { type: 'task', task: 'x' } }),
    ).toBe(
      declarationDigest({ target: { task: 'x', type: 'task' }, trigger: { minutes: 5, type: 'interval' }, id: 'a' }),
    );
    expect(declarationDigest(declared('a'))).not.toBe(declarationDigest(declared('a', { tags: ['x'] })));
  });
});
