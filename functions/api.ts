import { Logger } from '@aws-lambda-powertools/logger';
import { makeApiHandler } from '../lib/http/api-handler';
import { awsJobsDeps } from '../lib/http/aws-jobs-deps';
import { buildOpenApiDocument } from '../lib/openapi';
import { apiConfigSchema, ENV, parseConfig } from '../lib/schemas/config';
import { taskRegistry } from './tasks';

/** The API Lambda: config parsed and clients built once per container, then every request through the router. */
const config = parseConfig(apiConfigSchema, process.env);
const logger = new Logger({ serviceName: 'sked-api' });
// Built on the first GET /openapi.json, not at cold start: most containers never serve it.
let openApiDocument: ReturnType<typeof buildOpenApiDocument> | undefined;

export const handler = makeApiHandler({
  deps: awsJobsDeps(config, taskRegistry({ includeTestTasks: config[ENV.includeTestTasks] }), logger),
  logger,
  openApiDocument: () => (openApiDocument ??= buildOpenApiDocument()),
});
