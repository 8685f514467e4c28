import { LibraryFormatError } from '../../../errors.js';
import { pauser } from '../pauser.js';

/**
 * One top-level record of a Serato file. Every Serato library file (`database V2`, crates,
 * session files) is a sequence of records: a 4-byte ASCII tag, a 4-byte big-endian length, then
 * that many bytes (Mixxx wiki "Serato Database Format"; Holzhaus/serato-tags `database_v2.py`).
 */
export interface SeratoRecord {
  readonly truncated: false;
  /** The tag, such as "otrk". */
  readonly tag: string;
  /** The record's bytes after its 8-byte header; valid until the next record is asked for. */
  readonly payload: Buffer;
  /** Where the record starts in the file, for messages. */
  readonly offset: number;
}

/** The end of a file that stops inside a record, as when Serato was stopped while writing it. */
export interface SeratoTruncatedRecord {
  readonly truncated: true;
  /** The tag, if its 4 bytes were written. */
  readonly tag: string | null;
  readonly offset: number;
}

/** Generous for any real record: the largest track record in a 5,562-track database is 1,261 bytes. */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
const HEADER_BYTES = 8;
/** How long the reader may hold the event loop before letting others run. */
const TURN_MS = 4;

/**
 * The top-level records of a Serato file, read as a stream: only the record being read (at most
 * `maxRecordBytes`) and the rest of the current chunk are held, and the event loop is let go
 * every few milliseconds. A tag that is not 4 printable ASCII characters, or a length beyond
 * `maxRecordBytes`, means the file is damaged or not a Serato file: a `LibraryFormatError`
 * naming the byte offset. A file that ends inside a record ends with a `SeratoTruncatedRecord`,
 * for the caller to count.
 */
export async function* seratoRecords(
  chunks: AsyncIterable<Buffer>,
  source: string,
  maxRecordBytes = MAX_RECORD_BYTES,
): AsyncGenerator<SeratoRecord | SeratoTruncatedRecord> {
  let parts: Buffer[] = [];
  let buffered = 0;
  let bufferOffset = 0;
  let needed = HEADER_BYTES;
  const pause = pauser(TURN_MS);
  for await (const chunk of chunks) {
    parts.push(chunk);
    buffered += chunk.length;
    if (buffered < needed) continue;
    // Joined once per record boundary crossed, never byte by byte: a record split over many
    // chunks is copied once, when its last chunk arrives.
    const buffer = parts.length === 1 ? parts[0]! : Buffer.concat(parts, buffered);
    let position = 0;
    while (buffered - position >= HEADER_BYTES) {
      const { tag, length } = recordHeader(buffer, position, bufferOffset + position, source, maxRecordBytes);
      const end = position + HEADER_BYTES + length;
      if (end > buffered) break;
      yield { truncated: false, tag, payload: buffer.subarray(position + HEADER_BYTES, end), offset: bufferOffset + position };
      position = end;
      await pause();
    }
    const rest = buffer.subarray(position);
    bufferOffset += position;
    parts = rest.length > 0 ? [rest] : [];
    buffered = rest.length;
    needed = rest.length >= HEADER_BYTES ? HEADER_BYTES + rest.readUInt32BE(4) : HEADER_BYTES;
    await pause();
  }
  if (buffered > 0) {
    const rest = Buffer.concat(parts, buffered);
    yield { truncated: true, tag: rest.length >= 4 ? rest.toString('latin1', 0, 4) : null, offset: bufferOffset };
  }
}

function recordHeader(buffer: Buffer, position: number, offset: number, source: string, maxRecordBytes: number): { tag: string; length: number } {
  const tag = buffer.toString('latin1', position, position + 4);
  if (!isTag(tag)) {
    throw new LibraryFormatError(source, `no Serato record at byte ${offset} (found bytes ${buffer.toString('hex', position, position + 4)}): the file is damaged or not a Serato file.`);
  }
  const length = buffer.readUInt32BE(position + 4);
  if (length > maxRecordBytes) {
    throw new LibraryFormatError(source, `the "${tag}" record at byte ${offset} claims ${length} bytes, more than the ${maxRecordBytes} any Serato record holds: the file is damaged.`);
  }
  return { tag, length };
}

/** Four printable ASCII characters, as every Serato tag is. */
export function isTag(tag: string): boolean {
  return /^[\x20-\x7e]{4}$/u.test(tag);
}

/** One field inside a record: the same header as a record, its first 4 bytes a tag or a number. */
export interface SeratoField {
  /** The first 4 bytes as ASCII ("tart"), for `database V2` and crates. */
  readonly tag: string;
  /** The first 4 bytes as a big-endian number (7), for the fields of a session's `adat`. */
  readonly id: number;
  readonly value: Buffer;
}

/** Fields, or why a record could not be split into them. */
export type SeratoFields = { readonly ok: true; readonly fields: readonly SeratoField[] } | { readonly ok: false; readonly damage: string };

/** Far above any real field (the largest in the real database is 510 bytes, a session comment 522). */
export const MAX_FIELD_BYTES = 1024 * 1024;

/**
 * The fields of one record's payload, one level deep: nested `o…` fields are returned whole,
 * never descended into, so nesting cannot run deep. A field that runs past the end of its
 * record, or beyond `MAX_FIELD_BYTES`, makes the record damaged, as Mixxx's importer treats it
 * ("Failed to read … bytes"): the caller skips that one track.
 */
export function seratoFields(payload: Buffer): SeratoFields {
  const fields: SeratoField[] = [];
  let position = 0;
  while (position < payload.length) {
    if (payload.length - position < HEADER_BYTES) return { ok: false, damage: 'a field header cut short' };
    const length = payload.readUInt32BE(position + 4);
    if (length > MAX_FIELD_BYTES) return { ok: false, damage: 'a field larger than any Serato writes' };
    const end = position + HEADER_BYTES + length;
    if (end > payload.length) return { ok: false, damage: 'a field running past the end of its record' };
    fields.push({
      tag: payload.toString('latin1', position, position + 4),
      id: payload.readUInt32BE(position),
      value: payload.subarray(position + HEADER_BYTES, end),
    });
    position = end;
  }
  return { ok: true, fields };
}
