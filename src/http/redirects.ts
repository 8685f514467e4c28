import { RedirectRefusedError } from './http-errors.js';

/** The statuses that redirect a GET; 304 is not one (it answers a conditional request). */
export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

/**
 * Header names that carry credentials whoever added them: sent to the origin a request was
 * meant for, never to another one. undici's own redirect handling drops only authorization,
 * cookie and proxy-authorization, so fanart.tv's `api-key` followed a redirect anywhere.
 */
const CREDENTIAL_NAME = /authorization|cookie|token|secret|passw|api[-_]?key|^key$|[-_]key$|auth|session|signature/i;

/**
 * Whether a header name looks like it carries a credential (`Authorization`, `api-key`,
 * `X-Auth-Token`, `Cookie` …).
 *
 * @example isCredentialHeader('X-API-Key') // true
 */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/** Where a redirect leads, resolved against the URL that answered it; only http and https are followed. */
export function redirectTarget(from: string, location: string | undefined): URL {
  if (location === undefined || location.trim() === '') throw new RedirectRefusedError(from, 'without a Location');
  let target: URL;
  try {
    target = new URL(location, from);
  } catch {
    throw new RedirectRefusedError(from, 'to an address that is not a URL');
  }
  if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new RedirectRefusedError(from, `to a ${target.protocol} URL`);
  if (target.username !== '' || target.password !== '') throw new RedirectRefusedError(from, 'to a URL with a user name or password in it');
  return target;
}

/**
 * The headers for the next hop. When the hop leaves the origin the request was meant for (a
 * different scheme, host or port: an https→http downgrade included), every credential goes:
 * the headers named `credentialHeaders` (those datacache or the caller added as secrets) and
 * any whose name looks like one.
 */
export function headersForHop(headers: Record<string, string>, meantFor: URL, next: URL, credentialHeaders: readonly string[]): Record<string, string> {
  if (next.origin === meantFor.origin) return headers;
  const secret = new Set(credentialHeaders.map((name) => name.toLowerCase()));
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !secret.has(name.toLowerCase()) && !isCredentialHeader(name)));
}
