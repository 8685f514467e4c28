import Database from 'better-sqlite3';
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataStorage } from '../../../src/index.js';
import { buildDictionary } from '../../../src/storage/compression/dictionary-builder.js';
import { lastJsonLine, runTypeScript } from '../../helpers/child-process.js';
import { musicBrainzAnswers } from '../../helpers/musicbrainz-answers.js';
import { closeAfterTest, openTestStorage, sharedForTest, TWO_TIER } from '../../helpers/storage.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';

interface StoredRow {
  url: string;
  codec: string | null;
  dictionaryId: number | null;
  size: number;
  valueSize: number | null;
}

function rowsOf(databasePath: string): StoredRow[] {
  const database = new Database(databasePath, { readonly: true });
  try {
    return database.prepare('SELECT url, codec, dictionary_id AS dictionaryId, size, value_size AS valueSize FROM entries ORDER BY id').all() as StoredRow[];
  } finally {
    database.close();
  }
}

const answerUrl = (index: number): string => `https://musicbrainz.org/ws/2/artist?query=${index}&fmt=json`;

async function storeAnswers(storage: DataStorage, answers: readonly Buffer[]): Promise<void> {
  for (const [index, answer] of answers.entries()) {
    await storage.store({ url: answerUrl(index), identifier: `artist ${index % 5}`, dataType: 'api', provider: 'musicbrainz', value: answer, mimeType: 'application/json', ttlSeconds: 3600 });
  }
}

async function expectEveryAnswer(storage: DataStorage, answers: readonly Buffer[]): Promise<void> {
  for (const [index, answer] of answers.entries()) {
    const entry = await storage.retrieveByUrl(answerUrl(index));
    expect(entry?.data.equals(answer), answerUrl(index)).toBe(true);
    expect(entry?.size).toBe(answer.length);
  }
}

