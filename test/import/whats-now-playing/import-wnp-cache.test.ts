import { createHash } from 'node:crypto';
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataStorage, ForeignDatabaseError, importWnpCache, importWnpCacheInto, type WnpImportReport } from '../../../src/index.js';
import { LASTFM_KEY, PRIVATE_TADB_KEY, WNP_ARTISTS, writeWnpCache, type WnpFixture } from '../../fixtures/wnp/wnp-cache.js';
import { WnpLikeStore } from '../../fixtures/wnp/wnp-store.js';
import { makeTestProviders } from '../../helpers/providers.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';

/** Every file under `directory` (names, sizes, modes and SHA-256), for proving nothing changed. */
async function fingerprint(directory: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  const walk = async (folder: string, prefix: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      const details = await lstat(path);
      if (entry.isDirectory()) {
        result[`${prefix}${entry.name}/`] = `dir ${(details.mode & 0o777).toString(8)}`;
        await walk(path, `${prefix}${entry.name}/`);
      } else {
        result[`${prefix}${entry.name}`] = `${details.size} ${(details.mode & 0o777).toString(8)} ${details.mtimeMs} ${createHash('sha256').update(await readFile(path)).digest('hex')}`;
      }
    }
  };
  await walk(directory, '');
  return result;
}

async function fixture(): Promise<{ wnpDir: string; wnp: WnpFixture }> {
  const wnpDir = await temporaryDirectory('wnp-cache-');
  return { wnpDir, wnp: await writeWnpCache(wnpDir) };
}

