import { rawRequest, type RawAnswer } from '../helpers/raw-request.js';

export type RawResponse = RawAnswer;

/**
 * A GET with the Host header we choose (none for undefined): fetch() will not set Host, and a
 * browser sends whatever name a page used (a rebound DNS name, say).
 */
export function getWithHost(url: string, host: string | undefined): Promise<RawResponse> {
  const parsed = new URL(url);
  return rawRequest(Number(parsed.port), `${parsed.pathname}${parsed.search}`, { host: host ?? null, address: parsed.hostname.replace(/^\[|\]$/gu, '') });
}
