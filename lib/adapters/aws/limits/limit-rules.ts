/** What the rules of every service share: how a rule refuses, what it may read besides the input, and helpers. */

export interface LimitContext {
  /** The current time in epoch milliseconds (EventBridge Scheduler's StartDate rule compares with it). */
  readonly now: () => number;
  /** The largest SQS message the queues accept: their `MaximumMessageSize`. */
  readonly sqsMaximumMessageBytes: number;
}

/** A rule's refusal; the middleware turns it into an AwsLimitError naming the service and operation. */
export class LimitRefusal extends Error {
  constructor(
    readonly detail: string,
    readonly limit: string,
    readonly source: string,
  ) {
    super(`${detail}; ${limit} (${source})`);
  }
}

/** Stops the request: `detail` is what the request holds, `limit` what AWS allows, `source` the page saying so. */
export function refuse(source: string, detail: string, limit: string): never {
  throw new LimitRefusal(detail, limit, source);
}

/**
 * The rules of one operation. The input is the command's input as the caller built it; each service file types it
 * with the SDK's input type (the dispatch in aws-limits-middleware.ts knows which command it is).
 */
export type OperationRule<Input> = (input: Input, context: LimitContext) => void;

export interface ServiceRules {
  /** How the error names the service, e.g. `SQS`. */
  readonly service: string;
  /** The SDK client's name, as the middleware context gives it, e.g. `SQSClient`. */
  readonly clientName: string;
  /** Rules by operation name (the command name without `Command`). */
  readonly operations: Readonly<Record<string, OperationRule<never>>>;
}

const encoder = new TextEncoder();

export function utf8Bytes(text: string): number {
  return encoder.encode(text).length;
}

/** Separates thousands, as AWS's pages write limits: 43200 -> `43,200`. */
export function formatNumber(value: number): string {
  return value.toLocaleString('en-US');
}

/** Refuses a number outside [min, max] or not an integer; `what` names it in the message. */
export function integerIn(source: string, what: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value)) refuse(source, `${what} ${value}`, 'a whole number');
  if (value < min || value > max) {
    refuse(source, `${what} ${formatNumber(value)}`, `from ${formatNumber(min)} to ${formatNumber(max)}`);
  }
}

/** Refuses a string whose length (in characters) is outside [min, max]. */
export function lengthIn(source: string, what: string, text: string, min: number, max: number): void {
  if (text.length < min || text.length > max) {
    const limit = min === 0 ? `at most ${formatNumber(max)}` : `${formatNumber(min)} to ${formatNumber(max)}`;
    refuse(source, `${what} of ${formatNumber(text.length)} characters`, `${limit} characters`);
  }
}

/** A decimal number as digits and an exponent: 1234.5 is `12345` at exponent 3 (1.2345e3). */
export interface DecimalShape {
  readonly zero: boolean;
  /** Digits from the first to the last non-zero one. */
  readonly significantDigits: string;
  /** The power of ten of the first significant digit. */
  readonly exponent: number;
}

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(?:[eE]([+-]?\d+))?$/;

/** The shape of a decimal number written as text, or undefined when it is not one. */
export function decimalShape(text: string): DecimalShape | undefined {
  const match = DECIMAL.exec(text.trim());
  if (match === null) return undefined;
  const [, mantissa = '', exponentText] = match;
  const [whole = '', fraction = ''] = mantissa.split('.');
  const digits = `${whole}${fraction}`;
  const first = digits.search(/[1-9]/);
  if (first === -1) return { zero: true, significantDigits: '', exponent: 0 };
  const last = digits.length - 1 - [...digits].reverse().findIndex((digit) => digit !== '0');
  return {
    zero: false,
    significantDigits: digits.slice(first, last + 1),
    exponent: whole.length - 1 - first + Number(exponentText ?? 0),
  };
}

/** True when the value is an object (not null, not an array). */
export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The first id that appears twice, if any (batch entry ids must be unique). */
export function duplicateOf(ids: readonly string[]): string | undefined {
  const seen = new Set<string>();
  for (const id of ids) {
    if (seen.has(id)) return id;
    seen.add(id);
  }
  return undefined;
}
