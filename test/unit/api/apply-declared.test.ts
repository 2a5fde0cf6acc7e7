import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../../lib/domain/errors';
import { applyDeclared, createJob } from '../../../lib/use-cases/jobs';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

const SOURCE = 'stack Sked-prod-Stateless';
const caller = 'cdk deploy';
const declaration = (...ids: string[]) => ({ jobs: ids.map((id) => cronJobBody({ id })) });

describe('applying declared jobs through the jobs use cases', () => {
  it('creates declared jobs with their schedules, and a second apply of the same declaration writes nothing', async () => {
    // Prepare
    const deps = fakeJobsDeps();

    // Act
    const first = await applyDeclared(deps, {
      source: SOURCE,
      declaration: declaration('a', 'b'),
      prune: true,
      caller,
    });
    const second = await applyDeclared(deps, {
      source: SOURCE,
      declaration: declaration('a', 'b'),
      prune: true,
      caller,
    });

    // Assess
    expect(first.written).toEqual(['a', 'b']);
    expect([...deps.schedules.definitions.keys()].sort()).toEqual(['a', 'b']);
    expect(deps.store.jobs.get('a')?.managedBy?.source).toBe(SOURCE);
    expect(second.written).toEqual([]);
    expect(second.plan.map((entry) => entry.action)).toEqual(['unchanged', 'unchanged']);
  });

  it('prunes what the source no longer declares and leaves jobs registered through the API alone', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await createJob(deps, { body: cronJobBody({ id: 'dynamic' }), onConflict: 'fail', caller: 'alice' });
    await applyDeclared(deps, { source: SOURCE, declaration: declaration('a', 'b'), prune: true, caller });

    // Act
    const result = await applyDeclared(deps, {
      source: SOURCE,
      declaration: declaration('a', 'dynamic'),
      prune: true,
      caller,
    });

    // Assess
    expect(result.written).toEqual(['b']);
    expect(result.plan.find((entry) => entry.id === 'dynamic')?.action).toBe('conflict');
    expect([...deps.store.jobs.keys()].sort()).toEqual(['a', 'dynamic']);
  });

  it('refuses an invalid declaration naming the job and field', async () => {
    // Act
    const attempt = applyDeclared(deps(), {
      source: SOURCE,
      declaration: { jobs: [{ id: 'x' }] },
      prune: false,
      caller,
    });

    // Assess
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toMatchObject({
      issues: expect.arrayContaining([expect.objectContaining({ path: 'declaration.jobs.0.trigger' })]) as unknown,
    });
  });
});

function deps() {
  return fakeJobsDeps();
}
