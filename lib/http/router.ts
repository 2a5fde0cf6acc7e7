import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { MethodNotAllowedError, RouteNotFoundError } from './http-errors';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RouteRequest {
  readonly event: APIGatewayProxyEvent;
  /** Path parameters by name, URI-decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export type RouteHandler = (request: RouteRequest) => Promise<APIGatewayProxyResult>;

interface Route {
  readonly method: HttpMethod;
  readonly pattern: string;
  readonly segments: readonly string[];
  readonly handler: RouteHandler;
}

const splitPath = (path: string): string[] => path.split('/').filter((segment) => segment.length > 0);

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/**
 * A small router over API Gateway proxy events: `/jobs/{id}` patterns matched segment by segment on `event.path`.
 * An unknown path is a 404 problem, a known path with another method a 405 with Allow.
 */
export class Router {
  private readonly routes: Route[] = [];

  on(method: HttpMethod, pattern: string, handler: RouteHandler): this {
    this.routes.push({ method, pattern, segments: splitPath(pattern), handler });
    return this;
  }

  /** Every route, e.g. for a test that checks each one is documented. */
  list(): { method: HttpMethod; pattern: string }[] {
    return this.routes.map(({ method, pattern }) => ({ method, pattern }));
  }

  async handle(event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> {
    const segments = splitPath(event.path ?? '/');
    const allowed: string[] = [];
    for (const route of this.routes) {
      const params = match(route.segments, segments);
      if (params === undefined) continue;
      if (route.method === event.httpMethod?.toUpperCase()) return route.handler({ event, params });
      allowed.push(route.method);
    }
    if (allowed.length > 0) throw new MethodNotAllowedError(event.httpMethod, allowed);
    throw new RouteNotFoundError(event.path);
  }
}

function match(pattern: readonly string[], segments: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (const [index, part] of pattern.entries()) {
    const segment = segments[index] ?? '';
    const name = /^\{(\w+)\}$/.exec(part)?.[1];
    if (name !== undefined) params[name] = decode(segment);
    else if (part !== segment) return undefined;
  }
  return params;
}
