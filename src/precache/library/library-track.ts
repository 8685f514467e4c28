/**
 * What every library reader gives: one track as the DJ application keeps it. Readers know
 * their format; everything after them (names, ordering by play history, the queue) works on
 * this shape only.
 */
export interface LibraryTrack {
  /** The artist field as the application spells it (it may join several artists, or be damaged). */
  artist: string;
  /** The title, where the application keeps one. */
  title?: string;
  /** How many times the DJ played it, where the application counts plays (a history counts each entry once). */
  playCount?: number;
  /** When the DJ last played it, in ms since the epoch, where known. */
  lastPlayedAt?: number;
}

/**
 * What a reader could not read, so the report can say so: the tracks (or records) it skipped
 * and why, and repairs it made where the application itself is tolerant (a control character
 * in a comment, say). Readers add to it as they go.
 */
export class LibraryReadReport {
  /** Tracks (records, lines) that named an artist the reader could not read, by reason. */
  readonly skipped = new Map<string, number>();
  /** Repairs made to read the file as its application does, by kind. */
  readonly repaired = new Map<string, number>();

  /** Counts one skipped track. */
  skip(reason: string, count = 1): void {
    this.skipped.set(reason, (this.skipped.get(reason) ?? 0) + count);
  }

  /** Counts one repair. */
  repair(kind: string, count = 1): void {
    this.repaired.set(kind, (this.repaired.get(kind) ?? 0) + count);
  }

  get skippedCount(): number {
    let total = 0;
    for (const count of this.skipped.values()) total += count;
    return total;
  }
}
