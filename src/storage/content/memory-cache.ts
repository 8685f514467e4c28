/**
 * Recently read blob files, verified, kept in memory up to a byte budget (least recently
 * used out first). A stream overlay rotating a handful of fanart images reads the same files
 * again and again; from memory a 200 KB hit costs a copy instead of a checksummed file read.
 *
 * Sound because blob files are never changed once written and every store writes a new,
 * uniquely named file: bytes verified under a path stay exactly right for as long as any row
 * names that path. Callers get copies, so one caller writing into its Buffer cannot change
 * what the next one receives.
 */
export class BlobMemoryCache {
  private readonly blobs = new Map<string, Buffer>();
  private bytes = 0;
  /** A single blob larger than this is not kept, so one huge file cannot flush the rest. */
  private readonly largestBlob: number;

  constructor(private readonly maxBytes: number) {
    this.largestBlob = Math.floor(maxBytes / 8);
  }

  /** A copy of the blob's bytes, or undefined. */
  get(relativePath: string): Buffer | undefined {
    const blob = this.blobs.get(relativePath);
    if (blob === undefined) return undefined;
    // Map keeps insertion order: re-inserting marks it as the most recently used.
    this.blobs.delete(relativePath);
    this.blobs.set(relativePath, blob);
    return Buffer.from(blob);
  }

  /** Keeps a copy of verified bytes. */
  set(relativePath: string, data: Buffer): void {
    if (data.length > this.largestBlob || this.blobs.has(relativePath)) return;
    this.blobs.set(relativePath, Buffer.from(data));
    this.bytes += data.length;
    for (const [path, blob] of this.blobs) {
      if (this.bytes <= this.maxBytes) break;
      this.blobs.delete(path);
      this.bytes -= blob.length;
    }
  }

  delete(relativePath: string): void {
    const blob = this.blobs.get(relativePath);
    if (blob === undefined) return;
    this.blobs.delete(relativePath);
    this.bytes -= blob.length;
  }
}
