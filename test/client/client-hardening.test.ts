import { readFile } from 'node:fs/promises';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { entryJson } from '../../src/client/entry-json.js';
import {
  DataCacheClient,
  DataStorage,
  DownloadTimeoutError,
  InvalidArgumentError,
  ResponseTooLargeError,
  type DataCacheClientOptions,
} from '../../src/index.js';
import { JsonTooDeepError } from '../../src/http/http-errors.js';
import { png } from '../helpers/images.js';
import { startServer } from '../helpers/http-server.js';
import { closeAfterTest, openTestStorage } from '../helpers/storage.js';

const clients: DataCacheClient[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function openClient(options: Partial<DataCacheClientOptions> = {}) {
  const opened = await openTestStorage();
  const client = new DataCacheClient({ storage: opened.storage, userAgent: 'datacache-tests/1.0 ( tests@example.org )', providers: { test: { ratePerSecond: Infinity } }, ...options });
  clients.push(client);
  return { ...opened, client };
}

const request = (url: string, extra: Record<string, unknown> = {}) => ({ url, identifier: 'x', dataType: 'api', provider: 'test', ...extra });

describe('credentials in caller headers', () => {
  it('sends them with a fetch made now, and writes them nowhere: not in the queue row, not in the database file', async () => {
    const server = await startServer({ '/private.json': (incoming, response) => response.writeHead(incoming.headers.authorization === 'Bearer SECRET-TOKEN-123' ? 200 : 401).end('{"ok":true}') });
    const { client, storage } = await openClient();
    const url = server.url('/private.json');
    const entry = await client.getOrFetch(request(url, { headers: { authorization: 'Bearer SECRET-TOKEN-123', 'x-app': 'overlay' } }));
    expect(entry!.text()).toBe('{"ok":true}');
    const job = await client.queue.get(url);
    expect(job!.request.headers).toEqual({ 'x-app': 'overlay' });
    await storage.close();
    const files = await Promise.all(['', '-wal'].map((suffix) => readFile(`${storage.databasePath}${suffix}`).catch(() => Buffer.alloc(0))));
    expect(Buffer.concat(files).includes('SECRET-TOKEN-123')).toBe(false);
  });

  it('refuses them in a queued request, which a worker in another process would run without them', async () => {
    const { client } = await openClient();
    for (const name of ['Authorization', 'cookie', 'x-api-key', 'X-Auth-Token']) {
      await expect(client.getOrFetch(request('https://example.org/a', { immediate: false, headers: { [name]: 'v' } }))).rejects.toThrow(InvalidArgumentError);
    }
    expect(await client.queue.list()).toEqual([]);
  });

  it('refuses header names and values it cannot send, and URLs with a password in them, before any request', async () => {
    const server = await startServer({});
    const { client } = await openClient();
    for (const headers of [{ 'bad name': 'v' }, { 'x-ok': 'line\nbreak' }, { 'x-ok': 'caf\u0100' }, { 'x-ok': 7 }]) {
      await expect(client.getOrFetch(request(server.url('/a'), { headers }))).rejects.toThrow(InvalidArgumentError);
    }
    await expect(client.getOrFetch(request(server.url('/a').replace('http://', 'http://dj:PASS@')))).rejects.toThrow(/user name or password/);
    expect(server.requests).toHaveLength(0);
  });
});

describe('the caller’s timeout', () => {
  it('holds while a busy worker keeps every background connection to the host, and a live request does not wait behind them', async () => {
    const slow: (() => void)[] = [];
    const server = await startServer({
      '/fast.json': (_request, response) => response.writeHead(200).end('{"fast":true}'),
    });
    server.fallback = (_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.write(png(4, 4).subarray(0, 20));
      slow.push(() => response.end(png(4, 4).subarray(20)));
    };
    const { client } = await openClient();
    for (let index = 0; index < 8; index++) await client.getOrFetch(request(server.url(`/slow-${index}.png`), { dataType: 'fanart', immediate: false, timeoutMs: 120_000 }));
    const worker = client.startWorker({ concurrency: 8 });
    while (slow.length < 6) await new Promise((resolve) => setTimeout(resolve, 10));
    // Six downloads hold the pool's six connections to the host; the live answer comes anyway.
    const entry = await client.getOrFetch(request(server.url('/fast.json'), { timeoutMs: 5000 }));
    expect(entry!.json()).toEqual({ fast: true });
    expect(slow.length).toBe(6);
    for (const finish of slow) finish();
    while (slow.length < 8) await new Promise((resolve) => setTimeout(resolve, 10));
    for (const finish of slow.slice(6)) finish();
    await worker.stop();
  });

  it('holds while another process fetches the same URL: the waiter gets a timeout, not the rest of a 60 s lease', async () => {
    let answer!: () => void;
    const answered = new Promise<void>((resolve) => { answer = resolve; });
    const server = await startServer({ '/slow.json': (_request, response) => { void answered.then(() => response.writeHead(200).end('{}')); } });
    const { cacheDir } = await openTestStorage();
    const first = new DataCacheClient({ storage: closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 })), providers: { test: { ratePerSecond: Infinity } } });
    const second = new DataCacheClient({ storage: closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 })), providers: { test: { ratePerSecond: Infinity } } });
    clients.push(first, second);
    const url = server.url('/slow.json');
    const claimant = first.getOrFetch(request(url, { timeoutMs: 60_000 })).catch(() => null);
    while ((await second.queue.get(url))?.state !== 'running') await new Promise((resolve) => setTimeout(resolve, 10));
    const started = Date.now();
    try {
      await expect(second.getOrFetch(request(url, { timeoutMs: 500 }))).rejects.toThrow(DownloadTimeoutError);
      // Long before the other process's answer (held back until now) or its lease (60 s).
      expect(Date.now() - started).toBeLessThan(30_000);
    } finally {
      answer();
    }
    expect((await claimant)!.text()).toBe('{}');
  });

  it('holds for a caller who joined a fetch another caller of this process started with a longer timeout', async () => {
    const server = await startServer({ '/slow.json': (_request, response) => setTimeout(() => response.writeHead(200).end('{"late":true}'), 3000) });
    const { client } = await openClient();
    const url = server.url('/slow.json');
    const patient = client.getOrFetch(request(url, { timeoutMs: 60_000 }));
    await expect(client.getOrFetch(request(url, { timeoutMs: 300 }))).rejects.toThrow(DownloadTimeoutError);
    expect((await patient)!.json()).toEqual({ late: true });
    expect(server.requests).toHaveLength(1);
  });
});

