import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { join } from 'node:path';
import { DataCacheClient, DataCacheError, DataStorage } from '../../src/index.js';
import { DownloadError } from '../../src/http/http-errors.js';
import { noisyPng } from '../../support/png.js';
import { emptyReport, type Scenario } from '../scenario.js';

const IMAGE = noisyPng(32, 32);
const STALE = noisyPng(16, 16);
/**
 * A caller's timeout covers its retries too: long enough here for a fast failure, a backoff
 * and another try (the short version retries once, after 0.5-1 s; the full one twice).
 */
const TIMEOUT_MS = 4000;

interface FaultCase {
  name: string;
  /** How the origin answers. */
  answer(request: IncomingMessage, response: ServerResponse): void;
  expect: 'image' | 'json';
  /** What a caller may get besides a stale copy: 'error' (typed), 'fresh' (the right bytes), 'null' (not found). */
  outcome: 'error' | 'fresh' | 'null';
  /**
   * Whether the fetch is retried (retries + 1 requests) or not (1 request). Undefined: not checked.
   * A slow drip, or a body shorter than its Content-Length on a connection left open, spends the
   * whole timeout on one try: the timeout covers the retries.
   */
  retried?: boolean;
}

const later = (seconds: number): string => new Date(Date.now() + seconds * 1000).toUTCString();

/** Every way an origin misbehaves that the issue lists, with what the caller must see. */
const CASES: FaultCase[] = [
  { name: 'reset mid-body', expect: 'image', outcome: 'error', retried: true, answer: (_q, response) => { response.writeHead(200, { 'content-type': 'image/png', 'content-length': IMAGE.length }); response.write(IMAGE.subarray(0, 100)); setTimeout(() => (response.socket as Socket).destroy(), 20); } },
  { name: 'slow drip', expect: 'image', outcome: 'error', retried: false, answer: (_q, response) => { response.writeHead(200, { 'content-type': 'image/png' }); const drip = setInterval(() => { if (response.destroyed) clearInterval(drip); else response.write(IMAGE.subarray(0, 1)); }, 300); response.on('close', () => { clearInterval(drip); }); } },
  { name: 'truncated (longer Content-Length)', expect: 'image', outcome: 'error', retried: false, answer: (_q, response) => { response.writeHead(200, { 'content-type': 'image/png', 'content-length': IMAGE.length + 5000 }); response.end(IMAGE); } },
  { name: 'body over maxBytes', expect: 'image', outcome: 'error', retried: false, answer: (_q, response) => { response.writeHead(200, { 'content-type': 'image/png' }); response.end(Buffer.concat([IMAGE, Buffer.alloc(300_000)])); } },
  { name: 'wrong Content-Type', expect: 'image', outcome: 'fresh', answer: (_q, response) => { response.writeHead(200, { 'content-type': 'text/html' }).end(IMAGE); } },
  { name: 'missing Content-Type', expect: 'image', outcome: 'fresh', answer: (_q, response) => { response.writeHead(200).end(IMAGE); } },
  { name: 'HTML error page with 200 for an image', expect: 'image', outcome: 'error', retried: false, answer: (_q, response) => { response.writeHead(200, { 'content-type': 'image/png' }).end('<!doctype html><title>Error</title><h1>Something went wrong</h1>'); } },
  ...[500, 502, 503, 504].map((status): FaultCase => ({ name: `HTTP ${status}`, expect: 'image', outcome: 'error', retried: status !== 503, answer: (_q, response) => { response.writeHead(status, { 'content-type': 'text/plain' }).end('down'); } })),
  { name: '429 Retry-After seconds', expect: 'image', outcome: 'error', answer: (_q, response) => { response.writeHead(429, { 'retry-after': '2' }).end(); } },
  { name: '429 Retry-After HTTP date', expect: 'image', outcome: 'error', answer: (_q, response) => { response.writeHead(429, { 'retry-after': later(3) }).end(); } },
  { name: '429 Retry-After garbage', expect: 'image', outcome: 'error', answer: (_q, response) => { response.writeHead(429, { 'retry-after': 'soon, maybe' }).end(); } },
  { name: '429 without Retry-After', expect: 'image', outcome: 'error', answer: (_q, response) => { response.writeHead(429).end(); } },
  { name: 'redirect loop', expect: 'image', outcome: 'error', retried: false, answer: (request, response) => { response.writeHead(302, { location: request.url ?? '/' }).end(); } },
  { name: 'invalid JSON for a JSON type', expect: 'json', outcome: 'error', retried: true, answer: (_q, response) => { response.writeHead(200, { 'content-type': 'application/json' }).end('{"artists": [ {"name": "Daft'); } },
  // Without a negative TTL a 404 is a final error; and the copy of something the origin says is gone is not served.
  { name: '404', expect: 'image', outcome: 'error', retried: false, answer: (_q, response) => { response.writeHead(404).end('not found'); } },
];

/**
 * Each misbehaviour of the origin, twice: with no copy cached (the caller gets a typed error,
 * or null for a 404, or the right bytes where only a header was wrong) and with an expired copy
 * (the caller gets that copy whenever it gets no fresh data). Afterwards the cache holds nothing
 * wrong, the origin saw the number of attempts the retry policy documents, and no call outlived
 * its timeouts. Plus a refused connection.
 */
