import { Logger } from '@aws-lambda-powertools/logger';
import { TaskRegistry } from '../domain/task';
import { makeReconcileHandler } from '../handlers/reconcile-handler';
import { parseConfig, reconcileConfigSchema } from '../schemas/config';
import { awsJobsDeps } from './aws-jobs-deps';

/** The reconcile Lambda's composition root: the API's configuration and clients, no tasks needed. */
export function reconcileHandler(env: Record<string, string | undefined>) {
  const config = parseConfig(reconcileConfigSchema, env);
  const logger = new Logger({ serviceName: 'sked-reconcile' });
  return makeReconcileHandler({ deps: awsJobsDeps(config, new TaskRegistry([]), logger), logger });
}
