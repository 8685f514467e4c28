import { truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DataStorage } from '../../src/index.js';
import { openTestStorage, request, TWO_TIER } from '../helpers/storage.js';

/** The absolute path of the blob file behind a URL, read from the database. */
async function blobPathOf(storage: DataStorage, cacheDir: string, url: string): Promise<string> {
  const Database = (await import('better-sqlite3')).default;
  const database = new Database(storage.databasePath, { readonly: true });
  try {
    const row = database.prepare('SELECT file_path FROM entries WHERE url = ?').get(url) as { file_path: string };
    return join(cacheDir, row.file_path);
  } finally {
    database.close();
  }
}

async function storeFanart(storage: DataStorage, count: number, overrides: Parameters<typeof request>[0] = {}): Promise<string[]> {
  const urls: string[] = [];
  for (let index = 0; index < count; index++) {
    const url = `https://images.example.org/${overrides.provider ?? 'cdn'}/${index}.jpg`;
    urls.push(url);
    await storage.store(
      request({ url, identifier: 'daft punk', dataType: 'fanart', provider: 'cdn', value: Buffer.from(`image ${index}`), ...overrides }),
    );
  }
  return urls;
}

describe('retrieveRandom', () => {
  it('reaches every candidate, about equally often, over many draws', async () => {
    const { storage } = await openTestStorage();
    const urls = await storeFanart(storage, 10);
    const counts = new Map<string, number>(urls.map((url) => [url, 0]));
    const draws = 5000;
    for (let draw = 0; draw < draws; draw++) {
      const entry = await storage.retrieveRandom({ identifier: 'daft punk', dataType: 'fanart' });
      counts.set(entry!.url, counts.get(entry!.url)! + 1);
    }
    // Chi-squared with 9 degrees of freedom: 33.72 is the 0.01 % critical value, so a fair
    // picker fails this one run in ten thousand; a biased or stuck one fails every time.
    const expected = draws / urls.length;
    const chiSquared = [...counts.values()].reduce((sum, count) => sum + (count - expected) ** 2 / expected, 0);
    expect(Math.min(...counts.values())).toBeGreaterThan(0);
    expect(chiSquared).toBeLessThan(33.72);
  });

  it('returns the data of the entry it chose', async () => {
    const { storage } = await openTestStorage();
    await storage.store(request({ url: 'https://i/1', identifier: 'air', dataType: 'logo', value: Buffer.alloc(40_000, 5) }));
    const entry = await storage.retrieveRandom({ identifier: 'air', dataType: 'logo' });
    expect(entry!.data.equals(Buffer.alloc(40_000, 5))).toBe(true);
  });

  it('respects the provider filter, status 200 and expiry', async () => {
    const { storage, clock } = await openTestStorage();
    const cdn = await storeFanart(storage, 3);
    await storeFanart(storage, 3, { provider: 'fanarttv' });
    await storage.store(request({ url: 'https://i/404', identifier: 'daft punk', dataType: 'fanart', provider: 'cdn', value: Buffer.alloc(0), statusCode: 404 }));
    await storage.store(request({ url: 'https://i/short', identifier: 'daft punk', dataType: 'fanart', provider: 'cdn', value: 'x', ttlSeconds: 1 }));
    clock.advance(2000);
    const seen = new Set<string>();
    for (let draw = 0; draw < 300; draw++) {
      seen.add((await storage.retrieveRandom({ identifier: 'daft punk', dataType: 'fanart', provider: 'cdn' }))!.url);
    }
    expect([...seen].sort()).toEqual([...cdn].sort());
    expect(await storage.retrieveRandom({ identifier: 'daft punk', dataType: 'logo' })).toBeNull();
    expect(await storage.retrieveRandom({ identifier: 'nobody', dataType: 'fanart' })).toBeNull();
  });

  it('skips a candidate whose file is missing or corrupt, removes it, and answers with another', async () => {
    const { storage, cacheDir } = await openTestStorage();
    const good = 'https://i/good.jpg';
    await storage.store(request({ url: good, identifier: 'air', dataType: 'fanart', value: Buffer.alloc(20_000, 1) }));
    const broken: string[] = [];
    for (let index = 0; index < 6; index++) {
      const url = `https://i/broken-${index}.jpg`;
      broken.push(url);
      await storage.store(request({ url, identifier: 'air', dataType: 'fanart', value: Buffer.alloc(20_000, 10 + index) }));
      const path = await blobPathOf(storage, cacheDir, url);
      if (index % 3 === 0) await unlink(path);
      else if (index % 3 === 1) await truncate(path, 100);
      else await writeFile(path, Buffer.alloc(20_000, 99)); // same size, wrong bytes
    }
    if (TWO_TIER) {
      // The shared tier still holds every entry's bytes: a broken copy here is answered from there.
      for (let draw = 0; draw < 5; draw++) {
        const entry = (await storage.retrieveRandom({ identifier: 'air', dataType: 'fanart' }))!;
        expect(entry.data).toEqual(Buffer.alloc(20_000, entry.url === good ? 1 : 10 + broken.indexOf(entry.url)));
      }
      for (const [index, url] of broken.entries()) expect((await storage.retrieveByUrl(url))!.data).toEqual(Buffer.alloc(20_000, 10 + index));
      return;
    }
    for (let draw = 0; draw < 5; draw++) {
      expect((await storage.retrieveRandom({ identifier: 'air', dataType: 'fanart' }))!.url).toBe(good);
    }
    for (const url of broken) expect(await storage.retrieveByUrl(url)).toBeNull();
    expect((await storage.stats()).entries).toBe(1);
  });

  it('answers null when every candidate is broken', async () => {
    const { storage, cacheDir } = await openTestStorage();
    await storage.store(request({ url: 'https://i/only.jpg', identifier: 'air', dataType: 'fanart', value: Buffer.alloc(20_000, 1) }));
    await unlink(await blobPathOf(storage, cacheDir, 'https://i/only.jpg'));
    const drawn = await storage.retrieveRandom({ identifier: 'air', dataType: 'fanart' });
    if (TWO_TIER) expect(drawn!.data).toEqual(Buffer.alloc(20_000, 1)); // the shared tier's copy is not broken
    else expect(drawn).toBeNull();
  });
});

