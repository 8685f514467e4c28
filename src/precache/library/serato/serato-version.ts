/** The Serato files datacache reads, told apart by the version text of their first record. */
export type SeratoFileKind = 'serato-database' | 'serato-crate' | 'serato-session';

/**
 * What a Serato version text says a file is. The texts, as Serato writes them (seen in the real
 * files of mookiejones/serato_js and whats-now-playing's test sessions):
 * - `database V2`: "2.0/Serato Scratch LIVE Database"
 * - `Subcrates/*.crate`: "1.0/Serato ScratchLive Crate"
 * - `SmartCrates/*.scrate`: "1.0/Serato ScratchLive Smart Crate" (rules, no tracks: not read)
 * - `History/Sessions/*.session` and `History/history.database`: "1.0/Serato Scratch LIVE Review"
 *   (the two are told apart by the record after the version: `oent` in a session, `ocol` or
 *   `oses` in the history index)
 * 'review' stands for the last two until that record is seen.
 */
export function seratoVersionKind(version: string): 'serato-database' | 'serato-crate' | 'smart-crate' | 'review' | null {
  if (!/^\d+\.\d+\/Serato /u.test(version)) return null;
  const what = version.toLowerCase();
  if (what.endsWith(' database')) return 'serato-database';
  if (what.endsWith(' smart crate')) return 'smart-crate';
  if (what.endsWith(' crate')) return 'serato-crate';
  if (what.endsWith(' review')) return 'review';
  return null;
}

/** How a file kind is named in messages. */
export function describeSeratoKind(kind: SeratoFileKind): string {
  switch (kind) {
    case 'serato-database':
      return 'a Serato database ("database V2")';
    case 'serato-crate':
      return 'a Serato crate (".crate")';
    case 'serato-session':
      return 'a Serato history session (".session")';
  }
}
