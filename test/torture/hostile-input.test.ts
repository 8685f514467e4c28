import { mkdir, readdir } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataCacheClient, DataCacheError, DataStorage, InvalidArgumentError } from '../../src/index.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

/** Keys that have broken JavaScript libraries: they must be plain data here. */
const hostileKey = fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty');
const anyText = fc.oneof(fc.string({ unit: 'binary', maxLength: 300 }), fc.string({ unit: 'grapheme', maxLength: 50 }), fc.constantFrom('', ' ', '../../etc/passwd', '..\\..\\boot.ini', 'a\u0000b', 'x'.repeat(9000)));
const jsonObject = fc.dictionary(fc.oneof(hostileKey, fc.string({ maxLength: 20 })), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });

/** Either it worked, or it was refused with a typed error saying what was wrong. */
async function settle<T>(operation: () => Promise<T>): Promise<{ value: T } | { error: unknown }> {
  try {
    return { value: await operation() };
  } catch (error) {
    return { error };
  }
}

describe('hostile input to the storage API', () => {
  let storage: DataStorage;

  beforeAll(async () => {
    storage = await DataStorage.open({ cacheDir: await temporaryDirectory(), maintenanceIntervalSeconds: 0 });
  });

  afterAll(async () => {
    await storage.close();
  });

  it('stores whatever is valid and gives it back exactly; refuses the rest with a typed error, changing nothing, and nothing escapes the cache directory', async () => {
    const parent = await temporaryDirectory();
    const cacheDir = join(parent, 'cache');
    await mkdir(cacheDir);
    const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
    let stored = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          url: fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), anyText),
          identifier: anyText,
          dataType: fc.oneof(fc.constantFrom('fanart', 'api', 'musicbrainz'), anyText),
          provider: fc.oneof(fc.constantFrom('cdn', 'musicbrainz'), anyText),
          value: fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.uint8Array({ maxLength: 40_000 }), fc.string({ unit: 'binary', maxLength: 200 })),
          ttlSeconds: fc.oneof(fc.integer({ min: 1, max: 10 ** 7 }), fc.double(), fc.constantFrom(-1, Number.NaN, Infinity)),
          metadata: fc.option(jsonObject, { nil: undefined }),
          mimeType: fc.option(fc.oneof(fc.constantFrom('image/png', 'application/json'), anyText), { nil: undefined }),
          etag: fc.option(anyText, { nil: undefined }),
        }),
        async (request) => {
          const before = await storage.retrieveByUrl(request.url, { allowStale: true }).catch(() => null);
          const outcome = await settle(() => storage.store(request as never));
          if ('error' in outcome) {
            expect(outcome.error, String(outcome.error)).toBeInstanceOf(InvalidArgumentError);
            // Refused: whatever was cached under that URL is untouched.
            const after = await storage.retrieveByUrl(request.url, { allowStale: true }).catch(() => null);
            expect(after?.checksum).toBe(before?.checksum);
            return;
          }
          stored++;
          const entry = await storage.retrieveByUrl(request.url, { allowStale: true });
          expect(entry).not.toBeNull();
          if (request.value instanceof Uint8Array) expect(Buffer.compare(entry!.data, Buffer.from(request.value))).toBe(0);
          else if (typeof request.value === 'string') expect(entry!.text()).toBe(request.value);
          else expect(JSON.stringify(entry!.json())).toBe(JSON.stringify(request.value));
          expect(JSON.stringify(entry!.metadata)).toBe(JSON.stringify({ ...(request.metadata ?? {}) }).replace(/^\{\}$/, '{}'));
          expect(entry!.identifier).toBe(request.identifier);
        },
      ),
      { numRuns: 250 },
    );
    // Nothing leaked onto every object through a "__proto__" key.
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.keys(Object.prototype)).toEqual([]);
    expect(stored).toBeGreaterThan(20);
    await storage.close();
    // Nothing any identifier or URL did reached outside the cache directory, or strayed inside it.
    expect(await readdir(parent)).toEqual(['cache']);
    const names = (await readdir(cacheDir, { recursive: true })).map((name) => name.split('\\').join('/'));
    expect(names.filter((name) => !/^(datacache\.sqlite(-wal|-shm)?|blobs(\/.*)?)$/.test(name))).toEqual([]);
  }, 120_000);

  it('answers any reading query with an entry, null, or a typed error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ withNullPrototype: true, maxDepth: 2 }), fc.anything({ maxDepth: 1 }), async (query, options) => {
        const reads: (() => Promise<unknown>)[] = [
          () => storage.retrieveByUrl(query as never, options as never),
          () => storage.retrieveByIdentifier(query as never),
          () => storage.retrieveRandom(query as never),
          () => storage.purge(query as never),
          () => storage.listIdentifiers(query as never),
        ];
        for (const read of reads) {
          const outcome = await settle(read);
          if ('error' in outcome) expect(outcome.error, String(outcome.error)).toBeInstanceOf(DataCacheError);
        }
      }),
      { numRuns: 150 },
    );
  }, 120_000);
});

