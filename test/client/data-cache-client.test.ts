import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ChecksumMismatchError,
  DataCacheClient,
  DataStorage,
  InvalidArgumentError,
  HttpStatusError,
  ProviderCoolingDownError,
  ResponseTooLargeError,
  type CachedEntry,
  type ClientEvents,
  type DataCacheClientOptions,
  UnexpectedContentError,
} from '../../src/index.js';
import { htmlErrorPage, png } from '../helpers/images.js';
import { lastJsonLine, runTypeScript, startTypeScript } from '../helpers/child-process.js';
import { startServer } from '../helpers/http-server.js';
import { closeAfterTest, openTestStorage, sharedForTest, TWO_TIER } from '../helpers/storage.js';

const clients: DataCacheClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** A client on a fresh cache. The test provider has no rate limit unless a test sets one. */
async function openClient(options: Partial<DataCacheClientOptions> = {}, storageOptions: Parameters<typeof openTestStorage>[0] = {}) {
  const opened = await openTestStorage(storageOptions);
  const sleeps: number[] = [];
  const client = new DataCacheClient({
    storage: opened.storage,
    userAgent: 'datacache-tests/1.0 ( tests@example.org )',
    clock: opened.clock,
    providers: { test: { ratePerSecond: Infinity } },
    sleep: (milliseconds) => {
      sleeps.push(milliseconds);
      return Promise.resolve();
    },
    ...options,
  });
  clients.push(client);
  return { ...opened, client, sleeps };
}

function recordEvents(client: DataCacheClient): Partial<Record<keyof ClientEvents, number>> {
  const counts: Partial<Record<keyof ClientEvents, number>> = {};
  for (const name of ['hit', 'miss', 'stale', 'fetch', 'stored', 'error', 'rate-limited', 'queued', 'completed', 'database-fault'] as const) {
    client.on(name, () => (counts[name] = (counts[name] ?? 0) + 1));
  }
  return counts;
}

const request = (url: string, extra: Record<string, unknown> = {}) => ({ url, identifier: 'daft punk', dataType: 'api', provider: 'test', ...extra });
const sha256 = (data: string): string => createHash('sha256').update(data).digest('hex');

