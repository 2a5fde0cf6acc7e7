import { describe, expect, it } from 'vitest';
import { managedMarker } from '../../../lib/domain/declarations';
import { deleteJob, JobManagedError, patchJob, pauseJob, putJob, resumeJob, runNow } from '../../../lib/use-cases/jobs';
import { bodyOf } from '../../support/fakes/api-gateway-event';
import { apiClient } from '../../support/fakes/api-handler';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

const caller = 'arn:aws:iam::000000000000:user/alice';
const SOURCE = 'ops/sked.schedules.yaml';

async function declaredJob() {
  const deps = fakeJobsDeps();
  const body = cronJobBody({ id: 'nightly' });
  const marker = managedMarker(SOURCE, body as never);
  await putJob(deps, { id: 'nightly', body: { ...body, managedBy: marker }, caller: 'sked apply', force: true });
  return { deps, marker };
}

describe('jobs declared in code', () => {
  it('keeps the marker an apply writes', async () => {
    // Act
    const { deps, marker } = await declaredJob();

    // Assess
    expect(deps.store.jobs.get('nightly')?.managedBy).toEqual(marker);
  });

  it('refuses a PATCH, PUT or DELETE without force with a conflict naming the source', async () => {
    // Prepare
    const { deps } = await declaredJob();

    // Act
    const attempts = [
      patchJob(deps, { id: 'nightly', patch: { name: 'x' }, caller }),
      putJob(deps, { id: 'nightly', body: cronJobBody(), caller }),
      deleteJob(deps, { id: 'nightly', caller }),
    ];

    // Assess
    for (const attempt of attempts) {
      await expect(attempt).rejects.toThrow(JobManagedError);
      await expect(attempt).rejects.toThrow(/declared in code \(ops\/sked.schedules.yaml\)/);
    }
    expect(deps.store.jobs.get('nightly')?.version).toBe(1);
  });

  it('takes a forced PATCH, keeping the job declared and saying who changed it, without the digest', async () => {
    // Prepare
    const { deps, marker } = await declaredJob();

    // Act
    const job = await patchJob(deps, { id: 'nightly', patch: { misfireGraceSeconds: 60 }, caller, force: true });

    // Assess
    expect(job.misfireGraceSeconds).toBe(60);
    expect(job.managedBy).toEqual({
      source: SOURCE,
      fields: marker.fields,
      editedAt: deps.clock.now().toISOString(),
      editedBy: caller,
    });
  });

  it('still pauses, resumes and runs a declared job without force', async () => {
    // Prepare
    const { deps, marker } = await declaredJob();

    // Act
    await pauseJob(deps, { id: 'nightly', body: { reason: 'freeze' }, caller });
    await resumeJob(deps, { id: 'nightly', caller });
    const run = await runNow(deps, { id: 'nightly', body: {}, caller });

    // Assess
    expect(run.runId).toMatch(/-m/);
    expect(deps.store.jobs.get('nightly')?.managedBy).toEqual(marker);
  });

  it('deletes a declared job with force', async () => {
    // Prepare
    const { deps } = await declaredJob();

    // Act
    await deleteJob(deps, { id: 'nightly', caller, force: true });

    // Assess
    expect(deps.store.jobs.has('nightly')).toBe(false);
  });
});

describe('the API with jobs declared in code', () => {
  it('answers a PATCH of a declared job with 409 managed-job, takes it with ?force=true, and refuses a bad force', async () => {
    // Prepare
    const { deps } = await declaredJob();
    const call = apiClient(deps);
    const patch = (query?: Record<string, string>) =>
      call({ method: 'PATCH', path: '/jobs/nightly', body: { name: 'x' }, ...(query !== undefined && { query }) });

    // Act
    const refused = await patch();
    const forced = await patch({ force: 'true' });
    const bad = await patch({ force: 'yes' });

    // Assess
    expect(refused.statusCode).toBe(409);
    expect(bodyOf(refused)).toMatchObject({ type: 'urn:sked:problem:managed-job' });
    expect(forced.statusCode).toBe(200);
    expect(bad.statusCode).toBe(400);
    expect(bodyOf(bad).errors).toEqual([expect.objectContaining({ path: 'query.force' })]);
  });
});
