import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export interface RequestSpec {
  readonly method: string;
  readonly path: string;
  /** Serialised as JSON unless a string (sent as is). */
  readonly body?: unknown;
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
  readonly userArn?: string;
}

/** A REST API (v1) proxy event as API Gateway sends it for `/{proxy+}`. */
export function apiEvent(spec: RequestSpec): APIGatewayProxyEvent {
  const body = spec.body === undefined ? null : typeof spec.body === 'string' ? spec.body : JSON.stringify(spec.body);
  const headers = {
    ...(body !== null && { 'Content-Type': 'application/json' }),
    ...spec.headers,
  };
  return {
    resource: '/{proxy+}',
    path: spec.path,
    httpMethod: spec.method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: spec.query ?? null,
    multiValueQueryStringParameters: spec.query
      ? Object.fromEntries(Object.entries(spec.query).map(([name, value]) => [name, [value]]))
      : null,
    pathParameters: { proxy: spec.path.replace(/^\//, '') },
    stageVariables: null,
    body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: 'api',
      authorizer: null,
      protocol: 'HTTP/1.1',
      httpMethod: spec.method,
      identity: {
        accessKey: null,
        accountId: '000000000000',
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '203.0.113.9',
        user: null,
        userAgent: 'test',
        userArn: spec.userArn ?? 'arn:aws:iam::000000000000:user/alice',
      },
      path: `/test${spec.path}`,
      stage: 'test',
      requestId: 'req-1',
      requestTimeEpoch: 0,
      resourceId: 'res',
      resourcePath: '/{proxy+}',
    },
  };
}

export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName: 'sked-api',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:sked-api',
    memoryLimitInMB: '512',
    awsRequestId: 'aws-req-1',
    logGroupName: '/aws/lambda/sked-api',
    logStreamName: 'stream',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/** A response body as JSON (test-side helper; the shapes are asserted by the tests). */
export function bodyOf(response: { body: string }): Record<string, unknown> {
  const parsed: unknown = response.body === '' ? {} : JSON.parse(response.body);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not a JSON object');
  return parsed as Record<string, unknown>;
}
