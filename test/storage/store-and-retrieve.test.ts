import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CachedEntry, INLINE_LIMIT_BYTES, InvalidArgumentError, StorageClosedError } from '../../src/index.js';
import { openTestStorage, request } from '../helpers/storage.js';

async function blobFiles(cacheDir: string): Promise<string[]> {
  const files = await readdir(join(cacheDir, 'blobs'), { recursive: true, withFileTypes: true }).catch(() => []);
  return files.filter((file) => file.isFile() && !file.parentPath.endsWith('tmp')).map((file) => file.name);
}

describe('store and retrieveByUrl', () => {
  it('round-trips bytes, strings and JSON values exactly', async () => {
    const { storage } = await openTestStorage();
    const values: unknown[] = [
      Buffer.from([0, 1, 2, 255]),
      new Uint8Array([9, 8, 7]),
      '',
      'Beyoncé — 🎧 naïve',
      null,
      true,
      0,
      -12.5,
      [],
      { nested: { list: [1, 'two', null, false], empty: {} } },
      { image: Buffer.from('PNG bytes'), list: [Buffer.from([1]), { deeper: Buffer.from([2, 3]) }] },
      { $bytes: 'not really bytes', $$dollar: 1, plain: '$bytes' },
      { $bytes: Buffer.from('real bytes under a marker-looking key') },
      JSON.parse('{"__proto__": {"polluted": true}, "constructor": 1}') as unknown,
    ];
    for (const [index, value] of values.entries()) {
      const url = `https://example.org/value/${index}`;
      await storage.store(request({ url, value: value as never }));
      const entry = await storage.retrieveByUrl(url);
      expect(entry, `value #${index}`).not.toBeNull();
      const expected = value instanceof Uint8Array ? Buffer.from(value) : value;
      expect(entry!.value(), `value #${index}`).toEqual(expected);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('gives back bytes nested in JSON as Buffers, whatever Uint8Array they were stored as', async () => {
    const { storage } = await openTestStorage();
    await storage.store(request({ value: { deeper: new Uint8Array([2, 3]) } }));
    const value = (await storage.retrieveByUrl(request().url))!.value() as { deeper: Buffer };
    expect(Buffer.isBuffer(value.deeper)).toBe(true);
    expect([...value.deeper]).toEqual([2, 3]);
  });

  it('gives back the stored value type and helpers for text and JSON', async () => {
    const { storage } = await openTestStorage();
    const json = await storage.store(request({ url: 'k:json', value: { a: [1, 2] } }));
    const text = await storage.store(request({ url: 'k:text', value: '{"a":1}' }));
    const bytes = await storage.store(request({ url: 'k:bytes', value: Buffer.from('{"b":2}') }));
    expect([json.valueType, text.valueType, bytes.valueType]).toEqual(['json', 'text', 'bytes']);
    expect((await storage.retrieveByUrl('k:json'))!.json()).toEqual({ a: [1, 2] });
    expect((await storage.retrieveByUrl('k:text'))!.text()).toBe('{"a":1}');
    // An HTTP body stored as bytes parses as JSON too.
    expect((await storage.retrieveByUrl('k:bytes'))!.json()).toEqual({ b: 2 });
  });

  it('keeps values of 16384 bytes in the row and 16385 bytes in a file', async () => {
    const { storage, cacheDir } = await openTestStorage();
    await storage.store(request({ url: 'k:inline', value: Buffer.alloc(INLINE_LIMIT_BYTES, 1) }));
    expect(await blobFiles(cacheDir)).toHaveLength(0);
    await storage.store(request({ url: 'k:file', value: Buffer.alloc(INLINE_LIMIT_BYTES + 1, 2) }));
    expect(await blobFiles(cacheDir)).toHaveLength(1);
    const stats = await storage.stats();
    expect(stats.inlineBytes).toBe(INLINE_LIMIT_BYTES);
    expect(stats.fileBytes).toBe(INLINE_LIMIT_BYTES + 1);
    expect((await storage.retrieveByUrl('k:file'))!.data.equals(Buffer.alloc(INLINE_LIMIT_BYTES + 1, 2))).toBe(true);
  });

  it('returns every field of the entry it stored', async () => {
    const { storage, clock } = await openTestStorage();
    const entry = await storage.store(
      request({
        url: 'https://example.org/a.png',
        identifier: 'air',
        dataType: 'thumbnail',
        provider: 'theaudiodb',
        value: Buffer.from('png'),
        ttlSeconds: 60,
        metadata: { width: 10, source: 'test' },
        mimeType: 'image/png',
        etag: '"abc"',
        lastModified: 'Tue, 24 Nov 2026 10:00:00 GMT',
      }),
    );
    expect(entry).toBeInstanceOf(CachedEntry);
    expect(entry).toMatchObject({
      url: 'https://example.org/a.png',
      identifier: 'air',
      dataType: 'thumbnail',
      provider: 'theaudiodb',
      statusCode: 200,
      mimeType: 'image/png',
      etag: '"abc"',
      lastModified: 'Tue, 24 Nov 2026 10:00:00 GMT',
      size: 3,
      checksum: createHash('sha256').update('png').digest('hex'),
      createdAt: clock.now(),
      expiresAt: clock.now() + 60_000,
      stale: false,
    });
    expect(entry.metadata).toEqual({ width: 10, source: 'test' });
    expect(entry.cachekey).toMatch(/^[0-9a-f-]{36}$/);
    const read = await storage.retrieveByUrl('https://example.org/a.png');
    expect(read).toMatchObject({ cachekey: entry.cachekey, checksum: entry.checksum, metadata: { width: 10, source: 'test' } });
  });

  it('keeps the cachekey and creation time when the same URL is stored again', async () => {
    const { storage, clock } = await openTestStorage();
    const first = await storage.store(request({ value: 'first' }));
    clock.advance(5000);
    const second = await storage.store(request({ value: Buffer.alloc(50_000, 3), dataType: 'fanart' }));
    expect(second.cachekey).toBe(first.cachekey);
    expect(second.createdAt).toBe(first.createdAt);
    expect(second.storedAt).toBe(first.storedAt + 5000);
    expect((await storage.retrieveByCachekey(first.cachekey))!.data.equals(Buffer.alloc(50_000, 3))).toBe(true);
  });

  it('deletes the old file when a URL is stored again, inline or in a new file', async () => {
    const { storage, cacheDir } = await openTestStorage();
    await storage.store(request({ value: Buffer.alloc(20_000, 1) }));
    await storage.store(request({ value: Buffer.alloc(20_000, 2) }));
    expect(await blobFiles(cacheDir)).toHaveLength(1);
    await storage.store(request({ value: 'small now' }));
    expect(await blobFiles(cacheDir)).toHaveLength(0);
  });

  it('reuses the file when identical content is stored again', async () => {
    const { storage, cacheDir } = await openTestStorage();
    await storage.store(request({ value: Buffer.alloc(20_000, 1) }));
    const [before] = await blobFiles(cacheDir);
    await storage.store(request({ value: Buffer.alloc(20_000, 1), ttlSeconds: 99 }));
    expect(await blobFiles(cacheDir)).toEqual([before]);
  });

  it('stores and returns negative entries with empty data', async () => {
    const { storage } = await openTestStorage();
    await storage.store(request({ url: 'https://example.org/missing', value: Buffer.alloc(0), statusCode: 404 }));
    const entry = await storage.retrieveByUrl('https://example.org/missing');
    expect(entry).toMatchObject({ statusCode: 404, size: 0 });
    expect(entry!.data).toHaveLength(0);
    expect((await storage.stats()).negativeEntries).toBe(1);
  });

  it('answers null for a URL it never stored, and delete reports what it removed', async () => {
    const { storage } = await openTestStorage();
    expect(await storage.retrieveByUrl('https://example.org/nothing')).toBeNull();
    expect(await storage.retrieveByCachekey('00000000-0000-0000-0000-000000000000')).toBeNull();
    await storage.store(request({ value: Buffer.alloc(30_000) }));
    expect(await storage.delete(request().url)).toBe(true);
    expect(await storage.delete(request().url)).toBe(false);
    expect(await storage.retrieveByUrl(request().url)).toBeNull();
  });
});

describe('expiry', () => {
  it('hides an expired entry at once, and returns it marked stale when asked', async () => {
    const { storage, clock } = await openTestStorage();
    await storage.store(request({ ttlSeconds: 10 }));
    clock.advance(9_999);
    expect(await storage.retrieveByUrl(request().url)).toMatchObject({ stale: false });
    clock.advance(1);
    expect(await storage.retrieveByUrl(request().url)).toBeNull();
    const stale = await storage.retrieveByUrl(request().url, { allowStale: true });
    expect(stale).toMatchObject({ stale: true });
    expect(stale!.json()).toEqual({ name: 'Daft Punk' });
    expect(await storage.retrieveByCachekey(stale!.cachekey)).toBeNull();
    expect(await storage.retrieveByIdentifier({ identifier: 'daft punk', dataType: 'api' })).toEqual([]);
    expect((await storage.stats()).expiredEntries).toBe(1);
  });

  it('treats a TTL of zero as stale from the start', async () => {
    const { storage } = await openTestStorage();
    expect(await storage.store(request({ ttlSeconds: 0 }))).toMatchObject({ stale: true });
    expect(await storage.retrieveByUrl(request().url)).toBeNull();
    expect(await storage.retrieveByUrl(request().url, { allowStale: true })).not.toBeNull();
  });
});

describe('bad input', () => {
  const cases: [string, Record<string, unknown>, RegExp][] = [
    ['an empty url', { url: '' }, /url must not be empty/],
    ['a url that is not a string', { url: 42 }, /url must be a string/],
    ['a negative TTL', { ttlSeconds: -1 }, /ttlSeconds must be at least 0/],
    ['a TTL of Infinity', { ttlSeconds: Infinity }, /ttlSeconds must be a finite number/],
    ['a TTL that is NaN', { ttlSeconds: NaN }, /ttlSeconds must be a finite number/],
    ['a missing provider', { provider: undefined }, /provider must be a string/],
    ['a data type with a line break', { dataType: 'api\n' }, /dataType must not contain control characters/],
    ['a function as value', { value: () => 1 }, /cannot be stored as JSON/],
    ['undefined as value', { value: undefined }, /value is undefined/],
    ['NaN inside the value', { value: { score: NaN } }, /value\.score is NaN/],
    ['a Date inside the value', { value: { when: new Date() } }, /value\.when is a Date/],
    ['a bigint inside the value', { value: [1n] }, /value\[0\] is a bigint/],
    ['metadata that is an array', { metadata: [1] }, /metadata must be a plain JSON object/],
    ['metadata holding bytes', { metadata: { b: Buffer.from('x') } }, /metadata\.b holds bytes/],
    ['a status code out of range', { statusCode: 700 }, /statusCode must be between 100 and 599/],
    ['a MIME type with a line break', { mimeType: 'image/png\r\nX-Evil: 1' }, /mimeType must not contain control characters/],
  ];
  it.each(cases)('rejects %s with InvalidArgumentError and stores nothing', async (_name, overrides, message) => {
    const { storage } = await openTestStorage();
    await expect(storage.store(request(overrides as never))).rejects.toThrow(InvalidArgumentError);
    await expect(storage.store(request(overrides as never))).rejects.toThrow(message);
    expect((await storage.stats()).entries).toBe(0);
  });

  it('rejects a value with a cycle', async () => {
    const { storage } = await openTestStorage();
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(storage.store(request({ value: cyclic as never }))).rejects.toThrow(/cycle/);
  });

  it('rejects bad read arguments with typed errors', async () => {
    const { storage } = await openTestStorage();
    await expect(storage.retrieveByUrl('')).rejects.toThrow(InvalidArgumentError);
    await expect(storage.retrieveByUrl('x', { allowStale: 'yes' as never })).rejects.toThrow(/allowStale must be true or false/);
    await expect(storage.retrieveRandom({ identifier: 'a' } as never)).rejects.toThrow(/dataType must be a string/);
    await expect(storage.purge({})).rejects.toThrow(/pass \{ all: true \}/);
    await expect(storage.purge({ all: true, provider: 'x' })).rejects.toThrow(/not both/);
    await expect(storage.store(null as never)).rejects.toThrow(/takes a request object/);
  });

  it('rejects bad options when opening', async () => {
    const { DataStorage } = await import('../../src/index.js');
    await expect(DataStorage.open({ maxSizeBytes: -5 })).rejects.toThrow(/maxSizeBytes must be at least 1/);
    await expect(DataStorage.open({ onCorruptDatabase: 'ignore' as never })).rejects.toThrow(/onCorruptDatabase/);
    await expect(DataStorage.open('dir' as never)).rejects.toThrow(/options must be an object/);
  });

  it('rejects calls after close with StorageClosedError', async () => {
    const { storage } = await openTestStorage();
    await storage.close();
    await expect(storage.retrieveByUrl('x')).rejects.toThrow(StorageClosedError);
    await expect(storage.store(request())).rejects.toThrow(StorageClosedError);
    await storage.close();
  });
});