describe('DataCacheClient.getOrFetch', () => {
  it('fetches a miss once, then answers from the cache', async () => {
    const server = await startServer({ '/artist.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag: '"a1"' }).end('{"name":"Daft Punk"}') });
    const { client } = await openClient();
    const events = recordEvents(client);
    const first = await client.getOrFetch(request(server.url('/artist.json')));
    const second = await client.getOrFetch(request(server.url('/artist.json')));
    expect(first!.json()).toEqual({ name: 'Daft Punk' });
    expect(first).toMatchObject({ mimeType: 'application/json', etag: '"a1"', stale: false });
    expect(second!.cachekey).toBe(first!.cachekey);
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['user-agent']).toBe('datacache-tests/1.0 ( tests@example.org )');
    expect(events).toMatchObject({ miss: 1, fetch: 1, stored: 1, hit: 1 });
  });

  it('makes one request for many concurrent asks of one URL, and every caller gets the answer or the error', async () => {
    const server = await startServer({
      '/slow.json': (_request, response) => setTimeout(() => response.writeHead(200).end('{"ok":true}'), 100),
      '/forbidden': (_request, response) => setTimeout(() => response.writeHead(403).end(), 100),
    });
    const { client } = await openClient();
    const answers = await Promise.all(Array.from({ length: 20 }, () => client.getOrFetch(request(server.url('/slow.json')))));
    expect(new Set(answers.map((answer) => answer!.checksum)).size).toBe(1);
    const failures = await Promise.allSettled(Array.from({ length: 5 }, () => client.getOrFetch(request(server.url('/forbidden')))));
    expect(failures.every((failure) => failure.status === 'rejected' && failure.reason instanceof HttpStatusError)).toBe(true);
    expect(server.requests.filter((seen) => seen.path === '/slow.json')).toHaveLength(1);
    expect(server.requests.filter((seen) => seen.path === '/forbidden')).toHaveLength(1);
  });

  it('retries network errors and 5xx with growing backoff, but not a final 4xx', async () => {
    let calls = 0;
    const server = await startServer({
      '/flaky': (_request, response) => (++calls < 3 ? response.writeHead(500).end() : response.writeHead(200).end('third time')),
      '/gone': (_request, response) => response.writeHead(410).end(),
    });
    const { client, sleeps } = await openClient();
    const retries: ClientEvents['retry'][] = [];
    client.on('retry', (event) => retries.push(event));
    expect((await client.getOrFetch(request(server.url('/flaky'))))!.text()).toBe('third time');
    expect(sleeps).toHaveLength(2);
    // Each wait is announced first, with why and for how long, so a command line can say so.
    expect(retries.map(({ attempt, attempts, delayMs }) => ({ attempt, attempts, delayMs }))).toEqual([
      { attempt: 1, attempts: 4, delayMs: sleeps[0] },
      { attempt: 2, attempts: 4, delayMs: sleeps[1] },
    ]);
    expect(retries.every((retry) => retry.reason.includes('HTTP 500'))).toBe(true);
    expect(sleeps[0]).toBeGreaterThanOrEqual(500);
    expect(sleeps[1]).toBeGreaterThanOrEqual(1000);
    await expect(client.getOrFetch(request(server.url('/gone')))).rejects.toMatchObject({ status: 410 });
    expect(server.requests.filter((seen) => seen.path === '/gone')).toHaveLength(1);
  });

  it('puts the provider in a cool-down from Retry-After that another client of the cache sees, and fails live requests fast', async () => {
    const server = await startServer({
      '/busy': (_request, response) => response.writeHead(429, { 'retry-after': '120' }).end(),
      '/other': (_request, response) => response.writeHead(200).end('fine'),
    });
    const { client, clock, cacheDir } = await openClient();
    const error = await client.getOrFetch(request(server.url('/busy'))).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderCoolingDownError);
    expect((error as ProviderCoolingDownError).until).toBe(clock.now() + 120_000);
    const otherStorage = closeAfterTest(await DataStorage.open({ cacheDir, clock, maintenanceIntervalSeconds: 0 }));
    const other = new DataCacheClient({ storage: otherStorage, clock, providers: { test: { ratePerSecond: Infinity } } });
    clients.push(other);
    await expect(other.getOrFetch(request(server.url('/other')))).rejects.toThrow(ProviderCoolingDownError);
    expect(server.requests.filter((seen) => seen.path === '/other')).toHaveLength(0);
    clock.advance(120_001);
    expect((await other.getOrFetch(request(server.url('/other'))))!.text()).toBe('fine');
  });

  it('remembers a 404 as a negative entry when asked to, so the next ask does not go out', async () => {
    const server = await startServer({});
    const { client, storage } = await openClient();
    expect(await client.getOrFetch(request(server.url('/missing.png'), { negativeTtlSeconds: 3600 }))).toBeNull();
    expect(await client.getOrFetch(request(server.url('/missing.png'), { negativeTtlSeconds: 3600 }))).toBeNull();
    expect(server.requests).toHaveLength(1);
    expect(await storage.retrieveByUrl(server.url('/missing.png'))).toMatchObject({ statusCode: 404 });
  });

  it('stores nothing past maxBytes or on a checksum mismatch', async () => {
    const server = await startServer({ '/big': (_request, response) => response.writeHead(200).end(Buffer.alloc(10_000)), '/file': (_request, response) => response.writeHead(200).end('v2') });
    const { client, storage } = await openClient();
    await expect(client.getOrFetch(request(server.url('/big'), { maxBytes: 1000 }))).rejects.toThrow(ResponseTooLargeError);
    await expect(client.getOrFetch(request(server.url('/file'), { expectedChecksum: sha256('v1') }))).rejects.toThrow(ChecksumMismatchError);
    expect((await storage.stats()).entries).toBe(0);
  });

  it('revalidates an expired entry with its ETag and renews it on a 304, without a download', async () => {
    const server = await startServer({
      '/data.json': (incoming, response) => {
        if (incoming.headers['if-none-match'] === '"v1"') response.writeHead(304, { etag: '"v1"' }).end();
        else response.writeHead(200, { etag: '"v1"' }).end('{"version":1}');
      },
    });
    const { client, clock } = await openClient();
    const first = await client.getOrFetch(request(server.url('/data.json'), { ttlSeconds: 60 }));
    clock.advance(61_000);
    const renewed = await client.getOrFetch(request(server.url('/data.json'), { ttlSeconds: 60 }));
    expect(renewed).toMatchObject({ stale: false, cachekey: first!.cachekey, expiresAt: clock.now() + 60_000 });
    expect(renewed!.json()).toEqual({ version: 1 });
    expect(server.requests.map((seen) => seen.headers['if-none-match'])).toEqual([undefined, '"v1"']);
  });

  it('answers with the expired copy, marked stale, when the origin fails', async () => {
    let up = true;
    const server = await startServer({ '/bio': (_request, response) => (up ? response.writeHead(200).end('biography') : response.writeHead(503).end()) });
    const { client, clock } = await openClient();
    const events = recordEvents(client);
    await client.getOrFetch(request(server.url('/bio'), { ttlSeconds: 60 }));
    up = false;
    clock.advance(61_000);
    const stale = await client.getOrFetch(request(server.url('/bio'), { ttlSeconds: 60 }));
    expect(stale).toMatchObject({ stale: true });
    expect(stale!.text()).toBe('biography');
    expect(events.stale).toBe(1);
    const noStale = new DataCacheClient({ storage: (await openTestStorage()).storage, staleIfError: false, providers: { test: { ratePerSecond: Infinity } } });
    clients.push(noStale);
    await expect(noStale.getOrFetch(request(server.url('/bio')))).rejects.toThrow();
  });

  it('queues a request with immediate: false, and a worker fetches it; waitFor and onComplete hear of it', async () => {
    const server = await startServer({ '/fanart.jpg': (_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png(4, 3)) });
    const { client } = await openClient({ clock: undefined });
    const completed: (CachedEntry | null)[] = [];
    const url = server.url('/fanart.jpg');
    expect(await client.getOrFetch({ ...request(url), dataType: 'fanart', immediate: false, onComplete: (entry) => completed.push(entry) })).toBeNull();
    expect(await client.queue.get(url)).toMatchObject({ state: 'pending', priority: 2 });
    const waiting = client.waitFor(url, { timeoutMs: 10_000 });
    const worker = client.startWorker();
    const entry = await waiting;
    await worker.stop();
    expect(entry!.data.equals(png(4, 3))).toBe(true);
    expect(entry).toMatchObject({ dataType: 'fanart', mimeType: 'image/png', metadata: { width: 4, height: 3 } });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(completed.map((answer) => answer?.url)).toEqual([url]);
    expect(await client.queue.get(url)).toMatchObject({ state: 'done' });
  });

  it('refuses a body that is not an image for an image type, stores nothing, and does not fetch it again for a while', async () => {
    const server = await startServer({
      '/broken.jpg': (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(htmlErrorPage),
      '/real.png': (_request, response) => response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(png(8, 6)),
    });
    const { client, storage } = await openClient();
    const error = await client.getOrFetch({ ...request(server.url('/broken.jpg')), dataType: 'thumbnail' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnexpectedContentError);
    expect((error as Error).message).toMatch(/text\/html that is not an image/);
    expect(await client.getOrFetch({ ...request(server.url('/broken.jpg')), dataType: 'thumbnail' })).toBeNull();
    expect(server.requests).toHaveLength(1);
    expect(await storage.retrieveByUrl(server.url('/broken.jpg'))).toMatchObject({ statusCode: 415, size: 0 });
    // A real image is kept, with the MIME type read from its bytes rather than the header.
    const image = await client.getOrFetch({ ...request(server.url('/real.png')), dataType: 'logo' });
    expect(image).toMatchObject({ mimeType: 'image/png', metadata: { width: 8, height: 6 } });
    // Other data types are not sniffed.
    await expect(client.getOrFetch({ ...request(server.url('/broken.jpg')), url: server.url('/broken.jpg?as=api') })).resolves.toMatchObject({ dataType: 'api' });
  });

  it('keeps headers and the negative TTL of a queued request, for the worker that runs it', async () => {
    const server = await startServer({
      '/needs-key.png': (incoming, response) => (incoming.headers['x-client-version'] === '2' ? response.writeHead(404).end() : response.writeHead(400).end()),
    });
    const { client, storage } = await openClient({ clock: undefined });
    const url = server.url('/needs-key.png');
    await client.getOrFetch({ ...request(url), dataType: 'logo', immediate: false, headers: { 'x-client-version': '2' }, negativeTtlSeconds: 3600 });
    const worker = client.startWorker();
    for (let tries = 0; tries < 200 && (await client.queue.get(url))?.state !== 'done'; tries++) await new Promise((resolve) => setTimeout(resolve, 20));
    await worker.stop();
    expect(server.requests[0]!.headers['x-client-version']).toBe('2');
    expect(await storage.retrieveByUrl(url)).toMatchObject({ statusCode: 404 });
    expect(await client.getOrFetch(request(url))).toBeNull();
    expect(server.requests).toHaveLength(1);
  });

  it('still fetches, uncached, when the database is locked beyond the timeout, and reports that once', async () => {
    const server = await startServer({ '/a': (_request, response) => response.writeHead(200).end('a'), '/b': (_request, response) => response.writeHead(200).end('b') });
    const { client, storage } = await openClient({ clock: undefined }, { lockTimeoutMs: 100 });
    const events = recordEvents(client);
    const holder = startTypeScript('../fixtures/hold-write-lock.ts', [storage.databasePath, '4000']);
    await holder.printed('locked');
    try {
      const a = await client.getOrFetch(request(server.url('/a')));
      const b = await client.getOrFetch(request(server.url('/b')));
      expect([a!.text(), b!.text(), a!.cachekey]).toEqual(['a', 'b', '']);
      expect(events['database-fault']).toBe(1);
    } finally {
      holder.kill();
      await holder.exited;
    }
  });

  it('rejects bad requests with typed errors, without a request', async () => {
    const { client } = await openClient();
    await expect(client.getOrFetch(request('ftp://example.org/x'))).rejects.toThrow(/http:\/\/ or https:\/\//);
    await expect(client.getOrFetch(request('https://example.org/x', { retries: -1 }))).rejects.toThrow(/retries must be between 0 and 10/);
    await expect(client.getOrFetch(request('https://example.org/x', { expectedChecksum: 'abc' }))).rejects.toThrow(/SHA-256/);
    await expect(client.getOrFetch(request('https://example.org/x', { headers: { evil: 'a\r\nb' } }))).rejects.toThrow(/single-line/);
  });

  it('refuses job retention and retry settings it cannot use', async () => {
    await expect(openClient({ jobRetention: 3600 as never })).rejects.toThrow(/jobRetention must be an object/);
    await expect(openClient({ jobRetention: { doneMs: -1 } })).rejects.toThrow(/jobRetention.doneMs/);
    await expect(openClient({ jobRetries: 3 as never })).rejects.toThrow(/jobRetries must be an object/);
    await expect(openClient({ jobRetries: { attempts: 0 } })).rejects.toThrow(/jobRetries.attempts/);
    await expect(openClient({ jobRetries: { attempts: 2.5 } })).rejects.toThrow(/jobRetries.attempts/);
    await expect(openClient({ jobRetries: { firstDelayMs: -1 } })).rejects.toThrow(/jobRetries.firstDelayMs/);
    await expect(openClient({ jobRetries: { tries: 3 } as never })).rejects.toThrow(/jobRetries.tries is not an option/);
  });

  it('refuses waitFor options it cannot honour, rather than firing a timer early or throwing untyped', async () => {
    const { client } = await openClient();
    await expect(client.waitFor('https://example.org/x', { timeoutMs: 1e12 })).rejects.toThrow(InvalidArgumentError);
    await expect(client.waitFor('https://example.org/x', { signal: 5 as never })).rejects.toThrow(/AbortSignal/);
    await expect(client.waitFor('https://example.org/x', 'soon' as never)).rejects.toThrow(/waitFor options must be an object/);
  });
});

describe('several processes missing one URL at once', () => {
  // The children open the directory alone; several-machines.test.ts is this with a shared tier.
  it.skipIf(TWO_TIER)('cause one request at the server', async () => {
    const server = await startServer({ '/popular.json': (_request, response) => setTimeout(() => response.writeHead(200).end('{"plays":1}'), 400) });
    const { cacheDir } = await openTestStorage();
    const children = await Promise.all(
      Array.from({ length: 8 }, () => runTypeScript('../fixtures/fetch-once.ts', [cacheDir, server.url('/popular.json'), String(Date.now() + 3000)], { timeoutMs: 60_000 })),
    );
    const checksums = children.map((child) => lastJsonLine<{ checksum: string }>(child).checksum);
    expect(new Set(checksums).size).toBe(1);
    expect(server.requests).toHaveLength(1);
  });

  it("answer a waiter as soon as the other process's fetch fails, not when its lease ends", async () => {
    const server = await startServer({ '/broken.json': (_request, response) => setTimeout(() => response.writeHead(500).end('down'), 400) });
    const { cacheDir } = await openTestStorage();
    // Two connections with two owners: to the queue's claims they are two processes.
    const first = new DataCacheClient({ storage: closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 })), providers: { example: { ratePerSecond: Infinity } } });
    const second = new DataCacheClient({ storage: closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 })), providers: { example: { ratePerSecond: Infinity } } });
    clients.push(first, second);
    const fetchBroken = (client: DataCacheClient) =>
      client.getOrFetch({ url: server.url('/broken.json'), identifier: 'x', dataType: 'api', provider: 'example', retries: 0 }).then(() => 'answered', () => 'failed');
    const claimant = fetchBroken(first);
    await new Promise((resolve) => setTimeout(resolve, 100)); // the first holds the claim (a 60 s lease) now
    const waiter = fetchBroken(second);
    // Waiting out the lease would take a minute; the 10 s here is only a generous bound.
    const outcome = await Promise.race([waiter, new Promise((resolve) => setTimeout(() => { resolve('still waiting'); }, 10_000))]);
    expect(await claimant).toBe('failed');
    expect(outcome).toBe('failed'); // it tried for itself once the claim ended, and got the 500 too
    expect(server.requests).toHaveLength(2);
  });
});