describe('compressed entries', () => {
  it('store JSON and text compressed, images not, and every read path gives back exactly what was stored', async () => {
    const { storage } = await openTestStorage();
    const answers = musicBrainzAnswers(12, 21);
    await storeAnswers(storage, answers);
    const value = JSON.parse(answers[0]!.toString('utf8')) as Record<string, unknown>;
    await storage.store({ url: 'k:json', identifier: 'daft punk', dataType: 'bio', provider: 'theaudiodb', value: { ...value, raw: randomBytes(64) }, ttlSeconds: 3600 });
    await storage.store({ url: 'k:text', identifier: 'daft punk', dataType: 'bio', provider: 'theaudiodb', value: 'Daft Punk were a French electronic duo. '.repeat(40), ttlSeconds: 3600 });
    const image = randomBytes(4000);
    await storage.store({ url: 'https://img.example/1.png', identifier: 'daft punk', dataType: 'thumbnail', provider: 'cdn', value: image, mimeType: 'image/png', ttlSeconds: 3600 });
    await storage.store({ url: 'k:small', identifier: 'daft punk', dataType: 'api', provider: 'musicbrainz', value: { a: 1 }, ttlSeconds: 3600 });

    const rows = new Map(rowsOf(storage.databasePath).map((row) => [row.url, row]));
    for (const index of answers.keys()) {
      const row = rows.get(answerUrl(index))!;
      expect(row.codec).toBe('zstd-1');
      expect(row.valueSize).toBe(answers[index]!.length);
      expect(row.size).toBeLessThan(row.valueSize!);
    }
    const onDisk = answers.reduce((sum, _, index) => sum + rows.get(answerUrl(index))!.size, 0);
    expect(answers.reduce((sum, answer) => sum + answer.length, 0)).toBeGreaterThan(onDisk * 3);
    expect(rows.get('k:text')!.codec).toBe('zstd-1');
    expect(rows.get('k:json')!.codec).toBe('zstd-1');
    expect(rows.get('https://img.example/1.png')!.codec).toBeNull();
    expect(rows.get('k:small')!.codec).toBeNull();

    await expectEveryAnswer(storage, answers);
    const byKey = await storage.retrieveByUrl(answerUrl(3));
    expect((await storage.retrieveByCachekey(byKey!.cachekey))?.data.equals(answers[3]!)).toBe(true);
    const json = await storage.retrieveByUrl('k:json');
    expect(json?.value()).toEqual({ ...value, raw: expect.any(Buffer) as Buffer });
    expect(((json?.value() as { raw: Buffer }).raw).length).toBe(64);
    expect((await storage.retrieveByUrl('k:text'))?.value()).toBe('Daft Punk were a French electronic duo. '.repeat(40));
    expect((await storage.retrieveByUrl('https://img.example/1.png'))?.data.equals(image)).toBe(true);
    const random = await storage.retrieveRandom({ identifier: 'artist 2', dataType: 'api' });
    expect([answers[2], answers[7]].some((answer) => random?.data.equals(answer!))).toBe(true);
    const summaries = await storage.retrieveByIdentifier({ identifier: 'artist 2', dataType: 'api' });
    expect(summaries.map((summary) => summary.size).sort()).toEqual([answers[2]!.length, answers[7]!.length].sort());

    const stats = await storage.stats();
    expect(stats.valueBytes).toBeGreaterThan(stats.bytes * 2);
    expect(stats.compression).toMatchObject({ enabled: true, codec: 'zstd' });
    expect(stats.compression.byProvider.musicbrainz).toBeGreaterThan(3);
    expect(stats.compression.byProvider.cdn).toBe(1);
    expect(stats.byProvider.musicbrainz!.valueBytes).toBe(answers.reduce((sum, answer) => sum + answer.length, 0) + JSON.stringify({ a: 1 }).length);
  });

  it('train a dictionary in maintenance once a provider has enough text, pack with it at level 15, and later stores use it', async () => {
    const { storage } = await openTestStorage();
    const answers = musicBrainzAnswers(48, 22);
    await storeAnswers(storage, answers);
    const before = (await storage.stats()).bytes;

    const first = await storage.runMaintenance();
    expect(first.compression).toMatchObject({ dictionariesTrained: 1, dictionariesDropped: 0 });
    // The first pass packs at level 15 and learns; the next packs again with what it learned.
    const second = await storage.runMaintenance();
    expect(second.compression!.entriesPacked).toBe(answers.length);
    const rows = rowsOf(storage.databasePath);
    expect(rows.every((row) => row.codec === 'zstd-15' && row.dictionaryId === 1)).toBe(true);
    await expectEveryAnswer(storage, answers);
    const stats = await storage.stats();
    expect(stats.bytes).toBeLessThan(before * 0.8);
    expect(stats.compression.dictionaries).toBe(1);

    const later = musicBrainzAnswers(1, 23)[0]!;
    await storage.store({ url: 'https://musicbrainz.org/ws/2/later', identifier: 'x', dataType: 'api', provider: 'musicbrainz', value: later, mimeType: 'application/json', ttlSeconds: 60 });
    expect(rowsOf(storage.databasePath).at(-1)).toMatchObject({ codec: 'zstd-1', dictionaryId: 1 });
    expect((await storage.retrieveByUrl('https://musicbrainz.org/ws/2/later'))?.data.equals(later)).toBe(true);
    // Other data types and providers keep their own (none yet).
    await storage.store({ url: 'k:other', identifier: 'x', dataType: 'bio', provider: 'musicbrainz', value: later, mimeType: 'application/json', ttlSeconds: 60 });
    expect(rowsOf(storage.databasePath).at(-1)).toMatchObject({ codec: 'zstd-1', dictionaryId: null });
  });

  it('keep a dictionary while an entry names it, move entries to a newer one, then drop the old', async () => {
    const { storage } = await openTestStorage();
    const answers = musicBrainzAnswers(48, 24);
    await storeAnswers(storage, answers);
    await storage.runMaintenance();
    await storage.runMaintenance();
    expect(new Set(rowsOf(storage.databasePath).map((row) => row.dictionaryId))).toEqual(new Set([1]));

    // Another process trains a newer dictionary for the same group.
    const other = new Database(storage.databasePath);
    other
      .prepare("INSERT INTO dictionaries (provider, data_type, content, samples, sample_bytes, group_bytes, created_at) VALUES ('musicbrainz', 'api', ?, 10, 999999, 999999999, 0)")
      .run(await buildDictionary(musicBrainzAnswers(30, 25), { sizeBytes: 16 * 1024 }));
    other.close();
    const report = await storage.runMaintenance();
    expect(report.compression, JSON.stringify(report.compression)).toMatchObject({ entriesPacked: answers.length, dictionariesDropped: 1 });
    expect(new Set(rowsOf(storage.databasePath).map((row) => row.dictionaryId))).toEqual(new Set([2]));
    await expectEveryAnswer(storage, answers);
  });

  it('never serve a compressed payload that does not decode: the read misses and the row goes', async () => {
    const { storage } = await openTestStorage();
    const answers = musicBrainzAnswers(2, 26);
    await storeAnswers(storage, answers);
    const other = new Database(storage.databasePath);
    other.prepare('UPDATE entries SET inline_data = randomblob(length(inline_data)) WHERE url = ?').run(answerUrl(0));
    other.close();
    const entry = await storage.retrieveByUrl(answerUrl(0));
    // With a shared tier the machine falls back to the shared copy (checked against its checksum).
    if (TWO_TIER) expect(entry?.data.equals(answers[0]!)).toBe(true);
    else expect(entry).toBeNull();
    const remaining = rowsOf(storage.databasePath).filter((row) => row.url === answerUrl(0));
    expect(remaining.every((row) => row.codec !== null)).toBe(true);
    if (!TWO_TIER) expect(remaining).toEqual([]);
    expect((await storage.retrieveByUrl(answerUrl(1)))?.data.equals(answers[1]!)).toBe(true);
  });

  it('with compression off store as they are; maintenance later compresses what an older cache holds, in place', async () => {
    const cacheDir = await temporaryDirectory();
    const answers = musicBrainzAnswers(20, 27);
    const plain = await DataStorage.open({ cacheDir, compression: false, maintenanceIntervalSeconds: 0, ...(await sharedForTest()) });
    await storeAnswers(plain, answers);
    expect(rowsOf(plain.databasePath).every((row) => row.codec === null)).toBe(true);
    expect((await plain.runMaintenance()).compression).toBeUndefined();
    await plain.close();

    const storage = closeAfterTest(await DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0, ...(await sharedForTest()) }));
    await expectEveryAnswer(storage, answers);
    // Answers over the inline limit went to files: those stay as they are until stored again.
    const inline = answers.filter((answer) => answer.length <= 16 * 1024);
    expect(inline.length).toBeGreaterThan(10);
    const report = await storage.runMaintenance();
    expect(report.compression!.entriesPacked).toBe(inline.length);
    expect(report.compression!.bytesSaved).toBeGreaterThan(inline.reduce((sum, answer) => sum + answer.length, 0) / 2);
    // Packed before any dictionary exists: level 9 (see packingCodec).
    expect(rowsOf(storage.databasePath).map((row) => row.codec)).toEqual(answers.map((answer) => (answer.length <= 16 * 1024 ? 'zstd-9' : null)));
    await expectEveryAnswer(storage, answers);
  });

  it.skipIf(TWO_TIER)('work across processes with and without zstd: deflate is read by all, zstd is a miss (never deleted) where it cannot be read', async () => {
    const { storage, cacheDir } = await openTestStorage();
    const answers = musicBrainzAnswers(2, 28);
    await storeAnswers(storage, answers);
    const jsonFile = join(await temporaryDirectory(), 'answer.json');
    await writeFile(jsonFile, answers[1]!);
    const result = await runTypeScript('../fixtures/no-zstd-process.ts', [cacheDir, answerUrl(0), 'https://musicbrainz.org/ws/2/from-deflate', jsonFile], {
      env: { ...process.env, DATACACHE_ZSTD: 'off' },
    });
    expect(result.code, result.stderr).toBe(0);
    expect(lastJsonLine(result)).toEqual({ found: false, codec: 'deflate' });
    expect(rowsOf(storage.databasePath).find((row) => row.url === answerUrl(0))?.codec).toBe('zstd-1');
    expect(rowsOf(storage.databasePath).find((row) => row.url === 'https://musicbrainz.org/ws/2/from-deflate')?.codec).toBe('deflate-6');
    expect((await storage.retrieveByUrl('https://musicbrainz.org/ws/2/from-deflate'))?.data.equals(answers[1]!)).toBe(true);
    expect((await storage.retrieveByUrl(answerUrl(0)))?.data.equals(answers[0]!)).toBe(true);
  });
});
