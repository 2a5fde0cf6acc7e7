import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { makeApiHandler } from '../../../lib/handlers/api-handler';
import { buildOpenApiDocument } from '../../../lib/openapi';
import type { JobsDeps } from '../../../lib/use-cases/jobs/deps';
import { apiEvent, lambdaContext, type RequestSpec } from './api-gateway-event';

/** The real handler chain (middy, router, problem middleware) over the given deps, called like Lambda does. */
export function apiClient(deps: JobsDeps, logger = new Logger({ serviceName: 'sked-api-test', logLevel: 'SILENT' })) {
  const handler = makeApiHandler({ deps, logger, openApiDocument: buildOpenApiDocument });
  return (spec: RequestSpec): Promise<APIGatewayProxyResult> => handler(apiEvent(spec), lambdaContext());
}
