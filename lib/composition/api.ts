import { Logger } from '@aws-lambda-powertools/logger';
import { makeApiHandler } from '../handlers/api-handler';
import { buildOpenApiDocument } from '../openapi';
import type { TaskRegistryFactory } from '../ports/worker-task-services';
import { apiFunctionConfigSchema, ENV, parseConfig } from '../schemas/config';
import { awsDeadLetterDeps } from './aws-dead-letter-deps';
import { awsClients, awsJobsDeps } from './aws-jobs-deps';

/** The API Lambda's composition root: config parsed and clients built once per container. */
export function apiHandler(env: Record<string, string | undefined>, tasks: TaskRegistryFactory) {
  const config = parseConfig(apiFunctionConfigSchema, env);
  const logger = new Logger({ serviceName: 'sked-api' });
  const clients = awsClients({ awsLimitsGuard: config[ENV.awsLimitsGuard] });
  const deps = awsJobsDeps(config, tasks({ includeTestTasks: config[ENV.includeTestTasks] }), logger, clients);
  // Built on the first GET /openapi.json, not at cold start: most containers never serve it.
  let openApiDocument: ReturnType<typeof buildOpenApiDocument> | undefined;
  return makeApiHandler({
    deps,
    deadLetters: awsDeadLetterDeps(config, deps, clients.sqs),
    logger,
    openApiDocument: () => (openApiDocument ??= buildOpenApiDocument()),
  });
}