describe('JSON answers', () => {
  it('refuses an answer nested deeper than any provider nests, before parsing it, and does not ask again for a day', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const server = await startServer({ '/deep.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(deep) });
    const { client } = await openClient();
    const parse = vi.spyOn(JSON, 'parse');
    await expect(client.getOrFetch(request(server.url('/deep.json'), { expect: 'json' }))).rejects.toThrow(JsonTooDeepError);
    expect(parse.mock.calls.some(([text]) => typeof text === 'string' && text.startsWith('[[['))).toBe(false);
    expect(await client.getOrFetch(request(server.url('/deep.json'), { expect: 'json' }))).toBeNull();
    expect(server.requests).toHaveLength(1);
  });

  it('caps JSON at 1 MiB by default (a provider may raise it), and parses a fetched answer once', async () => {
    const big = JSON.stringify({ items: 'x'.repeat(1024 * 1024 + 10) });
    const server = await startServer({
      '/big.json': (_request, response) => response.writeHead(200).end(big),
      '/artist.json': (_request, response) => response.writeHead(200).end('{"name":"Daft Punk"}'),
    });
    const { client } = await openClient({ providers: { test: { ratePerSecond: Infinity }, roomy: { ratePerSecond: Infinity, maxBytes: 8 * 1024 * 1024 } } });
    await expect(client.getOrFetch(request(server.url('/big.json'), { expect: 'json' }))).rejects.toThrow(ResponseTooLargeError);
    expect((await client.getOrFetch(request(server.url('/big.json'), { expect: 'json', provider: 'roomy' })))!.size).toBe(big.length);
    const parse = vi.spyOn(JSON, 'parse');
    const entry = await client.getOrFetch(request(server.url('/artist.json'), { expect: 'json' }));
    expect(entryJson(entry!)).toEqual({ name: 'Daft Punk' });
    const parsedAnswers = parse.mock.calls.filter(([text]) => text === '{"name":"Daft Punk"}');
    expect(parsedAnswers).toHaveLength(1);
    // A second look (another caller, a hit) gets its own copy.
    expect(entryJson(entry!)).not.toBe(entryJson(entry!));
  });
});

describe('artist identifiers', () => {
  it('are normalised for every artist data type, however the client is called', async () => {
    const server = await startServer({
      '/fanart.png': (_request, response) => response.writeHead(200).end(png(8, 8)),
      '/bio.json': (_request, response) => response.writeHead(200).end('{}'),
      '/other.json': (_request, response) => response.writeHead(200).end('{}'),
    });
    const { client, storage } = await openClient();
    await client.getOrFetch(request(server.url('/fanart.png'), { dataType: 'fanart', identifier: '  Daft\u00a0PUNK ' }));
    await client.getOrFetch(request(server.url('/bio.json'), { dataType: 'bio', identifier: 'Daft Punk' }));
    await client.getOrFetch(request(server.url('/other.json'), { dataType: 'api', identifier: 'Daft Punk' }));
    expect(await storage.retrieveRandom({ identifier: 'daft punk', dataType: 'fanart' })).not.toBeNull();
    expect((await storage.retrieveByUrl(server.url('/bio.json')))!.identifier).toBe('daft punk');
    // Other data types keep their identifier as given (an MBID, a query).
    expect((await storage.retrieveByUrl(server.url('/other.json')))!.identifier).toBe('Daft Punk');
  });
});
