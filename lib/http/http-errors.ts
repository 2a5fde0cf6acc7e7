/** Errors of the HTTP envelope itself, before any use case runs. */

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  constructor(
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(`the request body is ${bytes} bytes; the limit is ${limit} bytes`);
  }
}

export class MalformedJsonError extends Error {
  override readonly name = 'MalformedJsonError';
  constructor(reason: string) {
    super(`the request body is not valid JSON: ${reason}`);
  }
}

export class UnsupportedMediaTypeError extends Error {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(readonly contentType: string) {
    super(`content-type ${contentType} is not supported; send application/json`);
  }
}

export class RouteNotFoundError extends Error {
  override readonly name = 'RouteNotFoundError';
  constructor(readonly path: string) {
    super(`no resource at ${path}`);
  }
}

export class MethodNotAllowedError extends Error {
  override readonly name = 'MethodNotAllowedError';
  constructor(
    readonly method: string,
    readonly allowed: readonly string[],
  ) {
    super(`${method} is not allowed here; allowed: ${allowed.join(', ')}`);
  }
}