describe('analytics of a client used on its own', () => {
  it('count every miss, fetch and hit in the cache, as the overview and `datacache stats` read them; `analytics: false` counts nothing', async () => {
    const server = await startServer({ '/counted.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"n":1}') });
    const { storage, clock, client } = await openClient();
    const request = { url: server.url('/counted.json'), identifier: 'x', dataType: 'api', provider: 'test' };
    await client.getOrFetch(request);
    await client.getOrFetch(request);
    await client.getOrFetch(request);
    await client.close(); // flushes what it counted
    const { analyticsStoreFor } = await import('../../src/analytics/analytics-store-for.js');
    const { readAnalytics } = await import('../../src/analytics/analytics-report.js');
    const report = await readAnalytics(analyticsStoreFor(storage), clock.now());
    expect(report.totals).toMatchObject({ hits: 2, misses: 1, fetches: 1, errors: 0 });

    const quiet = new DataCacheClient({ storage, clock, providers: { test: { ratePerSecond: Infinity } }, analytics: false });
    clients.push(quiet);
    await quiet.getOrFetch(request);
    await quiet.close();
    expect((await readAnalytics(analyticsStoreFor(storage), clock.now())).totals).toMatchObject({ hits: 2, misses: 1, fetches: 1 });
  });
});

describe('pausing the workers', () => {
  it('stops every worker on the cache directory from claiming, from another connection, until resumed; live fetches go on', async () => {
    const server = await startServer({ '/queued.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"q":1}'), '/live.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{"l":1}') });
    // Both connections on the same shared tier in the two-tier run, as two processes of a machine would be.
    const shared = await sharedForTest();
    const { client, cacheDir } = await openClient({ sleep: undefined, clock: undefined }, shared);
    const worker = client.startWorker({ refreshAhead: false });
    try {
      // Another process (here: another connection with its own queue owner) pauses them.
      const other = new DataCacheClient({ storage: closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0, ...shared })), providers: { test: { ratePerSecond: Infinity } } });
      clients.push(other);
      await other.pauseWorkers(true);
      expect(await client.workersPaused()).toBe(true);
      await other.queueFetch({ url: server.url('/queued.json'), identifier: 'q', dataType: 'api', provider: 'test' });
      // A live fetch is no queued job: it goes on while the workers wait.
      expect((await other.getOrFetch({ url: server.url('/live.json'), identifier: 'l', dataType: 'api', provider: 'test' }))?.json()).toEqual({ l: 1 });
      await new Promise((resolve) => setTimeout(resolve, 1500));
      expect(server.requests.map((request) => request.path)).toEqual(['/live.json']);
      expect(worker.counts.completed).toBe(0);
      await other.pauseWorkers(false);
      await expect.poll(() => worker.counts.completed, { timeout: 20_000 }).toBe(1);
      expect(server.requests.map((request) => request.path)).toEqual(['/live.json', '/queued.json']);
      await expect(other.pauseWorkers('yes' as never)).rejects.toThrow(/paused must be true or false/);
    } finally {
      await worker.stop();
    }
  });
});
