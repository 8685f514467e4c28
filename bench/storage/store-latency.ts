import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { DataStorage } from '../../src/index.js';
import { latencyFigure, measureAsync, measureSync, summarize, type Benchmark, type Figure, type LatencySummary } from '../harness.js';
import { apiUrl, artistJson } from './fill.js';

/**
 * Store latencies through the public API, one at a time and 100 at once, for a 2 KB JSON
 * answer (kept in its row) and a 200 KB image (written to a blob file first). Baseline: a raw
 * better-sqlite3 INSERT of the same bytes into a table of the same shape, in WAL mode with
 * synchronous=NORMAL as datacache uses, one autocommit statement per row.
 */
export const storeLatency: Benchmark = {
  name: 'storage-stores',
  description: 'store of 2 KB JSON and 200 KB images, one by one and 100 concurrent, vs a raw SQLite INSERT',
  async run({ quick, scratchDirectory }) {
    const inlineCount = quick ? 500 : 10_000;
    const imageCount = quick ? 50 : 1000;
    const storage = await DataStorage.open({ cacheDir: join(scratchDirectory, 'cache'), maintenanceIntervalSeconds: 0 });
    const raw = new Database(join(scratchDirectory, 'raw.sqlite'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.exec(`CREATE TABLE entries (id INTEGER PRIMARY KEY, url TEXT NOT NULL UNIQUE, identifier TEXT NOT NULL, data_type TEXT NOT NULL,
      provider TEXT NOT NULL, inline_data BLOB, size INTEGER NOT NULL, checksum TEXT NOT NULL, stored_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
    const insert = raw.prepare('INSERT INTO entries (url, identifier, data_type, provider, inline_data, size, checksum, stored_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
    const payloads = Array.from({ length: inlineCount * 2 }, (_, index) => Buffer.from(JSON.stringify(artistJson(index))));
    const rawInsert = measureSync(inlineCount, 0, (index) => {
      const bytes = payloads[index]!;
      insert.run(apiUrl(index), `artist ${index}`, 'musicbrainz', 'musicbrainz', bytes, bytes.length, createHash('sha256').update(bytes).digest('hex'), Date.now(), Date.now() + 86_400_000);
    });
    raw.close();

    // The same raw INSERT into datacache's own table (its indexes, needed by reads, eviction and
    // listings, and its totals triggers): what the schema alone costs, before any datacache code.
    const schemaOnly = await DataStorage.open({ cacheDir: join(scratchDirectory, 'schema-only'), maintenanceIntervalSeconds: 0 });
    const schemaPath = schemaOnly.databasePath;
    await schemaOnly.close();
    const own = new Database(schemaPath);
    own.pragma('synchronous = NORMAL');
    const ownInsert = own.prepare(`INSERT INTO entries (url, cachekey, identifier, data_type, provider, status_code, value_type, inline_data, size, checksum,
      mime_type, created_at, stored_at, expires_at, last_accessed) VALUES (?, ?, ?, 'musicbrainz', 'musicbrainz', 200, 'json', ?, ?, ?, 'application/json', ?, ?, ?, ?)`);
    const rawOwnSchema = measureSync(inlineCount, 0, (index) => {
      const bytes = payloads[index]!;
      const now = Date.now();
      ownInsert.run(apiUrl(index), `key-${index}`, `artist ${index}`, bytes, bytes.length, createHash('sha256').update(bytes).digest('hex'), now, now, now + 86_400_000, now);
    });
    own.close();

    const inline = await measureAsync(inlineCount, 0, (index) =>
      storage.store({ url: apiUrl(index), identifier: `artist ${index}`, dataType: 'musicbrainz', provider: 'musicbrainz', value: artistJson(index), ttlSeconds: 86_400 }),
    );
    const inlineConcurrent = await concurrently(inlineCount, 100, (index) =>
      storage.store({ url: apiUrl(inlineCount + index), identifier: `artist ${index}`, dataType: 'musicbrainz', provider: 'musicbrainz', value: artistJson(index), ttlSeconds: 86_400 }),
    );
    const image = (index: number): Buffer => {
      const bytes = Buffer.alloc(200_000, 0x5a);
      bytes.writeUInt32BE(index, 0); // each its own content: no file is shared
      return bytes;
    };
    const images = await measureAsync(imageCount, 0, (index) => storage.store({ url: `https://images.example/${index}.jpg`, identifier: 'daft punk', dataType: 'fanart', provider: 'cdn', value: image(index), ttlSeconds: 86_400 }));
    const imagesConcurrent = await concurrently(imageCount, 100, (index) =>
      storage.store({ url: `https://images.example/c${index}.jpg`, identifier: 'daft punk', dataType: 'fanart', provider: 'cdn', value: image(imageCount + index), ttlSeconds: 86_400 }),
    );
    await storage.close();
    const figures: Figure[] = [
      latencyFigure('baseline: raw better-sqlite3 INSERT, 2 KB', rawInsert),
      latencyFigure('baseline: raw INSERT into datacache\'s own table (its indexes and triggers), 2 KB', rawOwnSchema, { ratio: { to: 'raw INSERT', value: rawOwnSchema.p50 / rawInsert.p50 } }),
      latencyFigure('store 2 KB JSON, one at a time', inline, { ratio: { to: 'raw INSERT', value: inline.p50 / rawInsert.p50 }, target: '≤ 2.5x raw INSERT' }),
      { name: '  the same over the raw INSERT into datacache\'s own table', unit: 'ratio', value: inline.p50 / rawOwnSchema.p50 },
      latencyFigure('store 2 KB JSON, 100 at once (latency of each)', inlineConcurrent.latency),
      { name: '  store 2 KB JSON, 100 at once: throughput', unit: 'ops/s', value: inlineConcurrent.perSecond },
      latencyFigure('store 200 KB image (blob file), one at a time', images),
      latencyFigure('store 200 KB image, 100 at once (latency of each)', imagesConcurrent.latency),
      { name: '  store 200 KB image, 100 at once: throughput', unit: 'ops/s', value: imagesConcurrent.perSecond },
    ];
    return figures;
  },
};

/** Runs `count` operations with `width` in flight at a time; each one's latency, and the throughput. */
async function concurrently(count: number, width: number, operation: (index: number) => Promise<unknown>): Promise<{ latency: LatencySummary; perSecond: number }> {
  const samples: bigint[] = [];
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) {
        const index = next++;
        const begun = process.hrtime.bigint();
        await operation(index);
        samples.push(process.hrtime.bigint() - begun);
      }
    }),
  );
  return { latency: summarize(samples), perSecond: count / ((performance.now() - started) / 1000) };
}
