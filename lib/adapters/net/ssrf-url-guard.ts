import { UnsafeUrlError } from '../../domain/errors';
import { assertSafeUrl, type UrlPolicy } from './ssrf-guard';
import type { UrlGuard } from '../../ports/url-guard';

/** The UrlGuard port over the SSRF guard: the reason an address is refused, for a 400 at `target.url`. */
export class SsrfUrlGuard implements UrlGuard {
  constructor(
    private readonly policy: UrlPolicy,
    private readonly resolve?: (host: string) => Promise<string[]>,
  ) {}

  async refusal(url: string): Promise<string | undefined> {
    try {
      await assertSafeUrl(url, this.policy, this.resolve);
      return undefined;
    } catch (error) {
      if (error instanceof UnsafeUrlError) return error.reason;
      throw error;
    }
  }
}
