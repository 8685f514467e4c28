import type { LibraryReadReport } from '../library-track.js';

/**
 * A Serato text field as a string. Serato writes text as UTF-16 big-endian: in `database V2` and
 * crates without a terminator, in session files followed by a NUL character, which is trimmed
 * here. A field of odd length (one stray byte, never written by Serato) loses its last byte, and
 * the repair is counted. Lone surrogates are kept so that `isReadableName` can refuse them.
 */
export function seratoText(value: Buffer, report: LibraryReadReport): string {
  let bytes = value;
  if (bytes.length % 2 === 1) {
    report.repair('Serato text field of odd length (last byte dropped)');
    bytes = bytes.subarray(0, bytes.length - 1);
  }
  // swap16 works in place: copy first, the value is a view into the record being read.
  const text = Buffer.from(bytes).swap16().toString('utf16le');
  return text.replace(/\0+$/u, '');
}

/**
 * Whether a decoded name can be trusted: no control characters (C0, DEL or C1; a NUL inside a
 * name means the bytes were misread) and no half of a surrogate pair (a UTF-16 text cut short).
 */
export function isReadableName(text: string): boolean {
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) return false;
    if (code >= 0xd800 && code <= 0xdbff) {
      const next = text.charCodeAt(index + 1);
      if (!(next >= 0xdc00 && next <= 0xdfff)) return false;
      index += 1;
    } else if (code >= 0xdc00 && code <= 0xdfff) {
      return false;
    }
  }
  return true;
}

/**
 * Whether a decoded path can be a file's: not empty and without NUL, which no file system allows.
 * Other control characters are real: the real database has "07 - Make\u0092em NV.mp3", a
 * Windows-1252 apostrophe read as Latin-1 when the file was named, and that is the file's name.
 */
export function isReadablePath(path: string): boolean {
  return path !== '' && !path.includes('\0');
}

/**
 * The key Serato matches a track's file by. `database V2` and crates store the path relative to
 * the root of the drive that holds the `_Serato_` folder, without a leading slash
 * ("Users/dj/Music/a.mp3"); session files store the absolute path ("/Users/dj/Music/a.mp3",
 * "C:\Users\dj\Music\a.mp3"). Mixxx's Serato importer joins crate entries to the database by the
 * exact string; this key also drops a leading drive letter and slashes, reads "\" as "/", and
 * compares in NFC (macOS writes decomposed names, Windows composed ones). Case is kept: on a
 * case-sensitive drive two names differing only in case are two files.
 */
export function seratoPathKey(path: string): string {
  return path
    .replace(/\\/gu, '/')
    .replace(/^[A-Za-z]:(?=\/|$)/u, '')
    .replace(/^\/+/u, '')
    .normalize('NFC');
}