describe('hostile HTTP answers', () => {
  it('end in an entry holding exactly the body served, null, or a typed error; never a crash or a hang', async () => {
    let answer: { status: number; headers: Record<string, string>; body: Uint8Array } = { status: 200, headers: {}, body: new Uint8Array() };
    const server = createServer((_request, response) => {
      try {
        response.writeHead(answer.status, answer.headers);
      } catch {
        response.writeHead(answer.status); // a header Node itself refuses to send
      }
      response.end([204, 304].includes(answer.status) ? undefined : answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const storage = await DataStorage.open({ cacheDir: await temporaryDirectory(), maintenanceIntervalSeconds: 0 });
    const client = new DataCacheClient({ storage });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            status: fc.constantFrom(200, 200, 200, 201, 204, 206, 301, 302, 304, 400, 401, 403, 404, 408, 410, 418, 500, 502, 503, 599),
            headers: fc.dictionary(fc.constantFrom('content-type', 'etag', 'last-modified', 'retry-after', 'location', 'cache-control', 'x-junk'), fc.string({ maxLength: 40 }), { maxKeys: 4 }),
            body: fc.oneof(fc.uint8Array({ maxLength: 5000 }), fc.string({ maxLength: 200 }).map((text) => new TextEncoder().encode(text))),
            expect: fc.constantFrom('any' as const, 'json' as const, 'image' as const),
          }),
          async (spec) => {
            answer = spec;
            run++;
            const url = `http://127.0.0.1:${port}/answer/${run}`;
            const provider = `hostile-${run}`; // a 429 or 503 cools only this one down
            const started = performance.now();
            const outcome = await settle(() => client.getOrFetch({ url, identifier: 'x', dataType: 'api', provider, retries: 0, timeoutMs: 2000, expect: spec.expect }));
            expect(performance.now() - started).toBeLessThan(15_000);
            if ('error' in outcome) {
              expect(outcome.error, String(outcome.error)).toBeInstanceOf(DataCacheError);
              return;
            }
            if (outcome.value === null) return;
            // What the server really sent: no body with 204 and 304.
            const sent = Buffer.from([204, 304].includes(spec.status) ? [] : spec.body);
            expect(Buffer.compare(outcome.value.data, sent)).toBe(0);
            const stored = await storage.retrieveByUrl(url);
            if (stored !== null) expect(Buffer.compare(stored.data, sent)).toBe(0);
          },
        ),
        { numRuns: 120 },
      );
    } finally {
      await client.close();
      await storage.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    }
  }, 120_000);
});

