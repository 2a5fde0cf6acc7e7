import type { Logger } from '@aws-lambda-powertools/logger';
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { problemFor, problemResponse } from './problem';

/**
 * The one place errors become HTTP answers: every error is turned into an RFC 9457 problem. Client faults are
 * logged at info without a stack; server faults at error with the stack, which never reaches the client.
 */
export function problemDetails(
  logger: Logger,
): MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult, Error, Context> {
  return {
    onError: (request) => {
      const requestId = request.context?.awsRequestId ?? request.event?.requestContext?.requestId ?? 'unknown';
      const mapped = problemFor(request.error, requestId);
      if (mapped.serverFault) {
        const { error } = request;
        if (error instanceof Error) logger.error('request failed', error);
        else logger.error('request failed', String(error));
      } else {
        logger.info('request refused', {
          status: mapped.problem.status,
          type: mapped.problem.type,
          detail: mapped.problem.detail,
        });
      }
      request.response = problemResponse(mapped, request.event?.path);
    },
  };
}
