import { close, open, read } from 'node:fs';
import { StorageReadError } from '../../errors.js';
import { sha256Hex } from './hash.js';

/** What reading a blob file found: its verified bytes, or why it cannot be used. */
export type BlobReadResult = { data: Buffer } | { problem: 'missing' | 'corrupt' };

/**
 * Reads a blob file and checks it against the size and SHA-256 its row recorded. A file that
 * is gone, shorter, longer or different is reported, never returned: wrong or truncated data
 * must not reach a caller. Other I/O failures (permissions, EIO) throw `StorageReadError`,
 * because they say nothing about the file's content and may pass.
 *
 * Two thread-pool round trips on the path to the answer (open, one read of size + 1 bytes;
 * the close is not waited for), where `fs.promises.readFile` takes four (open, stat, read,
 * close): each costs tens of microseconds.
 */
export async function readBlob(absolutePath: string, expectedSize: number, expectedChecksum: string): Promise<BlobReadResult> {
  let data: Buffer;
  try {
    data = await readExactly(absolutePath, expectedSize);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return { problem: 'missing' };
    if (code === 'EWRONGSIZE') return { problem: 'corrupt' };
    throw new StorageReadError(`Could not read the blob file ${absolutePath}`, error);
  }
  return (await sha256Hex(data)) === expectedChecksum ? { data } : { problem: 'corrupt' };
}

/**
 * Reads the whole file, failing with code EWRONGSIZE unless it is exactly `size` bytes long.
 * Asks for one byte more than expected: a regular file answers a read with fewer bytes than
 * asked only at its end, so getting exactly `size` bytes proves the length in one read.
 */
function readExactly(path: string, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openError, descriptor) => {
      if (openError) {
        reject(openError);
        return;
      }
      const buffer = Buffer.allocUnsafe(size + 1);
      read(descriptor, buffer, 0, size + 1, 0, (readError, bytesRead) => {
        close(descriptor, () => undefined);
        if (readError) reject(readError);
        else if (bytesRead !== size) {
          const found = bytesRead > size ? 'more' : String(bytesRead);
          reject(Object.assign(new Error(`expected ${size} bytes, found ${found}`), { code: 'EWRONGSIZE' }));
        } else resolve(buffer.subarray(0, size));
      });
    });
  });
}
