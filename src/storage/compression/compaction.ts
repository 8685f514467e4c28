import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { CompressionStatements, PackCandidate, PackUpdate } from '../../backends/sqlite/compression-statements.js';
import type { StorageInternals } from '../storage-internals.js';
import { buildDictionary } from './dictionary-builder.js';
import type { DictionaryRegistry } from './dictionary-registry.js';
import { MIN_COMPRESSIBLE_BYTES, packingCodec, type EntryCodec } from './entry-codec.js';

/** Answers of one provider and data type collected to train its dictionary on. */
interface TrainingPool {
  provider: string;
  dataType: string;
  data: Buffer[];
  bytes: number;
  /** The group's decoded bytes at the start of the pass. */
  groupBytes: number;
}

/**
 * What an open storage compresses with.
 * @internal
 */
export interface EntryCompression {
  codec: EntryCodec;
  dictionaries: DictionaryRegistry;
  statements: CompressionStatements;
}

export interface CompactionReport {
  /** Dictionaries trained in this pass. */
  dictionariesTrained: number;
  /** Entries whose payload was compressed again (smaller, or with a newer dictionary). */
  entriesPacked: number;
  /** How many fewer bytes those entries take on disk. */
  bytesSaved: number;
  /** Old dictionaries no entry names any more, dropped. */
  dictionariesDropped: number;
}

/** A group trains its first dictionary once this much of its text is seen (and MIN_SAMPLES answers). */
export const MIN_TRAINING_BYTES = 128 * 1024;
const MIN_SAMPLES = 16;
/** Training never reads more than this per group: zstd's rule of thumb is 100x the dictionary. */
export const MAX_TRAINING_BYTES = 2 * 1024 * 1024;
/** A group trains again once it holds this many times the text it held when its dictionary was trained. */
const RETRAIN_GROWTH = 4;
/** Row ids looked at per read, so a read never walks far in one go. */
const ID_WINDOW = 500;
/** Rewrites per write transaction. */
const WRITES_PER_TRANSACTION = 50;
/** A pass stops after this many entries or this long; the next pass goes on from there. */
const ENTRIES_PER_PASS = 5000;
const PASS_TIME_MS = 10_000;
const CURSOR_KEY = 'compression.cursor';

/**
 * Maintenance's compression step: walks the cache from where the last pass stopped, learns
 * each provider and data type's text until it can train a dictionary, and compresses entries
 * again with the newest dictionary at zstd level 15 (see `packingCodec`), one entry per turn of
 * the event loop. Entries stored before compression existed are compressed here in
 * small chunks. Every rewrite is conditional on the entry being unchanged since it was read.
 * @internal
 */
