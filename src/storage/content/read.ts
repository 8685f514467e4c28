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
 * Uses open/read/close with a buffer of the known size (one read, no stat), which is
 * measurably faster than `fs.promises.readFile` on the hit path.
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

/** Reads the whole file, failing with code EWRONGSIZE unless it is exactly `size` bytes long. */
function readExactly(path: string, size: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    open(path, 'r', (openError, descriptor) => {
      if (openError) {
        reject(openError);
        return;
      }
      // One byte more than expected, to notice a file that is too long.
      const buffer = Buffer.allocUnsafe(size + 1);
      let filled = 0;
      const finish = (error: Error | null): void => {
        close(descriptor, () => {
          if (error) reject(error);
          else resolve(buffer.subarray(0, size));
        });
      };
      const readMore = (): void => {
        read(descriptor, buffer, filled, buffer.length - filled, filled, (readError, bytesRead) => {
          filled += bytesRead;
          if (readError) {
            finish(readError);
          } else if (filled > size || (bytesRead === 0 && filled < size)) {
            const found = filled > size ? 'more' : String(filled);
            finish(Object.assign(new Error(`expected ${size} bytes, found ${found}`), { code: 'EWRONGSIZE' }));
          } else if (bytesRead === 0) {
            finish(null);
          } else {
            readMore();
          }
        });
      };
      readMore();
    });
  });
}
