/** Decides whether a webhook URL may be registered (the SSRF guard, seen from the use cases). */
export interface UrlGuard {
  /** Why the URL is refused, or undefined when it may be used. */
  refusal(url: string): Promise<string | undefined>;
}
