import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

/**
 * Addresses that are not on the public internet: this machine, the local network, link-local,
 * carrier-grade NAT, documentation, multicast and reserved ranges. A URL taken from a third
 * party's JSON must not make datacache fetch from them (a router's admin page, the dashboard,
 * a cloud metadata service). IPv4-mapped IPv6 addresses (`::ffff:127.0.0.1`) match the IPv4
 * ranges: BlockList checks them that way.
 */
const PRIVATE_RANGES = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['64:ff9b::', 96],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE_RANGES.addSubnet(network, prefix, 'ipv6');
}

/**
 * Whether an IP address is private (loopback, local network, link-local, reserved …).
 *
 * @example isPrivateAddress('192.168.1.10') // true
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return PRIVATE_RANGES.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The host of a URL as an IP address when it is one (`[::1]` → `::1`), else undefined. */
export function literalAddressOf(url: URL): string | undefined {
  const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
  return isIP(host) === 0 ? undefined : host;
}

/** Thrown by `publicOnlyLookup`; the HTTP client turns it into a PrivateAddressError. */
export class PrivateAddressLookupError extends Error {
  readonly code = 'ERR_DATACACHE_PRIVATE_ADDRESS';

  constructor(
    readonly hostname: string,
    readonly address: string,
  ) {
    super(`${hostname} resolves to ${address}, a private address`);
  }
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Tells private addresses from public ones; isPrivateAddress unless a test stands in for the internet. */
export type AddressClassifier = (address: string) => boolean;

export type Lookup = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => void;

/**
 * A `lookup` for net.connect that refuses private addresses: checked where the connection is
 * made, so a name that resolves to a public address when asked and to 127.0.0.1 a moment
 * later (DNS rebinding) cannot slip through. Keeps every public address for `all` lookups
 * (Happy Eyeballs asks for them all).
 */
export function publicOnlyLookup(isPrivate: AddressClassifier = isPrivateAddress): Lookup {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) {
        callback(error, '');
        return;
      }
      const allowed = addresses.filter((entry) => !isPrivate(entry.address));
      if (allowed.length === 0) {
        callback(new PrivateAddressLookupError(hostname, addresses[0]?.address ?? 'nothing'), '');
        return;
      }
      if (options.all === true) callback(null, allowed);
      else callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

/** Whether a host resolves to a private address now (any of its addresses). A failed lookup counts as not private. */
export function resolvesToPrivateAddress(hostname: string, isPrivate: AddressClassifier = isPrivateAddress): Promise<boolean> {
  if (isIP(hostname) !== 0) return Promise.resolve(isPrivate(hostname));
  return new Promise((resolve) => {
    dnsLookup(hostname, { all: true }, (error, addresses) => {
      resolve(error === null && addresses.some((entry) => isPrivate(entry.address)));
    });
  });
}
