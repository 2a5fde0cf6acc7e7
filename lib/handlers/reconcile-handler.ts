import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Logger } from '@aws-lambda-powertools/logger';
import type { Context } from 'aws-lambda';
import { reconcile, type ReconcileReport } from '../use-cases/jobs/reconcile';
import type { JobsDeps } from '../use-cases/jobs/deps';

export interface ReconcileHandlerOptions {
  readonly deps: Pick<JobsDeps, 'store' | 'schedules' | 'clock' | 'target' | 'log'>;
  readonly logger: Logger;
}

/**
 * The scheduled reconcile run: repairs drift between the jobs table and the schedule group and logs what it
 * fixed. A run that could not repair everything fails, so the function's error alarm pages someone.
 */
export function makeReconcileHandler(
  options: ReconcileHandlerOptions,
): (event: unknown, context: Context) => Promise<ReconcileReport> {
  return middy<unknown, ReconcileReport, Error, Context>()
    .use(injectLambdaContext(options.logger))
    .handler(async () => {
      const report = await reconcile(options.deps);
      const summary = { ...report, fixedCount: report.fixed.length, failedCount: report.failed.length };
      if (report.failed.length > 0) {
        options.logger.error('reconcile could not repair everything', summary);
        throw new Error(`reconcile failed to repair ${report.failed.length} schedule(s)`);
      }
      options.logger.info(report.fixed.length > 0 ? 'reconcile repaired drift' : 'reconcile found no drift', summary);
      return report;
    });
}
