import { describe, expect, it } from 'vitest';
import { UnsafeUrlError } from '../../../lib/domain/errors';
import { assertSafeUrl, guardedLookup, refusalReason } from '../../../lib/adapters/net/ssrf-guard';

const strict = { allowlist: [], allowPlainHttp: false };
const resolvesTo =
  (...addresses: string[]) =>
  (): Promise<string[]> =>
    Promise.resolve(addresses);

describe('the webhook address guard', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['10.0.0.1', 'a private address'],
    ['172.20.1.1', 'a private address'],
    ['192.168.1.10', 'a private address'],
    ['169.254.169.254', 'the cloud metadata address'],
    ['169.254.10.1', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['0.0.0.0', 'an unspecified address'],
    ['::1', 'a loopback address'],
    ['fe80::1', 'a link-local address'],
    ['fd12:3456::1', 'a unique-local (private) address'],
    ['::ffff:127.0.0.1', 'a loopback address'],
    ['fd00:ec2::254', 'the cloud metadata address'],
  ])('refuses %s as %s', (address, reason) => {
    // Act
    const refused = refusalReason(address);

    // Assess
    expect(refused).toBe(reason);
  });

  it.each(['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946', '8.8.8.8'])(
    'accepts the public address %s',
    (address) => {
      expect(refusalReason(address)).toBeUndefined();
    },
  );

  it.each([
    ['https://127.0.0.1/hook', /loopback/],
    ['https://10.0.0.1/hook', /private/],
    ['https://169.254.169.254/latest/meta-data', /metadata/],
    ['https://[::1]/hook', /loopback/],
    ['http://example.com/hook', /only https/],
    ['ftp://example.com/hook', /only https/],
    ['https://user:pw@example.com/hook', /credentials/],
    ['not a url', /not a valid URL/],
  ])('refuses %s', async (url, reason) => {
    // Act
    const attempt = assertSafeUrl(url, strict, resolvesTo('93.184.216.34'));

    // Assess
    await expect(attempt).rejects.toThrow(UnsafeUrlError);
    await expect(attempt).rejects.toThrow(reason);
  });

  it('refuses a hostname that resolves to a private address', async () => {
    await expect(
      assertSafeUrl('https://internal.example.com/x', strict, resolvesTo('93.184.216.34', '10.1.2.3')),
    ).rejects.toThrow(/internal\.example\.com resolves to 10\.1\.2\.3, a private address/);
  });

  it('refuses a hostname that does not resolve', async () => {
    const failing = (): Promise<string[]> => Promise.reject(new Error('ENOTFOUND'));
    await expect(assertSafeUrl('https://nowhere.invalid/x', strict, failing)).rejects.toThrow(/does not resolve/);
    await expect(assertSafeUrl('https://empty.example/x', strict, resolvesTo())).rejects.toThrow(/does not resolve/);
  });

  it('accepts a public https URL', async () => {
    await expect(
      assertSafeUrl('https://hooks.example.com/x', strict, resolvesTo('93.184.216.34')),
    ).resolves.toBeUndefined();
  });

  it('lets an allow-listed host:port through, and only on that port, when plain http is enabled', async () => {
    // Prepare
    const policy = { allowlist: ['127.0.0.1:8080'], allowPlainHttp: true };

    // Act / Assess
    await expect(assertSafeUrl('http://127.0.0.1:8080/hook', policy)).resolves.toBeUndefined();
    await expect(assertSafeUrl('http://127.0.0.1:8081/hook', policy)).rejects.toThrow(/loopback/);
  });

  it('refuses at connect time when a name resolves to loopback', async () => {
    // Prepare
    const lookup = guardedLookup(strict, '443');

    // Act
    const error = await new Promise<unknown>((resolve) => {
      lookup('localhost', {}, (failure) => resolve(failure));
    });

    // Assess
    expect(error).toBeInstanceOf(UnsafeUrlError);
  });

  it('resolves an allow-listed name at connect time', async () => {
    // Prepare
    const lookup = guardedLookup({ allowlist: ['localhost:8080'], allowPlainHttp: true }, '8080');

    // Act
    const address = await new Promise<unknown>((resolve, reject) => {
      lookup('localhost', {}, (failure, found) => (failure ? reject(failure) : resolve(found)));
    });

    // Assess
    expect(['127.0.0.1', '::1']).toContain(address);
  });
});
