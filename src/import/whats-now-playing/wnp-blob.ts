import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';

/** Where whats-now-playing keeps a payload over 16 KiB: `blobs/<h[0:2]>/<h[2:4]>/<h[4:64]>.bin`, h the SHA-256 of the URL. */
const BLOB_PATH = /^blobs\/[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f]{60}\.bin$/u;

/** O_NOFOLLOW (never through a link) and O_NONBLOCK (a FIFO must not block the open) where the platform has them. */
const OPEN_FLAGS = constants.O_RDONLY | ((constants as Partial<Record<string, number>>).O_NOFOLLOW ?? 0) | ((constants as Partial<Record<string, number>>).O_NONBLOCK ?? 0);

/** What reading a blob file gave: its bytes, or why there are none to take. */
export type BlobRead = { data: Buffer } | { problem: 'unsafeBlobPath' | 'blobMissing' | 'blobDamaged' | 'tooLarge' };

/**
 * Reads one of whats-now-playing's blob files, read-only, and checks it against what its row
 * says: the size, and the SHA-256 when the row has one. whats-now-playing rewrites a blob in
 * place when it downloads the URL again, so a read that does not match is tried once more a
 * moment later before the blob counts as damaged. The path must be whats-now-playing's own
 * layout (its Windows separators accepted): anything else could lead out of its directory.
 */
export async function readWnpBlob(wnpDirectory: string, filePath: string, expected: { size: number; checksum: string | null }, maxBytes: number): Promise<BlobRead> {
  const relative = filePath.replaceAll('\\', '/');
  if (!BLOB_PATH.test(relative)) return { problem: 'unsafeBlobPath' };
  if (expected.size > maxBytes) return { problem: 'tooLarge' };
  for (let attempt = 0; ; attempt++) {
    const read = await readOnce(join(wnpDirectory, relative), maxBytes);
    if ('problem' in read) return read;
    const matches = read.data.length === expected.size && (expected.checksum === null || sha256(read.data) === expected.checksum.toLowerCase());
    if (matches) return read;
    if (attempt === 1) return { problem: 'blobDamaged' };
    await new Promise((resolve) => setTimeout(resolve, REREAD_DELAY_MS));
  }
}

const REREAD_DELAY_MS = 100;

async function readOnce(path: string, maxBytes: number): Promise<BlobRead> {
  let handle;
  try {
    handle = await open(path, OPEN_FLAGS);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { problem: code === 'ENOENT' ? 'blobMissing' : 'unsafeBlobPath' };
  }
  try {
    const details = await handle.stat();
    if (!details.isFile()) return { problem: 'unsafeBlobPath' };
    if (details.size > maxBytes) return { problem: 'tooLarge' };
    const data = Buffer.alloc(details.size);
    let filled = 0;
    while (filled < data.length) {
      const { bytesRead } = await handle.read(data, filled, data.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return { data: data.subarray(0, filled) };
  } finally {
    await handle.close();
  }
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