export async function compactEntries(internals: StorageInternals, compression: EntryCompression): Promise<CompactionReport> {
  const { connection, housekeeping } = internals;
  const { codec, dictionaries, statements } = compression;
  const report: CompactionReport = { dictionariesTrained: 0, entriesPacked: 0, bytesSaved: 0, dictionariesDropped: 0 };
  await dictionaries.refresh();
  const groupBytes = new Map<string, number>();
  for (const group of await connection.read('reading group totals', () => statements.trainableGroups.all(MIN_TRAINING_BYTES))) {
    groupBytes.set(`${group.provider}\u0000${group.dataType}`, group.valueBytes);
  }
  const samples = new Map<string, TrainingPool>();
  const wantsTraining = (provider: string, dataType: string): boolean => {
    const total = groupBytes.get(`${provider}\u0000${dataType}`) ?? 0;
    if (total < MIN_TRAINING_BYTES) return false;
    const info = dictionaries.infoFor(provider, dataType);
    return info === undefined || total >= info.groupBytes * RETRAIN_GROWTH;
  };

  const started = performance.now();
  const lastId = await connection.read('reading the last entry id', () => statements.maxId.get()!);
  const savedCursor = Number(await connection.read('reading the compression cursor', () => housekeeping.readMeta.get(CURSOR_KEY)) ?? 0);
  // A pass goes from where the last one stopped to the end, then from the start up to there.
  const start = savedCursor > lastId ? 0 : savedCursor;
  let cursor = start;
  let looked = 0;
  let wrapped = false;
  while (!internals.isClosing() && looked < ENTRIES_PER_PASS && performance.now() - started < PASS_TIME_MS) {
    if (cursor > lastId) {
      if (wrapped || start === 0) break;
      wrapped = true;
      cursor = 0;
    }
    if (wrapped && cursor >= start) break;
    const windowStart = cursor;
    const candidates = await connection.read('reading entries to compress', () => statements.packCandidates.all(windowStart, windowStart + ID_WINDOW, MIN_COMPRESSIBLE_BYTES));
    cursor += ID_WINDOW;
    looked += candidates.length;
    const updates: (PackUpdate & { previousSize: number })[] = [];
    for (const candidate of candidates) {
      if (internals.isClosing()) break;
      const dictionary = dictionaries.newestFor(candidate.provider, candidate.dataType);
      const onNewest = candidate.dictionaryId === (dictionary?.id ?? null);
      const isPacked = onNewest && candidate.codec === packingCodec(candidate.valueSize ?? candidate.size, dictionary !== null);
      // Already packed, or already tiny on the newest dictionary: nothing worth the work.
      if (candidate.codec !== null && (isPacked || (onNewest && candidate.size < MIN_COMPRESSIBLE_BYTES)) && !wantsTraining(candidate.provider, candidate.dataType)) continue;
      const original = await decodeCandidate(candidate, compression);
      if (original === null) continue;
      if (wantsTraining(candidate.provider, candidate.dataType)) {
        const key = `${candidate.provider}\u0000${candidate.dataType}`;
        const pool = samples.get(key) ?? { provider: candidate.provider, dataType: candidate.dataType, data: [], bytes: 0, groupBytes: groupBytes.get(key) ?? 0 };
        samples.set(key, pool);
        if (pool.bytes < MAX_TRAINING_BYTES) {
          pool.data.push(original);
          pool.bytes += original.length;
        }
      }
      if (isPacked || !codec.canPack) continue;
      const packed = codec.pack(original, dictionary);
      // Each pack holds the event loop for up to a few milliseconds: give it back after each.
      await yieldToEventLoop();
      // An entry on an older dictionary moves to the newest even at no gain, so the old one can go.
      const onOldDictionary = candidate.dictionaryId !== null && !onNewest;
      if (packed === null || (packed.data.length >= candidate.size && !onOldDictionary)) continue;
      updates.push({
        id: candidate.id,
        previousSize: candidate.size,
        storedAt: candidate.storedAt,
        checksum: candidate.checksum,
        data: packed.data,
        size: packed.data.length,
        valueSize: original.length,
        codec: packed.codec,
        dictionaryId: dictionary?.id ?? null,
      });
    }
    for (let index = 0; index < updates.length; index += WRITES_PER_TRANSACTION) {
      const chunk = updates.slice(index, index + WRITES_PER_TRANSACTION);
      await connection.write('compressing entries', () => {
        for (const update of chunk) {
          // The dictionary was dropped meanwhile (by another process): leave the entry as it is.
          if (update.dictionaryId !== null && statements.dictionaryExists.get(update.dictionaryId) === undefined) continue;
          if (statements.repack.run(update).changes === 1) {
            report.entriesPacked++;
            report.bytesSaved += update.previousSize - update.size;
          }
        }
      });
    }
    for (const [key, pool] of samples) {
      if (pool.data.length < MIN_SAMPLES || pool.bytes < MIN_TRAINING_BYTES || !wantsTraining(pool.provider, pool.dataType)) continue;
      samples.delete(key);
      if (await trainDictionary(internals, compression, pool)) report.dictionariesTrained++;
    }
    await connection.write('saving the compression cursor', () => housekeeping.writeMeta.run(CURSOR_KEY, String(cursor)));
    await yieldToEventLoop();
  }
  const dropped = await connection.write('dropping unused dictionaries', () => statements.deleteUnusedDictionaries.all());
  dictionaries.forget(dropped.map((row) => row.id));
  report.dictionariesDropped = dropped.length;
  return report;
}

async function trainDictionary(
  internals: StorageInternals,
  compression: EntryCompression,
  pool: TrainingPool,
): Promise<boolean> {
  const content = await buildDictionary(pool.data, { shouldStop: () => internals.isClosing() });
  if (content === null || content.length === 0) return false;
  const known = compression.dictionaries.infoFor(pool.provider, pool.dataType)?.id ?? 0;
  const now = internals.options.clock.now();
  const saved = await internals.connection.write('saving a compression dictionary', () => {
    // Another process's maintenance trained one for this group meanwhile: keep theirs.
    if ((compression.statements.newestIdOf.get(pool.provider, pool.dataType) ?? 0) > known) return null;
    return compression.statements.insertDictionary.get({ provider: pool.provider, dataType: pool.dataType, content, samples: pool.data.length, sampleBytes: pool.bytes, groupBytes: pool.groupBytes, now })!;
  });
  if (saved === null) {
    await compression.dictionaries.refresh();
    return false;
  }
  compression.dictionaries.adopt({ id: saved.id, provider: pool.provider, dataType: pool.dataType, sampleBytes: pool.bytes, groupBytes: pool.groupBytes }, content);
  internals.options.logger.info('datacache: trained a compression dictionary', { provider: pool.provider, dataType: pool.dataType, samples: pool.data.length, sampleBytes: pool.bytes });
  return true;
}

async function decodeCandidate(candidate: PackCandidate, compression: EntryCompression): Promise<Buffer | null> {
  if (candidate.codec === null) return candidate.inlineData;
  const dictionary = candidate.dictionaryId === null ? null : await compression.dictionaries.byId(candidate.dictionaryId);
  if (candidate.dictionaryId !== null && dictionary === null) return null;
  const decoded = compression.codec.decompress(candidate.codec, candidate.inlineData, dictionary, candidate.valueSize ?? candidate.size);
  return typeof decoded === 'string' ? null : decoded;
}
