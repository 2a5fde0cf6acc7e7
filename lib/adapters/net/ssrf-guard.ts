import { lookup as dnsLookup } from 'node:dns';
import { lookup as lookupAll } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { UnsafeUrlError } from '../../domain/errors';

/**
 * Refuses webhook URLs that reach into the deployment's own network: loopback, private, link-local (which includes
 * the cloud metadata service at 169.254.169.254), carrier-grade NAT, unique-local IPv6 and the like. Checked at
 * registration (assertSafeUrl) and again when connecting (guardedLookup), so a DNS answer that changes after
 * registration cannot point a webhook at an internal address.
 */
export interface UrlPolicy {
  /** `host` or `host:port` entries that skip the address check, e.g. a test receiver; empty in production. */
  readonly allowlist: readonly string[];
  /** Allow http:// as well as https:// (off by default). */
  readonly allowPlainHttp: boolean;
}

const blocked = new BlockList();
const ranges: readonly [string, number, 'ipv4' | 'ipv6', string][] = [
  ['0.0.0.0', 8, 'ipv4', 'an unspecified address'],
  ['10.0.0.0', 8, 'ipv4', 'a private address'],
  ['100.64.0.0', 10, 'ipv4', 'a carrier-grade NAT address'],
  ['127.0.0.0', 8, 'ipv4', 'a loopback address'],
  ['169.254.0.0', 16, 'ipv4', 'a link-local address'],
  ['172.16.0.0', 12, 'ipv4', 'a private address'],
  ['192.0.0.0', 24, 'ipv4', 'an IETF protocol address'],
  ['192.168.0.0', 16, 'ipv4', 'a private address'],
  ['198.18.0.0', 15, 'ipv4', 'a benchmarking address'],
  ['224.0.0.0', 4, 'ipv4', 'a multicast address'],
  ['240.0.0.0', 4, 'ipv4', 'a reserved address'],
  ['::', 128, 'ipv6', 'an unspecified address'],
  ['::1', 128, 'ipv6', 'a loopback address'],
  ['fc00::', 7, 'ipv6', 'a unique-local (private) address'],
  ['fe80::', 10, 'ipv6', 'a link-local address'],
  ['ff00::', 8, 'ipv6', 'a multicast address'],
  ['fd00:ec2::', 32, 'ipv6', 'the cloud metadata address'],
];
for (const [network, prefix, family] of ranges) blocked.addSubnet(network, prefix, family);

const METADATA_ADDRESSES = new Set(['169.254.169.254', '169.254.170.2', 'fd00:ec2::254']);

/** Why an address is refused, or undefined when it is a public address. */
export function refusalReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 0) return 'not an IP address';
  const mapped = family === 6 ? /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] : undefined;
  if (mapped !== undefined) return refusalReason(mapped);
  if (METADATA_ADDRESSES.has(address.toLowerCase())) return 'the cloud metadata address';
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (!blocked.check(address, type)) return undefined;
  const match = ranges.find(([network, prefix, rangeType]) => {
    if (rangeType !== type) return false;
    const single = new BlockList();
    single.addSubnet(network, prefix, rangeType);
    return single.check(address, type);
  });
  return match?.[3] ?? 'a reserved address';
}

function defaultPort(protocol: string): string {
  return protocol === 'http:' ? '80' : '443';
}

function isAllowListed(host: string, port: string, policy: UrlPolicy): boolean {
  return policy.allowlist.includes(host) || policy.allowlist.includes(`${host}:${port}`);
}

function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

async function resolveAll(host: string): Promise<string[]> {
  const answers = await lookupAll(host, { all: true, verbatim: true });
  return answers.map((answer) => answer.address);
}

export async function assertSafeUrl(
  url: string,
  policy: UrlPolicy,
  resolve: (host: string) => Promise<string[]> = resolveAll,
): Promise<void> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UnsafeUrlError('not a valid URL', url);
  }
  if (parsed.protocol !== 'https:' && !(policy.allowPlainHttp && parsed.protocol === 'http:')) {
    throw new UnsafeUrlError(policy.allowPlainHttp ? 'only http and https are allowed' : 'only https is allowed', url);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw new UnsafeUrlError('credentials in the URL are not allowed; use headers', url);
  }
  const host = bareHost(parsed.hostname);
  const port = parsed.port || defaultPort(parsed.protocol);
  if (isAllowListed(host, port, policy)) return;
  let addresses: string[];
  if (isIP(host) !== 0) {
    addresses = [host];
  } else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new UnsafeUrlError(`host ${host} does not resolve`, url);
    }
    if (addresses.length === 0) throw new UnsafeUrlError(`host ${host} does not resolve`, url);
  }
  for (const address of addresses) {
    const reason = refusalReason(address);
    if (reason !== undefined) throw new UnsafeUrlError(`${host} resolves to ${address}, ${reason}`, url);
  }
}

/**
 * A dns.lookup replacement for node:http(s) `lookup`: resolves as usual, then refuses any answer that is not a
 * public address unless `host` or `host:port` is allow-listed. `port` is the port the request will connect to.
 */
export function guardedLookup(policy: UrlPolicy, port: string): LookupFunction {
  return (hostname, options, callback) => {
    const host = bareHost(hostname);
    dnsLookup(host, { ...options, all: true }, (error, answers) => {
      if (error) {
        callback(error, []);
        return;
      }
      if (!isAllowListed(host, port, policy)) {
        for (const answer of answers) {
          const reason = refusalReason(answer.address);
          if (reason !== undefined) {
            callback(new UnsafeUrlError(`${host} resolves to ${answer.address}, ${reason}`, hostname), []);
            return;
          }
        }
      }
      const first = answers[0];
      if (first === undefined) {
        callback(new UnsafeUrlError(`host ${host} does not resolve`, hostname), []);
        return;
      }
      if (options.all === true) callback(null, answers);
      else callback(null, first.address, first.family);
    });
  };
}
