import { ValidationError } from '../../domain/errors';

/** Opaque page cursor: base64url of a DynamoDB key whose values are all strings. */
export function encodeCursor(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor(cursor: string, expectedKeys: readonly string[]): Record<string, string> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (
      typeof parsed === 'object' &&
      parsed !== null &&
      expectedKeys.every((key) => typeof (parsed as Record<string, unknown>)[key] === 'string') &&
      Object.keys(parsed).length === expectedKeys.length
    ) {
      return parsed as Record<string, string>;
    }
  } catch {
    // fall through to the validation error below
  }
  throw ValidationError.at('cursor', 'not a cursor returned by this API');
}
