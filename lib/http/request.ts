import type { APIGatewayProxyEvent } from 'aws-lambda';
import { ValidationError } from '../domain/errors';
import { MAX_BODY_BYTES } from '../schemas/api';
import type { IfMatch } from '../use-cases/jobs/deps';
import { BodyTooLargeError, MalformedJsonError, UnsupportedMediaTypeError } from './http-errors';

/** Header names lower-cased: HTTP header names are case-insensitive, API Gateway passes them as sent. */
export function headersOf(event: APIGatewayProxyEvent): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.headers ?? {})) {
    if (value !== undefined) headers[name.toLowerCase()] = value;
  }
  return headers;
}

const JSON_MEDIA_TYPE = /^application\/([a-z0-9.+-]+\+)?json$/;

/**
 * The body as JSON, or undefined when there is none. Refuses bodies over MAX_BODY_BYTES (413), media types other
 * than JSON (415: application/json, or a +json type such as application/merge-patch+json) and malformed JSON (400).
 */
export function jsonBodyOf(event: APIGatewayProxyEvent): unknown {
  const raw = event.body;
  if (raw === null || raw === undefined || raw.length === 0) return undefined;
  const bytes = event.isBase64Encoded ? Buffer.from(raw, 'base64') : Buffer.from(raw, 'utf8');
  if (bytes.length > MAX_BODY_BYTES) throw new BodyTooLargeError(bytes.length, MAX_BODY_BYTES);
  const contentType = headersOf(event)['content-type'];
  if (contentType !== undefined) {
    const mediaType = (contentType.split(';')[0] ?? '').trim().toLowerCase();
    if (!JSON_MEDIA_TYPE.test(mediaType)) throw new UnsupportedMediaTypeError(mediaType || contentType);
  }
  const text = bytes.toString('utf8');
  if (text.trim().length === 0) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new MalformedJsonError(error instanceof SyntaxError ? error.message : 'unparseable');
  }
}

/**
 * The body of a route whose body is optional: undefined when none is sent, else a JSON object. Any other JSON value,
 * `null` included, is refused at `body`, as the routes whose body is required refuse it; it never means "no body".
 */
export function optionalObjectBodyOf(event: APIGatewayProxyEvent): object | undefined {
  const body = jsonBodyOf(event);
  if (body === undefined) return undefined;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    const got = body === null ? 'null' : Array.isArray(body) ? 'an array' : `a ${typeof body}`;
    throw ValidationError.at('body', `the body must be a JSON object, or be left out; got ${got}`);
  }
  return body;
}

/** The query string as a plain record (the last value of a repeated parameter). */
export function queryOf(event: APIGatewayProxyEvent): Record<string, string> {
  const query: Record<string, string> = {};
  for (const [name, value] of Object.entries(event.queryStringParameters ?? {})) {
    if (value !== undefined) query[name] = value;
  }
  return query;
}

/** If-Match as entity tags, `*`, or undefined when absent. */
export function ifMatchOf(event: APIGatewayProxyEvent): IfMatch | undefined {
  const header = headersOf(event)['if-match'];
  if (header === undefined) return undefined;
  if (header.trim() === '*') return '*';
  const tags = header.match(/(?:W\/)?"[^"]*"/g);
  if (tags === null) {
    throw ValidationError.at('header.If-Match', 'not an entity tag; send the ETag of the job, quotes included');
  }
  return tags;
}

/**
 * Who is calling, for `paused.by` and lifecycle events: the IAM principal with SigV4, the JWT subject (or user
 * name) with a Cognito authorizer, a Lambda authorizer's principal, or 'unknown'.
 */
export function callerOf(event: APIGatewayProxyEvent): string {
  const { identity, authorizer } = event.requestContext ?? {};
  if (typeof identity?.userArn === 'string' && identity.userArn.length > 0) return identity.userArn;
  const claims: unknown = authorizer?.claims;
  if (typeof claims === 'object' && claims !== null) {
    for (const name of ['cognito:username', 'username', 'sub']) {
      const value: unknown = (claims as Record<string, unknown>)[name];
      if (typeof value === 'string' && value.length > 0) return value;
    }
  }
  const principal: unknown = authorizer?.principalId;
  if (typeof principal === 'string' && principal.length > 0) return principal;
  return 'unknown';
}
