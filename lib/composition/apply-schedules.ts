import { Logger } from '@aws-lambda-powertools/logger';
import { makeApplySchedulesHandler } from '../handlers/apply-schedules-handler';
import type { TaskRegistryFactory } from '../ports/worker-task-services';
import { apiConfigSchema, ENV, parseConfig } from '../schemas/config';
import type { JobsDeps } from '../use-cases/jobs/deps';
import { awsClients, awsJobsDeps } from './aws-jobs-deps';

/**
 * The apply-schedules Lambda's composition root (the custom resource behind the `Sked` construct's `schedules`): the
 * API's configuration, clients and tasks, so a declared job is validated and written exactly as through the API.
 * Built on the first event, not at cold start, so that a configuration error is answered to CloudFormation.
 */
export function applySchedulesHandler(env: Record<string, string | undefined>, tasks: TaskRegistryFactory) {
  const logger = new Logger({ serviceName: 'sked-apply-schedules' });
  let deps: JobsDeps | undefined;
  const build = (): JobsDeps => {
    const config = parseConfig(apiConfigSchema, env);
    const clients = awsClients({ awsLimitsGuard: config[ENV.awsLimitsGuard] });
    return awsJobsDeps(config, tasks({ includeTestTasks: config[ENV.includeTestTasks] }), logger, clients);
  };
  return makeApplySchedulesHandler({ deps: () => (deps ??= build()), logger });
}
