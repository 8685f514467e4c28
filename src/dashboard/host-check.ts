import { isIPv4, isIPv6 } from 'node:net';
import { hostname } from 'node:os';
import { InvalidArgumentError } from '../errors.js';
import { describeValue, requireString } from '../validation.js';

/** A Host header taken apart: the host in lower case (an IPv6 address canonical, without brackets), and what kind it is. */
export interface ParsedHost {
  host: string;
  kind: 'ipv4' | 'ipv6' | 'name';
}

/** `[v6]` then at most `:port`: nothing may follow the bracket but a port. */
const BRACKETED = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/iu;
/** A name or dotted IPv4 address, then at most `:port`. */
const NAMED = /^([a-z0-9_.-]+)(?::(\d{1,5}))?$/iu;
/** DNS labels (underscores too: Windows machine names have them), no empty label, no trailing dot. */
const HOST_NAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/u;
/** A browser reads a host whose last label is a number as an IPv4 address; one that is not a valid one is no name either. */
const NUMERIC_LAST_LABEL = /(?:^|\.)\d+$/u;

/**
 * Parses a Host header strictly: `[IPv6]` or a name or IPv4 address, each optionally followed
 * by `:port` and by nothing else. Null for anything else, so `[::1]evil.example` or
 * `127.0.0.1.evil.example` never pass for loopback.
 *
 * @example parseHostHeader('[::1]:8787') // { host: '::1', kind: 'ipv6' }
 */
export function parseHostHeader(header: string | undefined): ParsedHost | null {
  if (header === undefined) return null;
  const bracketed = BRACKETED.exec(header);
  if (bracketed !== null) {
    const address = bracketed[1]!;
    return validPort(bracketed[2]) && isIPv6(address) ? { host: canonicalIPv6(address), kind: 'ipv6' } : null;
  }
  const named = NAMED.exec(header);
  if (named === null || !validPort(named[2])) return null;
  const host = named[1]!.toLowerCase();
  if (isIPv4(host)) return { host, kind: 'ipv4' };
  return HOST_NAME.test(host) && !NUMERIC_LAST_LABEL.test(host) ? { host, kind: 'name' } : null;
}

/** Listening addresses only this machine can reach; any other needs allowRemote. */
const LOOPBACK_ADDRESSES = new Set(['127.0.0.1', '::1', 'localhost']);

/** Whether a server listening on `address` can be reached from this machine only (so needs no allowRemote). */
export function isLoopbackListenAddress(address: string): boolean {
  return LOOPBACK_ADDRESSES.has(address) || address.startsWith('127.');
}

/** Whether the host is this machine's loopback: `localhost`, 127.0.0.0/8 or `::1`. */
function isLoopback(parsed: ParsedHost): boolean {
  return (parsed.kind === 'name' && parsed.host === 'localhost') || (parsed.kind === 'ipv4' && parsed.host.startsWith('127.')) || (parsed.kind === 'ipv6' && parsed.host === '::1');
}

/**
 * The check every request passes before anything else, against DNS rebinding: a web page that
 * points its own name at this machine sends that name as Host, so the dashboard answers only
 * names that cannot be an attacker's. On loopback: localhost and loopback addresses. When
 * remote, also any IP address (typing one involves no DNS, so it cannot be rebound) and this
 * machine's host name, bare and with `.local`. Always the names in `allowedHosts`.
 */
export function createHostCheck(remote: boolean, allowedHosts: readonly string[]): (header: string | undefined) => boolean {
  const names = new Set(allowedHosts.map((name) => parseHostHeader(name)!.host));
  if (remote) {
    const machine = hostname().toLowerCase().replace(/\.local$/u, '');
    names.add(machine);
    names.add(`${machine}.local`);
  }
  return (header) => {
    const parsed = parseHostHeader(header);
    if (parsed === null) return false;
    return isLoopback(parsed) || names.has(parsed.host) || (remote && parsed.kind !== 'name');
  };
}

/**
 * Checks the `allowedHosts` option: a list of host names (an IP address is taken too, though
 * a remote dashboard answers those anyway), without scheme, port or wildcard.
 */
export function validateAllowedHosts(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidArgumentError(`allowedHosts must be a list of host names, got ${describeValue(value)}.`);
  return value.map((item: unknown, index) => {
    const name = requireString(`allowedHosts[${index}]`, item, { maxLength: 255 });
    const parsed = parseHostHeader(name);
    // A port would be ignored by the check, so a name with one is a misunderstanding worth stopping.
    const hasPort = parsed !== null && (parsed.kind === 'ipv6' ? !name.endsWith(']') : name.includes(':'));
    if (parsed === null || hasPort) {
      throw new InvalidArgumentError(
        `allowedHosts[${index}] must be a host name such as studio.local (letters, digits, "-", "_" and dots; no scheme, port or wildcard), got ${JSON.stringify(name)}.`,
      );
    }
    return name;
  });
}

function validPort(port: string | undefined): boolean {
  return port === undefined || Number(port) <= 65_535;
}

/** `0:0:0:0:0:0:0:1` and `::1` are one address; the URL parser writes each address one way. */
function canonicalIPv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}
