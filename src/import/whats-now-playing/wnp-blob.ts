import { join } from 'node:path';
import { sha256Hex } from '../../storage/content/hash.js';
import { readExactly } from '../../storage/content/read.js';

/** Where whats-now-playing keeps a payload over 16 KiB: `blobs/<h[0:2]>/<h[2:4]>/<h[4:64]>.bin`, h the SHA-256 of the URL. */
const BLOB_PATH = /^blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{60}\.bin$/u;

/** What reading a blob file gave: its bytes and their SHA-256, or why there are none to take. */
export type BlobRead = { data: Buffer; checksum: string } | { problem: 'unsafeBlobPath' | 'blobMissing' | 'blobDamaged' | 'tooLarge' };

const REREAD_DELAY_MS = 100;

/**
 * Reads one of whats-now-playing's blob files, read-only (never through a link, never blocking
 * on a FIFO: the storage's own `readExactly`), and checks it against what its row says: the
 * size, and the SHA-256 when the row has one. whats-now-playing rewrites a blob in place when
 * it downloads the URL again, so a read that does not match is tried once more a moment later
 * before the blob counts as damaged. The path must be whats-now-playing's own layout (its
 * Windows separators accepted): anything else could lead out of its directory.
 */
export async function readWnpBlob(wnpDirectory: string, filePath: string, expected: { size: number | null; checksum: string | null }, maxBytes: number): Promise<BlobRead> {
  const relative = filePath.replaceAll('\\', '/');
  if (!BLOB_PATH.test(relative)) return { problem: 'unsafeBlobPath' };
  if (expected.size === null) return { problem: 'blobDamaged' };
  if (expected.size > maxBytes) return { problem: 'tooLarge' };
  for (let attempt = 0; ; attempt++) {
    try {
      const { data } = await readExactly(join(wnpDirectory, relative), expected.size);
      const checksum = await sha256Hex(data);
      if (expected.checksum === null || checksum === expected.checksum.toLowerCase()) return { data, checksum };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: 'blobMissing' };
      // A link, a FIFO, a folder: never read. A wrong size is a rewrite in progress, or damage.
      if (code !== 'EWRONGSIZE') return { problem: 'unsafeBlobPath' };
    }
    if (attempt === 1) return { problem: 'blobDamaged' };
    await new Promise((resolve) => setTimeout(resolve, REREAD_DELAY_MS));
  }
}
