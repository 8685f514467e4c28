import type Database from 'better-sqlite3';
import type { Statement } from './entry-statements.js';

/** A dictionary row without its bytes. */
export interface DictionaryInfo {
  id: number;
  provider: string;
  dataType: string;
  sampleBytes: number;
  /** The group's decoded bytes when it was trained. */
  groupBytes: number;
}

/** An entry maintenance may compress (again): inline, status 200, text-like. */
export interface PackCandidate {
  id: number;
  provider: string;
  dataType: string;
  storedAt: number;
  checksum: string;
  inlineData: Buffer;
  codec: string | null;
  dictionaryId: number | null;
  size: number;
  valueSize: number | null;
}

export interface PackUpdate {
  id: number;
  storedAt: number;
  checksum: string;
  data: Buffer;
  size: number;
  valueSize: number;
  codec: string;
  dictionaryId: number | null;
}

export interface CompressionStatements {
  newestDictionaries: Statement<[], DictionaryInfo>;
  dictionaryContent: Statement<[number], Buffer>;
  dictionaryExists: Statement<[number], number>;
  newestIdOf: Statement<[string, string], number>;
  insertDictionary: Statement<[{ provider: string; dataType: string; content: Buffer; samples: number; sampleBytes: number; groupBytes: number; now: number }], { id: number }>;
  deleteUnusedDictionaries: Statement<[], { id: number }>;
  /** Groups with enough text-like payload to train on: [minimum decoded bytes]. */
  trainableGroups: Statement<[number], { provider: string; dataType: string; valueBytes: number }>;
  /** The newest text-like inline entries of a group: [provider, dataType, limit]. */
  samplesOf: Statement<[string, string, number], { inlineData: Buffer; codec: string | null; dictionaryId: number | null; valueSize: number | null; size: number }>;
  /** Text-like inline entries with ids in [from, to). */
  packCandidates: Statement<[number, number, number], PackCandidate>;
  /** Rewrites one entry's payload, unless it was re-stored since it was read. */
  repack: Statement<[PackUpdate]>;
  maxId: Statement<[], number>;
}

/**
 * What makes a payload worth compressing: a string or JSON value, or bytes whose type is text,
 * JSON or XML (an HTTP answer). Images and other binaries are left alone.
 */
export const TEXT_LIKE = `(value_type != 'bytes' OR mime_type LIKE '%json%' OR mime_type LIKE 'text/%' OR mime_type LIKE '%xml%' OR mime_type LIKE '%javascript%')`;

const candidateColumns = `id, provider, data_type AS dataType, stored_at AS storedAt, checksum, inline_data AS inlineData,
  codec, dictionary_id AS dictionaryId, size, value_size AS valueSize`;

/** Statements for compression dictionaries and maintenance's packing of entries. */
export function prepareCompressionStatements(database: Database.Database): CompressionStatements {
  return {
    newestDictionaries: database.prepare<[], DictionaryInfo>(`
      SELECT id, provider, data_type AS dataType, sample_bytes AS sampleBytes, group_bytes AS groupBytes FROM dictionaries
      WHERE id IN (SELECT max(id) FROM dictionaries GROUP BY provider, data_type)`),
    dictionaryContent: database.prepare<[number], Buffer>('SELECT content FROM dictionaries WHERE id = ?').pluck(),
    dictionaryExists: database.prepare<[number], number>('SELECT 1 FROM dictionaries WHERE id = ?').pluck(),
    newestIdOf: database.prepare<[string, string], number>('SELECT max(id) FROM dictionaries WHERE provider = ? AND data_type = ?').pluck(),
    insertDictionary: database.prepare(`
      INSERT INTO dictionaries (provider, data_type, content, samples, sample_bytes, group_bytes, created_at)
      VALUES (@provider, @dataType, @content, @samples, @sampleBytes, @groupBytes, @now) RETURNING id`),
    // An old dictionary stays as long as an entry names it (found on the partial index).
    deleteUnusedDictionaries: database.prepare<[], { id: number }>(`
      DELETE FROM dictionaries AS d
      WHERE id NOT IN (SELECT max(id) FROM dictionaries GROUP BY provider, data_type)
        AND NOT EXISTS (SELECT 1 FROM entries WHERE dictionary_id = d.id)
      RETURNING id`),
    trainableGroups: database.prepare<[number], { provider: string; dataType: string; valueBytes: number }>(
      'SELECT provider, data_type AS dataType, value_bytes AS valueBytes FROM group_totals WHERE value_bytes >= ? ORDER BY value_bytes DESC',
    ),
    samplesOf: database.prepare(`
      SELECT inline_data AS inlineData, codec, dictionary_id AS dictionaryId, value_size AS valueSize, size FROM entries
      WHERE provider = ? AND data_type = ? AND file_path IS NULL AND status_code = 200 AND ${TEXT_LIKE}
      ORDER BY id DESC LIMIT ?`),
    packCandidates: database.prepare<[number, number, number], PackCandidate>(`
      SELECT ${candidateColumns} FROM entries
      WHERE id >= ? AND id < ? AND file_path IS NULL AND status_code = 200 AND coalesce(value_size, size) >= ? AND ${TEXT_LIKE}
      ORDER BY id`),
    repack: database.prepare(`
      UPDATE entries SET inline_data = @data, size = @size, value_size = @valueSize, codec = @codec, dictionary_id = @dictionaryId
      WHERE id = @id AND stored_at = @storedAt AND checksum = @checksum`),
    maxId: database.prepare<[], number>('SELECT coalesce(max(id), 0) FROM entries').pluck(),
  };
}
