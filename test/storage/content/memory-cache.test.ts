import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { BlobMemoryCache } from '../../../src/storage/content/memory-cache.js';
import { openTestStorage, request } from '../../helpers/storage.js';

describe('BlobMemoryCache', () => {
  it('drops the least recently used blobs once over its byte budget', () => {
    const cache = new BlobMemoryCache(800);
    cache.set('a', Buffer.alloc(100, 1));
    cache.set('b', Buffer.alloc(100, 2));
    cache.set('c', Buffer.alloc(100, 3));
    cache.get('a'); // a is now the most recently used
    for (let index = 0; index < 7; index++) cache.set(`filler-${index}`, Buffer.alloc(100)); // 1000 bytes: two must go
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('c')).toBeUndefined();
  });

  it('never keeps a blob larger than an eighth of its budget', () => {
    const cache = new BlobMemoryCache(800);
    cache.set('big', Buffer.alloc(101));
    expect(cache.get('big')).toBeUndefined();
  });

  it('hands out copies, so a caller writing into its buffer changes nothing for the next', () => {
    const cache = new BlobMemoryCache(1000);
    const original = Buffer.from('fanart bytes');
    cache.set('x', original);
    original.fill(0);
    const first = cache.get('x')!;
    first.fill(1);
    expect(cache.get('x')!.toString()).toBe('fanart bytes');
  });
});

describe('file hits through the memory tier', () => {
  function fileOf(databasePath: string, url: string): string {
    const database = new Database(databasePath, { readonly: true });
    const row = database.prepare('SELECT file_path FROM entries WHERE url = ?').get(url) as { file_path: string };
    database.close();
    return row.file_path;
  }

  it('serves a verified file again from memory, as an independent copy', async () => {
    const { storage, cacheDir } = await openTestStorage();
    const image = Buffer.alloc(200_000, 9);
    await storage.store(request({ url: 'k:fanart', dataType: 'fanart', value: image }));
    const first = await storage.retrieveByUrl('k:fanart');
    first!.data.fill(0); // a careless caller
    // Gone from disk after it was verified: memory still holds exactly what the row names.
    await unlink(join(cacheDir, fileOf(storage.databasePath, 'k:fanart')));
    const second = await storage.retrieveByUrl('k:fanart');
    expect(second!.data.equals(image)).toBe(true);
  });

  it('reads from disk every time with memoryCacheBytes: 0', async () => {
    // This machine's tier alone: with a shared tier the missing file is rightly answered from there.
    const { storage, cacheDir } = await openTestStorage({ memoryCacheBytes: 0, shared: undefined });
    await storage.store(request({ url: 'k:fanart', dataType: 'fanart', value: Buffer.alloc(200_000, 9) }));
    expect(await storage.retrieveByUrl('k:fanart')).not.toBeNull();
    await unlink(join(cacheDir, fileOf(storage.databasePath, 'k:fanart')));
    expect(await storage.retrieveByUrl('k:fanart')).toBeNull();
  });

  it('forgets the old bytes when a URL is stored again', async () => {
    const { storage } = await openTestStorage();
    await storage.store(request({ url: 'k:fanart', value: Buffer.alloc(50_000, 1) }));
    await storage.retrieveByUrl('k:fanart');
    await storage.store(request({ url: 'k:fanart', value: Buffer.alloc(50_000, 2) }));
    expect((await storage.retrieveByUrl('k:fanart'))!.data.equals(Buffer.alloc(50_000, 2))).toBe(true);
  });
});
