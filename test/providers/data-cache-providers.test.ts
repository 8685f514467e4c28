import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createProviders, DatabaseUnavailableError, getProviders, InvalidArgumentError, ProviderCoolingDownError, StorageClosedError } from '../../src/index.js';
import { startFakeMusicBrainz } from '../helpers/fake-musicbrainz.js';
import { startServer } from '../helpers/http-server.js';
import { encodedImage } from '../helpers/images.js';
import { makeTestProviders } from '../helpers/providers.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

describe('getProviders and createProviders', () => {
  it('share one set per cache directory, refuse different options for it, and start afresh after close', async () => {
    const cacheDir = await temporaryDirectory();
    const options = { cacheDir, userAgent: 'datacache-tests/1.0 ( tests@example.org )', storage: { maintenanceIntervalSeconds: 0 } };
    const shared = getProviders(options);
    try {
      expect(getProviders(options)).toBe(shared);
      expect(getProviders({ cacheDir })).toBe(shared);
      expect(() => getProviders({ ...options, userAgent: 'Other/1.0 ( other@example.org )' })).toThrow(/already made with other options.*createProviders/);
      const independent = createProviders(options);
      expect(independent).not.toBe(shared);
      await independent.close();
      expect(getProviders({ cacheDir: await temporaryDirectory() })).not.toBe(shared);
    } finally {
      await shared.close();
    }
    const fresh = getProviders(options);
    expect(fresh).not.toBe(shared);
    await fresh.close();
  });

  it('opens the cache on first use or at initialize(), and says so when it cannot (then works without it)', async () => {
    const directory = await temporaryDirectory();
    const notADirectory = join(directory, 'a-file');
    await writeFile(notADirectory, 'x');
    const { server } = await startFakeMusicBrainz();
    const errors: string[] = [];
    const logger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: (message: string) => { errors.push(message); } };
    const broken = createProviders({ cacheDir: notADirectory, logger, providers: { musicbrainz: { baseUrl: server.url(''), ratePerSecond: Infinity } } });
    expect(() => broken.client).toThrow(/after initialize\(\)/);
    await broken.initialize();
    expect(broken.degradedBy).toBeInstanceOf(DatabaseUnavailableError);
    expect((await broken.musicbrainz.searchArtists('Daft Punk'))?.count).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/cannot be used/);
    await broken.close();

    const lazy = createProviders({ cacheDir: directory, providers: { musicbrainz: { baseUrl: server.url(''), ratePerSecond: Infinity } }, storage: { maintenanceIntervalSeconds: 0 } });
    expect((await lazy.musicbrainz.searchArtists('Daft Punk'))?.count).toBe(1);
    expect(lazy.storage.cacheDir).toBe(directory);
    await lazy.close();
    await expect(lazy.musicbrainz.searchArtists('Daft Punk')).rejects.toBeInstanceOf(StorageClosedError);
    expect(() => lazy.storage).toThrow(StorageClosedError);
  });

  it('refuses bad options with a clear message', () => {
    expect(() => createProviders('fast' as never)).toThrow(InvalidArgumentError);
    expect(() => createProviders({ userAgent: 'Two\nlines' })).toThrow(/one line/);
    // A lease under a second would pass a live worker's jobs to others between its renewals.
    expect(() => createProviders({ leaseMs: 10 })).toThrow(/leaseMs/);
    expect(() => createProviders({ maxSizeBytes: -5 })).toThrow(/maxSizeBytes must be at least 1/);
    expect(() => createProviders({ cacheDir: 42 as never })).toThrow(/cacheDir must be a string/);
  });
});

describe('DataCacheProviders', () => {
  it('processQueue runs at most `limit` jobs of the chosen provider and reports what came of them', async () => {
    const image = await encodedImage('png', 8, 8);
    const server = await startServer({
      '/a.png': (_request, response) => response.writeHead(200).end(image),
      '/b.png': (_request, response) => response.writeHead(200).end(image),
      '/c.png': (_request, response) => response.writeHead(200).end(image),
      '/broken.png': (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end('<html>oops</html>'),
    });
    const { providers } = await makeTestProviders();
    await providers.images.fillQueue({ artistIdentifier: 'Air', imageType: 'fanart', urls: ['/a.png', '/b.png', '/c.png', '/broken.png'].map((path) => server.url(path)), allowPrivateAddresses: true });
    await providers.images.fillQueue({ artistIdentifier: 'Air', imageType: 'logo', urls: [server.url('/a.png?logo')], provider: 'fanarttv', allowPrivateAddresses: true });
    expect(await providers.processQueue({ provider: 'fanarttv' })).toEqual({ processed: 1, succeeded: 1, failed: 0 });
    expect(await providers.processQueue({ provider: 'cdn', limit: 2 })).toMatchObject({ processed: 2 });
    expect(await providers.processQueue({ provider: ['cdn'] })).toMatchObject({ processed: 2 });
    expect(await providers.processQueue()).toEqual({ processed: 0, succeeded: 0, failed: 0 });
    const stats = await providers.stats();
    expect(stats.queue.byState).toEqual({ pending: 0, running: 0, done: 4, failed: 1 });
    expect(stats.queue.byProvider.cdn).toEqual({ done: 3, failed: 1 });
    expect(stats.storage.byDataType.fanart!.entries).toBe(4); // three images and the remembered refusal
    expect(stats.storage.negativeEntries).toBe(1);
    await expect(providers.processQueue({ provider: 5 as never })).rejects.toBeInstanceOf(InvalidArgumentError);
    await expect(providers.processQueue({ limit: -1 })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('stats show a provider cooling down after MusicBrainz says slow down, for every process', async () => {
    const { server, state } = await startFakeMusicBrainz();
    const { providers, cacheDir } = await makeTestProviders({ providers: { musicbrainz: { baseUrl: server.url('') } } });
    state.slowDown = true;
    await expect(providers.musicbrainz.searchArtists('Air')).rejects.toBeInstanceOf(ProviderCoolingDownError);
    const { cooldowns } = await providers.stats();
    expect(cooldowns.musicbrainz?.reason).toMatch(/HTTP 503/);
    const other = createProviders({ cacheDir, storage: { maintenanceIntervalSeconds: 0 } });
    try {
      expect((await other.stats()).cooldowns.musicbrainz).toBeDefined();
    } finally {
      await other.close();
    }
  });
});
