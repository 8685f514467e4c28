import { LibraryFormatError } from '../../../errors.js';
import { LibraryReadReport } from '../library-track.js';
import { seratoFields, seratoRecords, type SeratoField, type SeratoRecord, type SeratoTruncatedRecord } from './serato-records.js';
import { seratoText } from './serato-text.js';
import { describeSeratoKind, seratoVersionKind, type SeratoFileKind } from './serato-version.js';

/** A version text is a few dozen characters; more means the first record is not one. */
const MAX_VERSION_BYTES = 1024;

/**
 * The records after the version record of a Serato file that must be of the given kind. A file
 * that is empty, does not start with a `vrsn` record, or whose version names another kind is a
 * `LibraryFormatError` that says what the file is. Serato's history index
 * (`History/history.database`) has a session's version text; its second record (`ocol`, not
 * `oent`) tells it apart.
 */
export async function* seratoFileRecords(
  chunks: AsyncIterable<Buffer>,
  source: string,
  expected: SeratoFileKind,
): AsyncGenerator<SeratoRecord | SeratoTruncatedRecord> {
  const wanted = describeSeratoKind(expected);
  let first = true;
  let second = false;
  const notSerato = (): LibraryFormatError => new LibraryFormatError(source, `not ${wanted}: it does not start with Serato's version record ("vrsn").`);
  for await (const record of seratoRecords(withHead(chunks, (head) => head.toString('latin1', 0, 4) === 'vrsn' && head.readUInt32BE(4) <= MAX_VERSION_BYTES, notSerato), source)) {
    if (first) {
      first = false;
      checkVersion(record, source, expected, wanted);
      second = true;
      continue;
    }
    if (second) {
      second = false;
      if (expected === 'serato-session' && !record.truncated && (record.tag === 'ocol' || record.tag === 'oses')) {
        throw new LibraryFormatError(source, `this is Serato's history index ("History/history.database"), not ${wanted}: read the files in "History/Sessions" instead.`);
      }
    }
    yield record;
  }
  if (first) throw new LibraryFormatError(source, `an empty file, not ${wanted}.`);
}

/**
 * The chunks unchanged, once their first 8 bytes pass `isHead`: a file that is not Serato's is
 * told so before its first bytes are read as a record length.
 */
async function* withHead(chunks: AsyncIterable<Buffer>, isHead: (head: Buffer) => boolean, refuse: () => Error): AsyncGenerator<Buffer> {
  const held: Buffer[] = [];
  let heldBytes = 0;
  let checked = false;
  for await (const chunk of chunks) {
    if (checked) {
      yield chunk;
      continue;
    }
    held.push(chunk);
    heldBytes += chunk.length;
    if (heldBytes < 8) continue;
    if (!isHead(Buffer.concat(held, heldBytes).subarray(0, 8))) throw refuse();
    checked = true;
    yield* held;
  }
  if (!checked && heldBytes > 0) throw refuse();
}

function checkVersion(record: SeratoRecord | SeratoTruncatedRecord, source: string, expected: SeratoFileKind, wanted: string): void {
  if (record.truncated) throw new LibraryFormatError(source, `not ${wanted}: its version record ("vrsn") is cut short.`);
  const version = seratoText(record.payload, new LibraryReadReport());
  const kind = seratoVersionKind(version);
  const matches = kind === expected || (expected === 'serato-session' && kind === 'review');
  if (!matches) {
    const actually = kind === null ? 'a Serato file of unknown kind' : kind === 'smart-crate' ? 'a Serato smart crate (".scrate", rules without tracks)' : kind === 'review' ? describeSeratoKind('serato-session') : describeSeratoKind(kind);
    throw new LibraryFormatError(source, `this is ${actually} (version "${printable(version)}"), not ${wanted}.`);
  }
}

/** A version text as it can safely appear in a message. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e\u00a0-\uffff]/gu, '?').slice(0, 80);
}

/**
 * The fields of each `tag` record (`otrk` for a track, `oent` for a session entry) of a Serato
 * file of the given kind. A record cut short by the end of the file, or one whose fields do not
 * parse, is skipped and counted (`damaged` names what it was).
 */
export async function* seratoRecordFields(
  chunks: AsyncIterable<Buffer>,
  source: string,
  expected: SeratoFileKind,
  tag: string,
  damaged: string,
  report: LibraryReadReport,
): AsyncGenerator<readonly SeratoField[]> {
  for await (const record of seratoFileRecords(chunks, source, expected)) {
    if (record.truncated) {
      report.skip('Serato record cut short at the end of the file');
      continue;
    }
    if (record.tag !== tag) continue;
    const split = seratoFields(record.payload);
    if (!split.ok) {
      report.skip(`${damaged} (${split.damage})`);
      continue;
    }
    yield split.fields;
  }
}
