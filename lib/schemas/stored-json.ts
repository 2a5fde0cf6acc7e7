import * as z from 'zod';

/**
 * JSON that sked stores in DynamoDB (task payloads, webhook bodies, run results). DynamoDB keeps numbers of up to
 * 38 digits between 1e-130 and 1e126, and the SDK's marshaller takes only JavaScript numbers it can write without
 * loss: within ±(2^53 - 1). A number outside both is refused at the API, with its path, rather than failing the
 * write later.
 */
export function isStorableNumber(value: number): boolean {
  const magnitude = Math.abs(value);
  return Number.isFinite(value) && magnitude <= Number.MAX_SAFE_INTEGER && (magnitude === 0 || magnitude >= 1e-130);
}

export const UNSTORABLE_NUMBER_MESSAGE =
  'number cannot be stored exactly: keep numbers within ±9007199254740991 and above 1e-130 in magnitude, or send it as a string';

/** Every number in a JSON value that DynamoDB or its marshaller would refuse, with its path inside the value. */
export function unstorableNumbers(value: unknown, path: (string | number)[] = []): { path: (string | number)[] }[] {
  if (typeof value === 'number') return isStorableNumber(value) ? [] : [{ path }];
  if (Array.isArray(value)) return value.flatMap((item, index) => unstorableNumbers(item, [...path, index]));
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => unstorableNumbers(item, [...path, key]));
  }
  return [];
}

/** The value with each number DynamoDB would refuse written as its decimal text, so that it can be recorded. */
export function withStorableNumbers(value: unknown): unknown {
  if (typeof value === 'number') return isStorableNumber(value) ? value : String(value);
  if (Array.isArray(value)) return value.map(withStorableNumbers);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withStorableNumbers(item)]));
  }
  return value;
}

function refuseUnstorableNumbers(value: unknown, ctx: z.core.$RefinementCtx): void {
  for (const { path } of unstorableNumbers(value)) {
    ctx.addIssue({ code: 'custom', path, message: UNSTORABLE_NUMBER_MESSAGE, input: value });
  }
}

/** Any JSON value whose numbers DynamoDB can store. */
export const storedJson = z.json().superRefine(refuseUnstorableNumbers);

/** A JSON object whose numbers DynamoDB can store. */
export const storedJsonObject = z.record(z.string(), z.json()).superRefine(refuseUnstorableNumbers);
