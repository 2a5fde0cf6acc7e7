/** How the client retries throttled and failed requests. */
export interface RetryOptions {
  /** Attempts in all, the first included; 1 turns retries off. @default 4 */
  readonly attempts?: number;
  /** Ceiling of the first retry's delay; it doubles with each retry. @default 200 */
  readonly baseMs?: number;
  /** Ceiling of any one delay; a Retry-After asking for longer ends the retries. @default 10_000 */
  readonly maxMs?: number;
  /** @default a timer */
  readonly sleep?: (ms: number) => Promise<void>;
  /** A number in [0, 1), for the jitter. @default Math.random */
  readonly random?: () => number;
  /** For an HTTP-date Retry-After. @default Date.now */
  readonly now?: () => number;
}

export interface RetryPolicy {
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
  readonly sleep: (ms: number) => Promise<void>;
  readonly random: () => number;
  readonly now: () => number;
}

export const DEFAULT_RETRY = { attempts: 4, baseMs: 200, maxMs: 10_000 } as const;

const timer = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export function retryPolicyOf(options: RetryOptions = {}): RetryPolicy {
  const policy = {
    attempts: options.attempts ?? DEFAULT_RETRY.attempts,
    baseMs: options.baseMs ?? DEFAULT_RETRY.baseMs,
    maxMs: options.maxMs ?? DEFAULT_RETRY.maxMs,
    sleep: options.sleep ?? timer,
    random: options.random ?? Math.random,
    now: options.now ?? Date.now,
  };
  if (!Number.isInteger(policy.attempts) || policy.attempts < 1) {
    throw new RangeError(`retry.attempts must be a whole number of at least 1; got ${policy.attempts}`);
  }
  if (!(policy.baseMs >= 0) || !(policy.maxMs >= policy.baseMs)) {
    throw new RangeError(`retry needs 0 <= baseMs <= maxMs; got baseMs ${policy.baseMs}, maxMs ${policy.maxMs}`);
  }
  return policy;
}

/** Methods whose repetition has the effect of one request, so that a retry after an unknown outcome is safe. */
const IDEMPOTENT_METHODS = new Set(['GET', 'HEAD', 'PUT', 'DELETE']);

/**
 * Whether an answer is worth another attempt. 429 (API Gateway's 'Too Many Requests') and 503 mean the request was
 * turned away before it ran, so any method is retried. Another 5xx may come after the work was done: only an
 * idempotent method is repeated then, never a POST (create, pause, run-now) or a PATCH.
 */
export function isRetryableStatus(method: string, status: number): boolean {
  if (status === 429 || status === 503) return true;
  return (status === 500 || status === 502 || status === 504) && IDEMPOTENT_METHODS.has(method);
}

/** A request that got no answer may have run: repeated only when the method is idempotent. */
export function isRetryableNetworkFailure(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

/**
 * Exponential backoff with full jitter: before retry n (1 = the first) a random delay in
 * [0, min(maxMs, baseMs * 2^(n-1))), which spreads out clients throttled together.
 */
export function backoffMs(policy: RetryPolicy, retry: number): number {
  const ceiling = Math.min(policy.maxMs, policy.baseMs * 2 ** (retry - 1));
  return Math.floor(policy.random() * ceiling);
}

/** Retry-After in milliseconds: delta-seconds or an HTTP-date (RFC 9110), undefined when absent or unreadable. */
export function retryAfterMs(header: string | null, now: number): number | undefined {
  if (header === null) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}
