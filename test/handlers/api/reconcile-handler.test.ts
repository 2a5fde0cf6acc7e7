import { Logger } from '@aws-lambda-powertools/logger';
import { describe, expect, it } from 'vitest';
import { makeReconcileHandler } from '../../../lib/handlers/reconcile-handler';
import { createJob } from '../../../lib/use-cases/jobs';
import { lambdaContext } from '../../support/fakes/api-gateway-event';
import { cronJobBody, fakeJobsDeps } from '../../support/fakes/jobs-deps';

const logger = new Logger({ serviceName: 'sked-reconcile-test', logLevel: 'SILENT' });

describe('the reconcile handler', () => {
  it('returns the report of what it repaired', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await createJob(deps, { body: cronJobBody({ id: 'lost' }), onConflict: 'fail', caller: 'ops' });
    deps.schedules.definitions.clear();
    const handler = makeReconcileHandler({ deps, logger });

    // Act
    const report = await handler({}, lambdaContext());

    // Assess
    expect(report.fixed).toEqual([{ id: 'lost', action: 'created', reason: 'the schedule was missing' }]);
    expect(deps.schedules.definitions.has('lost')).toBe(true);
  });

  it('fails the invocation when a repair failed, so the error alarm fires', async () => {
    // Prepare
    const deps = fakeJobsDeps();
    await createJob(deps, { body: cronJobBody({ id: 'lost' }), onConflict: 'fail', caller: 'ops' });
    deps.schedules.definitions.clear();
    deps.schedules.beforePut = () => {
      throw new Error('throttled');
    };
    const handler = makeReconcileHandler({ deps, logger });

    // Act
    const attempt = handler({}, lambdaContext());

    // Assess
    await expect(attempt).rejects.toThrow('reconcile failed to repair 1 schedule(s)');
  });
});
