import Database from 'better-sqlite3';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataStorage } from '../../src/index.js';
import { EntryCodec } from '../../src/storage/compression/entry-codec.js';
import { musicBrainzAnswers } from '../../test/helpers/musicbrainz-answers.js';
import { latencyFigure, measureAsync, type Benchmark, type Figure } from '../harness.js';

/**
 * Compression on MusicBrainz-shaped answers of 1-20 KB (artist and recording searches, release
 * and recording lookups; see test/helpers/musicbrainz-answers.ts):
 * - the ratio on disk at store time, after maintenance (dictionary trained on the cache's own
 *   answers, packed at zstd 15), for answers stored once the dictionary exists, with the deflate
 *   fallback, and gzip per answer as the everyday baseline;
 * - an inline hit of a compressed ~2 KB answer vs the same answer stored uncompressed, with
 *   decoded hot entries kept in memory (the default) and decoding on every hit;
 * - a store of a ~2 KB answer compressed vs uncompressed.
 */
export const compression: Benchmark = {
  name: 'compression',
  description: 'ratio on MusicBrainz-shaped JSON 1-20 KB (store time, after maintenance, fallback); hit and store of 2 KB vs uncompressed',
  async run({ quick, scratchDirectory }) {
    const count = quick ? 200 : 2000;
    const answers = musicBrainzAnswers(count, 101);
    const storage = await DataStorage.open({ cacheDir: join(scratchDirectory, 'compressed'), maintenanceIntervalSeconds: 0 });
    const store = (target: DataStorage, url: string, value: Buffer): Promise<unknown> =>
      target.store({ url, identifier: 'artist', dataType: 'api', provider: 'musicbrainz', value, mimeType: 'application/json', ttlSeconds: 86_400 });
    for (const [index, answer] of answers.entries()) await store(storage, `https://musicbrainz.org/a/${index}`, answer);
    const storeTime = (await storage.stats()).compression.byProvider.musicbrainz!;
    await storage.runMaintenance();
    await storage.runMaintenance();
    const packed = (await storage.stats()).compression.byProvider.musicbrainz!;

    const later = musicBrainzAnswers(quick ? 100 : 500, 202);
    for (const [index, answer] of later.entries()) await store(storage, `https://musicbrainz.org/later/${index}`, answer);
    const database = new Database(storage.databasePath, { readonly: true });
    const laterRatio = database.prepare("SELECT total(coalesce(value_size, size)) / total(size) FROM entries WHERE url LIKE 'https://musicbrainz.org/later/%'").pluck().get() as number;
    const dictionary = database.prepare('SELECT id, content FROM dictionaries ORDER BY id DESC LIMIT 1').get() as { id: number; content: Buffer } | undefined;
    database.close();
    const laterBytes = later.reduce((sum, answer) => sum + answer.length, 0);
    const fallback = new EntryCodec(null);
    const deflateRatio = laterBytes / later.reduce((sum, answer) => sum + (fallback.compress(answer, dictionary ?? null)?.data.length ?? answer.length), 0);
    const gzipRatio = laterBytes / later.reduce((sum, answer) => sum + gzipSync(answer).length, 0);

    // Hits and stores of ~2 KB answers (recording lookups), compressed vs not.
    const small = musicBrainzAnswers(quick ? 2000 : 8000, 303).filter((answer) => answer.length >= 1500 && answer.length <= 2600);
    const plain = await DataStorage.open({ cacheDir: join(scratchDirectory, 'plain'), maintenanceIntervalSeconds: 0, compression: false });
    const decodeEveryHit = await DataStorage.open({ cacheDir: join(scratchDirectory, 'compressed'), maintenanceIntervalSeconds: 0, memoryCacheBytes: 0 });
    const storeCount = Math.min(small.length, quick ? 300 : 1500);
    const plainStores = await measureAsync(storeCount, 20, (index) => store(plain, `https://musicbrainz.org/s/${index}`, small[index % small.length]!));
    const compressedStores = await measureAsync(storeCount, 20, (index) => store(storage, `https://musicbrainz.org/s/${index}`, small[index % small.length]!));
    const reads = quick ? 2000 : 20_000;
    const url = (index: number): string => `https://musicbrainz.org/s/${index % storeCount}`;
    const plainHits = await measureAsync(reads, 500, (index) => plain.retrieveByUrl(url(index)));
    const hotHits = await measureAsync(reads, 500, (index) => storage.retrieveByUrl(url(index)));
    const decodingHits = await measureAsync(reads, 500, (index) => decodeEveryHit.retrieveByUrl(url(index)));
    await Promise.all([storage.close(), plain.close(), decodeEveryHit.close()]);

    const figures: Figure[] = [
      { name: `ratio at store time (zstd 1, no dictionary yet), ${count} answers`, unit: 'ratio', value: storeTime },
      { name: 'ratio after maintenance (dictionary trained on the cache, zstd 15)', unit: 'ratio', value: packed, target: '≥ 7x' },
      { name: 'ratio of answers stored once the dictionary exists (zstd 1)', unit: 'ratio', value: laterRatio },
      { name: '  the same with the deflate fallback (no zstd binding)', unit: 'ratio', value: deflateRatio },
      { name: '  baseline: gzip per answer', unit: 'ratio', value: gzipRatio },
      latencyFigure('baseline: hit of an uncompressed 2 KB answer', plainHits),
      latencyFigure('hit of a compressed 2 KB answer (decoded copy kept in memory)', hotHits, { ratio: { to: 'uncompressed hit', value: hotHits.p50 / plainHits.p50 }, target: 'p50 ≤ 1.3x' }),
      latencyFigure('hit of a compressed 2 KB answer, decoding every time', decodingHits, { ratio: { to: 'uncompressed hit', value: decodingHits.p50 / plainHits.p50 } }),
      latencyFigure('baseline: store of a 2 KB answer uncompressed', plainStores),
      latencyFigure('store of a 2 KB answer compressed (zstd 1 + dictionary)', compressedStores, { ratio: { to: 'uncompressed store', value: compressedStores.p50 / plainStores.p50 }, target: '≤ 1.2x' }),
    ];
    return figures;
  },
};