describe('importing a whats-now-playing cache', () => {
  it('copies every usable entry byte for byte under the URL, type and artist datacache uses, leaving the directory untouched', async () => {
    const { wnpDir, wnp } = await fixture();
    const before = await fingerprint(wnpDir);
    const { providers } = await makeTestProviders();

    const report = await importWnpCacheInto(providers, { from: wnpDir });

    expect(await fingerprint(wnpDir)).toEqual(before);
    expect(report.readMode).toBe('snapshot');
    const usable = wnp.rows.filter((row) => row.datacacheUrl !== undefined);
    const skipped = wnp.rows.filter((row) => row.skip !== undefined);
    expect(report.entries.found).toBe(wnp.rows.length);
    expect(report.entries.imported).toBe(usable.length);
    expect(report.entries.alreadyPresent).toBe(0);
    const expectedSkips: Record<string, number> = {};
    for (const row of skipped) expectedSkips[row.skip!] = (expectedSkips[row.skip!] ?? 0) + 1;
    expect(report.entries.skipped).toEqual(expectedSkips);
    expect(report.skippedExamples.map((example) => example.reason.split(':')[0]).sort()).toEqual(skipped.map((row) => row.skip).sort());

    const storage = providers.client.storage;
    for (const row of usable) {
      const entry = await storage.retrieveByUrl(row.datacacheUrl!, { allowStale: true });
      expect(entry, row.wnpUrl).not.toBeNull();
      expect(entry!.data.equals(row.data!), row.wnpUrl).toBe(true);
      expect({ url: row.wnpUrl, dataType: entry!.dataType, identifier: entry!.identifier, statusCode: entry!.statusCode, stale: entry!.stale }).toEqual({
        url: row.wnpUrl,
        dataType: row.dataType,
        identifier: row.identifier,
        statusCode: row.statusCode ?? 200,
        stale: row.stale ?? false,
      });
      if (row.palette !== undefined) expect(entry!.metadata.palette).toEqual(row.palette);
    }
    expect(report.entries.importedStale).toBe(usable.filter((row) => row.stale === true).length);
    expect(report.entries.importedNegative).toBe(1);
    expect(report.palettesKept).toBe(usable.filter((row) => row.palette !== undefined).length);
    // Five TheAudioDB answers with the private key, and the Last.fm key.
    expect(report.keysRemoved).toBe(6);
    expect(report.identifiers).toEqual({ mapped: WNP_ARTISTS.length * 5 + 3, unmapped: 1, unmappedExamples: ['portishead'] });
  });

  it('files images where the images provider, and so the dashboard and overlays, find them, whatever the script of the name', async () => {
    const { wnpDir } = await fixture();
    const { providers } = await makeTestProviders();
    await importWnpCacheInto(providers, { from: wnpDir });
    for (const artist of WNP_ARTISTS) {
      for (const imageType of ['thumbnail', 'logo', 'banner', 'fanart']) {
        const image = await providers.images.getRandomImage({ artistIdentifier: artist.name, imageType });
        expect(image, `${artist.name} ${imageType}`).not.toBeNull();
        expect(image!.mimeType).toMatch(/^image\//u);
      }
      // NFD and NFC spellings are one artist.
      expect(await providers.images.getRandomImage({ artistIdentifier: artist.name.normalize('NFD'), imageType: 'fanart' })).not.toBeNull();
    }
    const keys = await providers.images.getCacheKeysForIdentifier({ artistIdentifier: 'Daft Punk', imageType: 'fanart' });
    expect(keys.length).toBe(3); // two per artist, and the one without a checksum
  });

  it('keeps no key: the database files hold neither the private TheAudioDB key nor the Last.fm key, and the providers find the answers', async () => {
    const { wnpDir } = await fixture();
    for (const configured of [false, true]) {
      const { providers, cacheDir } = await makeTestProviders(configured ? { providers: { theaudiodb: { apiKey: PRIVATE_TADB_KEY } } } : {});
      await importWnpCacheInto(providers, { from: wnpDir });
      await providers.client.storage.idle();
      for (const file of await readdir(cacheDir)) {
        if (!file.startsWith('datacache.sqlite')) continue;
        const bytes = await readFile(join(cacheDir, file));
        expect(bytes.includes(Buffer.from(PRIVATE_TADB_KEY)), file).toBe(false);
        expect(bytes.includes(Buffer.from(LASTFM_KEY)), file).toBe(false);
      }
      // The URL the artist chain asks TheAudioDB with, under this configuration.
      const mbid = WNP_ARTISTS[0]!.mbid;
      const lookup = providers.api.cacheUrl('theaudiodb', `https://www.theaudiodb.com/api/v1/json/123/artist-mb.php?i=${mbid}`);
      expect(lookup).toContain(configured ? '/json/apikey/' : '/json/123/');
      const entry = await providers.client.storage.retrieveByUrl(lookup);
      expect(entry?.json(), `key configured: ${String(configured)}`).toMatchObject({ artists: [{ strArtist: 'Daft Punk' }] });
    }
  });

  it('carries the queue rows still waiting into the queue, and a second run imports and queues nothing new', async () => {
    const { wnpDir, wnp } = await fixture();
    const before = await fingerprint(wnpDir);
    const { providers } = await makeTestProviders();
    const first = await importWnpCacheInto(providers, { from: wnpDir });
    expect(first.queue).toEqual({ found: 5, queued: 2, alreadyCached: 1, alreadyQueued: 0, skipped: { finished: 2 } });
    for (const pending of wnp.pending.filter((row) => row.expected === 'queued')) {
      const job = await providers.client.queue.get(pending.datacacheUrl!);
      expect(job, pending.url).toMatchObject({ state: 'pending', provider: 'cdn', request: { identifier: pending.identifier, dataType: pending.dataType } });
    }

    const second = await importWnpCacheInto(providers, { from: wnpDir });
    expect(second.entries.imported).toBe(0);
    expect(second.entries.alreadyPresent).toBe(first.entries.imported);
    expect(second.queue).toMatchObject({ queued: 0, alreadyQueued: 2, alreadyCached: 1 });
    expect(await fingerprint(wnpDir)).toEqual(before);
  });

  it('skips what whats-now-playing never writes (a 2 MiB inline payload, a 100 KB URL) without reading it, and a control character in a URL', async () => {
    const wnpDir = await temporaryDirectory('wnp-hostile-');
    const store = new WnpLikeStore(wnpDir);
    const now = Date.now() / 1000;
    const insert = store.database.prepare(`INSERT INTO cached_data (url, cachekey, identifier, data_type, provider, data_value, created_at, expires_at, last_accessed, data_size, metadata)
      VALUES (?, ?, 'x', 'api_response', 'theaudiodb', ?, ?, ?, ?, ?, ?)`);
    insert.run('https://www.theaudiodb.com/big', 'k1', Buffer.alloc(2 * 1024 * 1024, 1), now, now + 86_400, now, 2 * 1024 * 1024, null);
    insert.run(`https://www.theaudiodb.com/${'a'.repeat(100_000)}`, 'k2', Buffer.from('{}'), now, now + 86_400, now, 2, null);
    insert.run('https://www.theaudiodb.com/split\r\nX-Injected: 1', 'k3', Buffer.from('{}'), now, now + 86_400, now, 2, null);
    insert.run('https://www.theaudiodb.com/ok', 'k4', Buffer.from('{"ok":true}'), now, now + 86_400, now, 11, `{"note":"${'m'.repeat(100_000)}"}`);
    store.close();
    const { providers } = await makeTestProviders();
    const report = await importWnpCacheInto(providers, { from: wnpDir });
    expect(report.entries).toMatchObject({ found: 4, imported: 1, skipped: { tooLarge: 2, controlCharacters: 1 } });
    // An oversized metadata column is left out; the entry comes in without it.
    expect((await providers.client.storage.retrieveByUrl('https://www.theaudiodb.com/ok'))?.metadata).toEqual({});
  });

  it('importWnpCache opens and closes a cache of its own', async () => {
    const { wnpDir } = await fixture();
    const cacheDir = await temporaryDirectory();
    const report: WnpImportReport = await importWnpCache({ from: join(wnpDir, 'datacache.sqlite'), cacheDir, storage: { maintenanceIntervalSeconds: 0 } });
    expect(report.from).toBe(wnpDir);
    expect(report.entries.imported).toBeGreaterThan(70);
    const storage = await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 });
    try {
      expect((await storage.stats()).entries).toBe(report.entries.imported);
    } finally {
      await storage.close();
    }
  });

  it('refuses to import into the whats-now-playing directory itself, and a directory without its database', async () => {
    const { wnpDir } = await fixture();
    const before = await fingerprint(wnpDir);
    await expect(importWnpCache({ from: wnpDir, cacheDir: wnpDir })).rejects.toThrow(ForeignDatabaseError);
    const empty = await temporaryDirectory();
    await expect(importWnpCache({ from: empty, cacheDir: await temporaryDirectory() })).rejects.toThrow(/holds no whats-now-playing cache/u);
    expect(await fingerprint(wnpDir)).toEqual(before);
  });
});

describe('opening a directory that holds a database datacache did not create', () => {
  it('refuses a whats-now-playing cache with an error naming the import command, and changes nothing', async () => {
    const { wnpDir } = await fixture();
    const before = await fingerprint(wnpDir);
    const error = await DataStorage.open({ cacheDir: wnpDir, maintenanceIntervalSeconds: 0 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ForeignDatabaseError);
    expect(error).toMatchObject({ code: 'ERR_DATACACHE_FOREIGN_DATABASE', kind: 'whats-now-playing' });
    expect((error as Error).message).toContain(`datacache import-wnp "${wnpDir}"`);
    expect(await fingerprint(wnpDir)).toEqual(before);
  });
});
