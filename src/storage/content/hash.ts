import { createHash } from 'node:crypto';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';

/**
 * Bytes hashed per turn of the event loop: about half a millisecond of SHA-256 on this
 * project's machine (1.1 ms per MiB; no SHA instructions), so hashing a 25 MB image lets
 * timers and I/O in between its slices instead of holding the loop for 28 ms.
 */
export const HASH_SLICE_BYTES = 512 * 1024;

/**
 * Lower-case hex SHA-256 of `data`, without copying it. Up to `HASH_SLICE_BYTES` in one
 * synchronous update; larger values one slice (a view, not a copy) per turn of the event loop.
 * WebCrypto, used before, copied the whole input on the event loop first (a 25 MB memcpy).
 * The caller must not change `data` until the promise settles.
 */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  const hash = createHash('sha256');
  for (let offset = 0; offset < data.byteLength; offset += HASH_SLICE_BYTES) {
    if (offset > 0) await yieldToEventLoop();
    hash.update(data.subarray(offset, offset + HASH_SLICE_BYTES));
  }
  return hash.digest('hex');
}
