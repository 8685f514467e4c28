import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { openTestStorage, request } from '../helpers/storage.js';

/** A small deterministic pseudo-random generator, so a failure can be replayed. */
function generator(seed: number): (below: number) => number {
  let state = seed;
  return (below) => {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    return state % below;
  };
}

describe('the totals kept by triggers', () => {
  it('always equal a fresh count of the entries, through stores, re-stores, deletes, purges and eviction', async () => {
    const { storage } = await openTestStorage({ maxSizeBytes: 400_000, lowWaterMarkRatio: 0.7 });
    const random = generator(20_261_124);
    const providers = ['musicbrainz', 'cdn', 'fanarttv'];
    const dataTypes = ['api', 'fanart', 'thumbnail'];
    for (let step = 0; step < 600; step++) {
      const url = `k:${random(80)}`;
      const action = random(10);
      if (action < 7) {
        const size = [0, 100, 16_384, 16_385, 40_000][random(5)]!;
        await storage.store(
          request({
            url,
            provider: providers[random(3)]!,
            dataType: dataTypes[random(3)]!,
            statusCode: random(4) === 0 ? 404 : 200,
            value: Buffer.alloc(size, step % 256),
          }),
        );
      } else if (action < 9) {
        await storage.delete(url);
      } else {
        await storage.purge({ provider: providers[random(3)]!, dataType: dataTypes[random(3)]! });
      }
    }
    const stats = await storage.stats();
    const database = new Database(storage.databasePath, { readonly: true });
    const counted = database
      .prepare(
        `SELECT count(*) AS entries, total(size) AS bytes, total(CASE WHEN file_path IS NULL THEN 0 ELSE size END) AS fileBytes,
                total(CASE WHEN status_code = 200 THEN 0 ELSE 1 END) AS negativeEntries FROM entries`,
      )
      .get() as { entries: number; bytes: number; fileBytes: number; negativeEntries: number };
    const byProvider = database.prepare('SELECT provider, count(*) AS entries, total(size) AS bytes, total(coalesce(value_size, size)) AS valueBytes FROM entries GROUP BY provider').all() as {
      provider: string;
      entries: number;
      bytes: number;
      valueBytes: number;
    }[];
    database.close();
    expect(counted.entries).toBeGreaterThan(0);
    expect({ entries: stats.entries, bytes: stats.bytes, fileBytes: stats.fileBytes, negativeEntries: stats.negativeEntries }).toEqual(counted);
    expect({ ...stats.byProvider }).toEqual(Object.fromEntries(byProvider.map((row) => [row.provider, { entries: row.entries, bytes: row.bytes, valueBytes: row.valueBytes }])));
    expect(stats.bytes).toBeLessThanOrEqual(400_000);
  });
});
