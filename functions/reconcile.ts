import { Logger } from '@aws-lambda-powertools/logger';
import { TaskRegistry } from '../lib/domain/task';
import { awsJobsDeps } from '../lib/http/aws-jobs-deps';
import { makeReconcileHandler } from '../lib/http/reconcile-handler';
import { parseConfig, reconcileConfigSchema } from '../lib/schemas/config';

/** The reconcile Lambda, run on its own schedule: same configuration as the API, no tasks needed. */
const config = parseConfig(reconcileConfigSchema, process.env);
const logger = new Logger({ serviceName: 'sked-reconcile' });

export const handler = makeReconcileHandler({ deps: awsJobsDeps(config, new TaskRegistry([]), logger), logger });
