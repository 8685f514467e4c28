import { close, constants, fstatSync, open, read, type Stats } from 'node:fs';
import { StorageReadError } from '../../errors.js';
import { firstLinkedFolder, type VerifiedFolders } from './folders.js';
import { sha256Hex } from './hash.js';
import { resolveBlobPath } from './paths.js';
import type { VerifiedFiles } from './verified-files.js';

/** What reading a blob file found: its verified bytes, or why it cannot be used. */
export type BlobReadResult = { data: Buffer } | { problem: 'missing' | 'corrupt' };

/** An `open` flag this platform may not have (Windows has neither): 0 there. */
function platformFlag(name: 'O_NOFOLLOW' | 'O_NONBLOCK'): number {
  return (constants as Partial<Record<string, number>>)[name] ?? 0;
}

/**
 * Not through a link (the file must be the one in the cache directory), and without waiting:
 * opening a FIFO for reading otherwise blocks its thread-pool thread until a writer comes, and
 * four such opens stall every file operation of the process.
 */
const READ_FLAGS = constants.O_RDONLY | platformFlag('O_NOFOLLOW') | platformFlag('O_NONBLOCK');

/**
 * Why a path cannot be a blob file, beyond a wrong size: a link (ELOOP; EMLINK on FreeBSD), a
 * socket or a device without a reader (ENXIO, ENODEV), or something that is not a regular file.
 */
const NOT_A_BLOB_FILE = new Set(['ELOOP', 'EMLINK', 'ENXIO', 'ENODEV', 'ENOTREG', 'EWRONGSIZE']);

/**
 * Reads the blob file a row names (`relativePath`) and checks it against the size and SHA-256
 * the row recorded. A file that is gone, shorter, longer or different is reported, never
 * returned: wrong or truncated data must not reach a caller. So is anything that is not a
 * regular file in a real folder of the cache (a link, FIFO, socket, device or folder put in
 * its place, or a folder on the way that is a link), which is never read from; so is a path
 * that is not a plain blob path. Other I/O failures (permissions, EIO) throw
 * `StorageReadError`, because they say nothing about the file's content and may pass.
 *
 * Two thread-pool round trips on the path to the answer (open, one read of size + 1 bytes;
 * the fstat between them is synchronous and the close is not waited for), where
 * `fs.promises.readFile` takes four (open, stat, read, close): each costs tens of microseconds.
 */
export async function readBlob(
  cacheDirectory: string,
  relativePath: string,
  expectedSize: number,
  expectedChecksum: string,
  verifiedFolders: VerifiedFolders,
  verifiedFiles: VerifiedFiles,
): Promise<BlobReadResult> {
  const absolutePath = resolveBlobPath(cacheDirectory, relativePath);
  if (absolutePath === undefined) return { problem: 'corrupt' };
  let read: { data: Buffer; stats: Stats };
  try {
    if ((await firstLinkedFolder(cacheDirectory, relativePath, verifiedFolders)) !== undefined) return { problem: 'corrupt' };
    read = await readExactly(absolutePath, expectedSize);
  } catch (error) {
    verifiedFiles.forget(absolutePath);
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: 'missing' };
    if (code !== undefined && NOT_A_BLOB_FILE.has(code)) return { problem: 'corrupt' };
    throw new StorageReadError(`Could not read the blob file ${absolutePath}`, error);
  }
  const { data, stats } = read;
  // Checked once per file and process: the same file (inode, size, times) holds the same bytes.
  if (verifiedFiles.has(absolutePath, stats, expectedChecksum)) return { data };
  if ((await sha256Hex(data)) !== expectedChecksum) {
    verifiedFiles.forget(absolutePath);
    return { problem: 'corrupt' };
  }
  verifiedFiles.add(absolutePath, stats, expectedChecksum);
  return { data };
}

function codedError(code: string, message: string): NodeJS.ErrnoException {
  return Object.assign(new Error(message), { code });
}

/**
 * Reads the whole file (never through a link, never blocking on a FIFO), failing with code
 * ENOTREG unless it is a regular file and EWRONGSIZE unless it is exactly `size` bytes long.
 * The size is checked on the descriptor before any read, and the read asks for one byte more
 * than expected: a regular file answers a read with fewer bytes than asked only at its end, so
 * getting exactly `size` bytes proves the length.
 */
export function readExactly(path: string, size: number): Promise<{ data: Buffer; stats: Stats }> {
  return new Promise((resolve, reject) => {
    open(path, READ_FLAGS, (openError, descriptor) => {
      if (openError) {
        reject(openError);
        return;
      }
      const fail = (error: Error): void => {
        close(descriptor, () => undefined);
        reject(error);
      };
      let details: Stats;
      try {
        // On the event loop: an fstat of an open descriptor reads the inode the open just
        // loaded, with no I/O (SQLite does its own I/O in this directory synchronously anyway),
        // where a thread-pool round trip added 60-90 µs to every hit from disk.
        details = fstatSync(descriptor);
      } catch (statError) {
        fail(statError as Error);
        return;
      }
      if (!details.isFile()) {
        fail(codedError('ENOTREG', `${path} is not a regular file`));
        return;
      }
      if (details.size !== size) {
        fail(codedError('EWRONGSIZE', `expected ${size} bytes, found ${details.size}`));
        return;
      }
      const buffer = Buffer.allocUnsafe(size + 1);
      read(descriptor, buffer, 0, size + 1, 0, (readError, bytesRead) => {
        close(descriptor, () => undefined);
        if (readError) reject(readError);
        else if (bytesRead !== size) {
          const found = bytesRead > size ? 'more' : String(bytesRead);
          reject(codedError('EWRONGSIZE', `expected ${size} bytes, found ${found}`));
        } else resolve({ data: buffer.subarray(0, size), stats: details });
      });
    });
  });
}