describe('retrieveByIdentifier', () => {
  it('lists live status-200 entries newest first, without data', async () => {
    const { storage, clock } = await openTestStorage();
    await storage.store(request({ url: 'https://i/old', identifier: 'air', dataType: 'thumbnail', provider: 'a', metadata: { n: 1 } }));
    clock.advance(10);
    await storage.store(request({ url: 'https://i/new', identifier: 'air', dataType: 'thumbnail', provider: 'b', mimeType: 'image/png' }));
    await storage.store(request({ url: 'https://i/neg', identifier: 'air', dataType: 'thumbnail', provider: 'a', value: '', statusCode: 404 }));
    await storage.store(request({ url: 'https://i/other', identifier: 'air', dataType: 'logo', provider: 'a' }));
    const all = await storage.retrieveByIdentifier({ identifier: 'air', dataType: 'thumbnail' });
    expect(all.map((entry) => entry.url)).toEqual(['https://i/new', 'https://i/old']);
    expect(all[0]).toMatchObject({ provider: 'b', mimeType: 'image/png', statusCode: 200 });
    expect(all[1]!.metadata).toEqual({ n: 1 });
    expect('data' in all[0]!).toBe(false);
    const onlyA = await storage.retrieveByIdentifier({ identifier: 'air', dataType: 'thumbnail', provider: 'a' });
    expect(onlyA.map((entry) => entry.url)).toEqual(['https://i/old']);
  });
});

describe('a broken file behind retrieveByUrl', () => {
  it('is a miss, and its row goes away', async () => {
    const { storage, cacheDir } = await openTestStorage();
    await storage.store(request({ value: Buffer.alloc(30_000, 4) }));
    const path = await blobPathOf(storage, cacheDir, request().url);
    await writeFile(path, Buffer.concat([Buffer.alloc(30_000, 4), Buffer.from('extra')]));
    if (TWO_TIER) {
      // Not a miss with two tiers: the shared copy is good, and it is what is answered.
      expect((await storage.retrieveByUrl(request().url))!.data).toEqual(Buffer.alloc(30_000, 4));
      return;
    }
    expect(await storage.retrieveByUrl(request().url)).toBeNull();
    expect(await storage.retrieveByUrl(request().url, { allowStale: true })).toBeNull();
    expect((await storage.stats()).entries).toBe(0);
  });
});

describe('listIdentifiers', () => {
  it('finds artists by any spelling: case, accents and marks ignored, their own spelling kept', async () => {
    const { storage } = await openTestStorage();
    for (const identifier of ['beyoncé', 'sigur rós', 'røyksopp', 'daft punk', 'mötley crüe']) {
      await storage.store(request({ url: `https://images.example.org/${encodeURIComponent(identifier)}.jpg`, identifier, dataType: 'fanart', provider: 'cdn', value: Buffer.from(identifier) }));
    }
    const found = async (search: string): Promise<string[]> => [...new Set((await storage.listIdentifiers({ search, dataTypes: ['fanart'] })).map((row) => row.identifier))];
    expect(await found('beyonce')).toEqual(['beyoncé']);
    expect(await found('BEYONCÉ')).toEqual(['beyoncé']);
    // Decomposed accents (as macOS file names give them) fold the same way.
    expect(await found('Beyonce\u0301')).toEqual(['beyoncé']);
    expect(await found('ros')).toEqual(['sigur rós']);
    expect(await found('royksopp')).toEqual(['røyksopp']);
    expect(await found('motley crue')).toEqual(['mötley crüe']);
    expect(await found('  DAFT   punk ')).toEqual(['daft punk']);
    expect(await found('nobody')).toEqual([]);
    expect(await found('')).toHaveLength(5);
  });
});