export const originFaults: Scenario = {
  name: 'origin-faults',
  description: 'resets, drips, truncation, oversize, wrong types, HTML-200, 5xx, 429 forms, redirect loops, bad JSON',
  async run({ quick, directory }) {
    const report = emptyReport();
    // Each retry waits a backoff of 0.5-1 s, then 1-2 s: the short version retries once.
    const RETRIES = quick ? 1 : 2;
    const requests = new Map<string, number>();
    const server = createServer((request, response) => {
      const name = decodeURIComponent((request.url ?? '/').split('/')[1] ?? '');
      requests.set(request.url ?? '/', (requests.get(request.url ?? '/') ?? 0) + 1);
      const fault = CASES.find((candidate) => candidate.name === name);
      if (fault === undefined) response.writeHead(404).end();
      else fault.answer(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const refused = createServer();
    await new Promise<void>((resolve) => refused.listen(0, '127.0.0.1', resolve));
    const refusedPort = (refused.address() as AddressInfo).port;
    await new Promise<void>((resolve) => refused.close(() => { resolve(); }));

    const storage = await DataStorage.open({ cacheDir: join(directory, 'cache'), maintenanceIntervalSeconds: 0 });
    const providers: Record<string, { ratePerSecond: number }> = {};
    const cases = [...CASES.map((fault) => ({ fault, base: `http://127.0.0.1:${port}/${encodeURIComponent(fault.name)}` })), { fault: { name: 'connection refused', expect: 'image', outcome: 'error', retried: undefined } as FaultCase, base: `http://127.0.0.1:${refusedPort}/refused` }];
    for (const [index] of cases.entries()) providers[`fault-${index}`] = { ratePerSecond: Infinity };
    const client = new DataCacheClient({ storage, providers });
    try {
      // The faults run side by side (each has its own provider, URLs and rate limit), which is
      // also a harsher test; a fault's two cases run in turn, as the second may meet the first's
      // cool-down.
      await Promise.all([...cases.entries()].map(async ([index, { fault, base }]) => {
        for (const withStale of [false, true]) {
          const url = `${base}/${withStale ? 'stale' : 'fresh'}`;
          const provider = `fault-${index}`;
          const dataType = fault.expect === 'json' ? 'api' : 'fanart';
          const staleBytes = fault.expect === 'json' ? Buffer.from('{"artists":[]}') : STALE;
          if (withStale) {
            await storage.store({ url, identifier: 'torture', dataType, provider, value: staleBytes, ttlSeconds: 0 });
          }
          report.cases += 1;
          report.faultsInjected += 1;
          report.operations += 1;
          const label = `${fault.name}${withStale ? ' (stale copy cached)' : ''}`;
          const started = performance.now();
          let outcome: 'stale' | 'fresh' | 'null' | 'error' | 'wrong' = 'wrong';
          let error: unknown;
          try {
            const entry = await client.getOrFetch({ url, identifier: 'torture', dataType, provider, timeoutMs: TIMEOUT_MS, retries: RETRIES, maxBytes: 100_000, expect: fault.expect });
            if (entry === null) outcome = 'null';
            else if (withStale && entry.data.equals(staleBytes)) outcome = 'stale';
            else if (entry.data.equals(IMAGE)) outcome = 'fresh';
            report.dataChecked += entry === null ? 0 : 1;
          } catch (caught) {
            error = caught;
            outcome = caught instanceof DataCacheError ? 'error' : 'wrong';
          }
          const elapsed = performance.now() - started;
          const allowed = withStale && fault.outcome === 'error' && fault.name !== '404' ? ['stale'] : [fault.outcome];
          if (!allowed.includes(outcome)) {
            report.callerErrors += 1;
            report.notes.push(`${label}: the caller got ${outcome}${error instanceof Error ? ` (${error.name}: ${error.message})` : ''}, expected ${allowed.join(' or ')}`);
          }
          // Nothing wrong stored: the stale copy, the right image, a negative entry, or nothing.
          const after = await storage.retrieveByUrl(url, { allowStale: true });
          report.dataChecked += after === null ? 0 : 1;
          if (after !== null && after.statusCode === 200 && !after.data.equals(IMAGE) && !(withStale && after.data.equals(staleBytes))) {
            report.corrupt += 1;
            report.notes.push(`${label}: the cache now holds bytes the origin never served whole`);
          }
          // The timeout holds for the whole call, retries included, plus a generous margin for this machine.
          if (elapsed > TIMEOUT_MS + 10_000) {
            report.callerErrors += 1;
            report.notes.push(`${label}: took ${elapsed.toFixed(0)} ms, past its timeouts`);
          }
          const seen = requests.get(new URL(url).pathname) ?? 0;
          if (fault.retried !== undefined && !withStale) {
            const expected = fault.retried ? RETRIES + 1 : 1;
            if (seen !== expected) report.notes.push(`${label}: the origin saw ${seen} attempts, the retry policy says ${expected}`);
          }
          if (error instanceof DownloadError && 'retryAfterMs' in error && fault.name.startsWith('429')) {
            const cooldown = await client.limiter.cooldownOf(provider);
            report.notes.push(`info: ${label}: ${error.name}, cool-down ${cooldown === null ? 'none' : `${Math.round((cooldown.until - Date.now()) / 1000)} s`}`);
          }
        }
      }));
    } finally {
      await client.close();
      await storage.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    }
    return report;
  },
};