// The runs below that make real requests with real retry back-off are kept few: each run of the
// keys property is a new cache and up to a few seconds of back-off; fast-check draws new cases on
// every run of the suite, so the cases add up across runs.
describe('keys under hostile answers', () => {
  it('never appear in logs, events, errors or the database, whatever the service answers', async () => {
    let answer = { status: 200, body: '' };
    const server = createServer((request, response) => {
      // A hostile service echoes the whole request, key included, into its answers.
      const echo = `${request.url ?? ''} ${JSON.stringify(request.headers)}`;
      response.writeHead(answer.status, { 'content-type': 'application/json', 'x-echo': encodeURIComponent(echo).slice(0, 500) });
      response.end(answer.body.replace('ECHO', echo));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      await fc.assert(
        fc.asyncProperty(
          fc.stringMatching(/^[A-Za-z0-9]{12,40}$/),
          fc.constantFrom('lastfm', 'fanarttv', 'discogs', 'theaudiodb'),
          fc.record({ status: fc.constantFrom(200, 400, 401, 403, 404, 500, 503), body: fc.constantFrom('ECHO', '{"error": "ECHO"}', '{"ok": true, "echo": "ECHO"}') }),
          async (key, provider, spec) => {
            answer = spec;
            const said: string[] = [];
            const log = (message: string, details?: unknown): void => { said.push(message + JSON.stringify(details ?? '')); };
            const cacheDir = await temporaryDirectory();
            const { createProviders } = await import('../../src/index.js');
            const providers = createProviders({ cacheDir, userAgent: 'torture/1.0 ( t@example.org )', logger: { debug: log, info: log, warn: log, error: log }, providers: { [provider]: { baseUrl: base, apiKey: key, ratePerSecond: Infinity } }, storage: { maintenanceIntervalSeconds: 0 } });
            await providers.initialize();
            const stops = (['hit', 'miss', 'fetch', 'stored', 'error', 'queued', 'completed', 'rate-limited'] as const).map((name) => providers.client.on(name, (event: unknown) => { said.push(JSON.stringify(event)); }));
            const url = provider === 'theaudiodb' ? `https://www.theaudiodb.com/api/v1/json/${key}/search.php?s=air` : provider === 'lastfm' ? `https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=air&api_key=${key}` : provider === 'fanarttv' ? 'https://webservice.fanart.tv/v3/music/056e4f3e-d505-4dad-8ec1-d04f521cbb56' : 'https://api.discogs.com/database/search?q=air';
            const outcome = await settle(() => providers.api.cacheApiResponse({ url, identifier: 'air', provider }));
            if ('error' in outcome) said.push(String(outcome.error), JSON.stringify(outcome.error), (outcome.error as Error).stack ?? '');
            await providers.api.cacheApiResponse({ url, identifier: 'air', provider, immediate: false }).catch((error: unknown) => said.push(String(error)));
            said.push(JSON.stringify(await providers.stats()));
            said.push(JSON.stringify(await providers.client.queue.list()));
            for (const stop of stops) stop();
            await providers.close();
            const { readFile } = await import('node:fs/promises');
            const database = Buffer.concat(await Promise.all(['datacache.sqlite', 'datacache.sqlite-wal'].map((name) => readFile(join(cacheDir, name)).catch(() => Buffer.alloc(0)))));
            const cached = 'value' in outcome && outcome.value !== null ? JSON.stringify(outcome.value) : '';
            // The service's own answer may echo the key back (that is its content, as it chose);
            // everything datacache says and keeps about the request must not.
            expect(said.join('\n')).not.toContain(key);
            if (!cached.includes(key)) expect(database.includes(key)).toBe(false);
          },
        ),
        { numRuns: 12 },
      );
    } finally {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    }
  }, 120_000);
});

/** A value of any kind for an option: numbers at the edges, wrong types, nested junk. */
const anyOptionValue = fc.oneof(
  fc.constantFrom(undefined, null, 0, -1, 1, 0.5, Number.NaN, Infinity, -Infinity, Number.MAX_SAFE_INTEGER, 1e300, '', '10', true, false),
  fc.double(),
  fc.integer(),
  fc.string({ maxLength: 20 }),
  fc.anything({ maxDepth: 1 }),
);

/** Options objects with some of `keys` set to anything, and now and then a hostile key. */
function optionsOver(keys: readonly string[]) {
  return fc.dictionary(fc.oneof(fc.constantFrom(...keys), hostileKey), anyOptionValue, { maxKeys: 5 });
}

describe('hostile options', () => {
  it('DataStorage.open opens with what it can use and refuses the rest with a typed error', async () => {
    const root = await temporaryDirectory();
    let run = 0;
    const keys = ['maxSizeBytes', 'lowWaterMarkRatio', 'staleRetentionSeconds', 'maintenanceIntervalSeconds', 'orphanGraceSeconds', 'accessFlushIntervalMs', 'busyTimeoutMs', 'lockTimeoutMs', 'onCorruptDatabase', 'memoryCacheBytes'];
    await fc.assert(
      fc.asyncProperty(optionsOver(keys), async (options) => {
        const cacheDir = join(root, String(run++));
        const outcome = await settle(() => DataStorage.open({ ...options, cacheDir }));
        if ('error' in outcome) {
          expect(outcome.error, String(outcome.error)).toBeInstanceOf(DataCacheError);
          return;
        }
        await outcome.value.store({ url: 'k:1', identifier: 'x', dataType: 'api', provider: 'p', value: 1, ttlSeconds: 60 });
        expect((await outcome.value.retrieveByUrl('k:1'))?.json()).toBe(1);
        await outcome.value.close();
      }),
      { numRuns: 40 },
    );
  }, 120_000);

  it('getOrFetch answers or refuses with a typed error whatever its request options, and a client refuses options it cannot use', async () => {
    const server = createServer((request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const storage = await DataStorage.open({ cacheDir: await temporaryDirectory(), maintenanceIntervalSeconds: 0 });
    const requestKeys = ['immediate', 'ttlSeconds', 'negativeTtlSeconds', 'timeoutMs', 'retries', 'headers', 'metadata', 'priority', 'expectedChecksum', 'maxBytes', 'expect', 'signal', 'onComplete'];
    const clientKeys = ['userAgent', 'providers', 'ttlByDataType', 'staleIfError', 'leaseMs', 'jobRetention', 'jobRetries', 'logger', 'analytics', 'clock', 'sleep'];
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(optionsOver(clientKeys), optionsOver(requestKeys), async (clientOptions, requestOptions) => {
          let client: DataCacheClient;
          try {
            // Retry backoffs do not wait (unless the case brings its own sleep): runs stay fast.
            client = new DataCacheClient({ sleep: () => Promise.resolve(), ...clientOptions, storage });
          } catch (error) {
            expect(error, String(error)).toBeInstanceOf(DataCacheError);
            return;
          }
          try {
            const url = `http://127.0.0.1:${String(port)}/options/${String(run++)}`;
            const outcome = await settle(() => client.getOrFetch({ ...requestOptions, url, identifier: 'x', dataType: 'api', provider: 'p' }));
            if ('error' in outcome) {
              expect(outcome.error, String(outcome.error)).toBeInstanceOf(DataCacheError);
              return;
            }
            if (outcome.value !== null) expect(outcome.value.json()).toEqual({ path: new URL(url).pathname });
          } finally {
            await client.close();
          }
        }),
        { numRuns: 40 },
      );
    } finally {
      await storage.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => { resolve(); }));
    }
  }, 120_000);
});
