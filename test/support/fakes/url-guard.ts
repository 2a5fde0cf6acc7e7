import type { UrlGuard } from '../../../lib/ports/url-guard';

/** Refuses hosts listed as unsafe, the way the SSRF guard refuses private addresses. */
export class HostListUrlGuard implements UrlGuard {
  constructor(private readonly refused: Readonly<Record<string, string>> = { '127.0.0.1': 'a loopback address' }) {}
  refusal(url: string): Promise<string | undefined> {
    let host: string;
    try {
      host = new URL(url).hostname;
    } catch {
      return Promise.resolve('not a valid URL');
    }
    const reason = this.refused[host];
    return Promise.resolve(reason === undefined ? undefined : `${host} resolves to ${reason}`);
  }
}
