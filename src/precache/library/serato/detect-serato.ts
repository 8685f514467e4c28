import { LibraryReadReport } from '../library-track.js';
import { seratoText } from './serato-text.js';
import { seratoVersionKind, type SeratoFileKind } from './serato-version.js';

/**
 * Which Serato file the first bytes of a file are, by content, not name: the first record must be
 * `vrsn` and its version text names the kind ("2.0/Serato Scratch LIVE Database", "1.0/Serato
 * ScratchLive Crate", "1.0/Serato Scratch LIVE Review"). A session shares its version with the
 * history index (`history.database`), so a "Review" file is a session only if the record after
 * the version is `oent` (or the head ends before it). Smart crates, the history index and
 * anything else are `null`. A head of 128 bytes or more holds all of it (the version record is
 * 72 bytes at most); a head that cuts the version text short is not recognised.
 */
export function looksLikeSerato(head: Buffer): SeratoFileKind | null {
  if (head.length < 8 || head.toString('latin1', 0, 4) !== 'vrsn') return null;
  const length = head.readUInt32BE(4);
  if (length === 0 || length > 1024) return null;
  if (head.length < 8 + length) return null;
  const version = seratoText(head.subarray(8, 8 + length), new LibraryReadReport());
  const kind = seratoVersionKind(version);
  if (kind === 'serato-database' || kind === 'serato-crate') return kind;
  if (kind !== 'review') return null;
  const next = 8 + length;
  if (head.length < next + 4) return 'serato-session';
  return head.toString('latin1', next, next + 4) === 'oent' ? 'serato-session' : null;
}
