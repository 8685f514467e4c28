import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/**
 * Where blob files live inside the cache directory:
 * `blobs/<2 hex>/<2 hex>/<sha256>-<12 random hex>`, spread over 65,536 folders by the
 * content hash. The random suffix gives every store its own file, so a file is never
 * rewritten in place, two processes storing one URL never write the same path, and a file
 * can be deleted once the row that named it is gone.
 */
export const BLOB_DIRECTORY = 'blobs';
export const TEMPORARY_DIRECTORY = 'blobs/tmp';

// Our names (`<sha256>-<random>`), whats-now-playing's (`<hash>.bin`), and temporary files.
const safeBlobPath = /^blobs\/(?:[0-9a-f]{2}\/[0-9a-f]{2}\/[0-9a-f][0-9a-f-]{0,100}(?:\.bin)?|tmp\/[0-9a-f]{16}\.tmp)$/;

/** A fresh, unique relative path for content with this checksum. */
export function newBlobPath(checksum: string): string {
  return `${BLOB_DIRECTORY}/${checksum.slice(0, 2)}/${checksum.slice(2, 4)}/${checksum}-${randomBytes(6).toString('hex')}`;
}

/** A unique temporary file to write into before the rename. */
export function newTemporaryPath(cacheDirectory: string): string {
  return join(cacheDirectory, TEMPORARY_DIRECTORY, `${randomBytes(8).toString('hex')}.tmp`);
}

/**
 * The absolute path of a relative blob (or temporary file) path, or undefined when it is
 * not a plain blob path: a damaged or hand-edited row can never make us touch a file outside
 * the blob directory.
 */
export function resolveBlobPath(cacheDirectory: string, relativePath: string): string | undefined {
  return safeBlobPath.test(relativePath) ? join(cacheDirectory, relativePath) : undefined;
}
