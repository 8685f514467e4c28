import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sha256Hex } from '../../../src/storage/content/hash.js';
import { openTestStorage, request } from '../../helpers/storage.js';

const MIB = 1024 * 1024;

function expected(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

describe('sha256Hex', () => {
  it('matches a one-shot SHA-256 at every size around the slice boundaries', async () => {
    const data = randomBytes(3 * MIB + 7);
    for (const size of [0, 1, 255 * 1024, 256 * 1024, 512 * 1024 - 1, 512 * 1024, 512 * 1024 + 1, MIB - 1, MIB, MIB + 1, 2 * MIB + 3, data.length]) {
      const slice = data.subarray(0, size);
      expect(await sha256Hex(slice), `${size} bytes`).toBe(expected(slice));
    }
  });

  it('hashes a view into a larger buffer, not the buffer around it', async () => {
    const whole = randomBytes(4 * MIB);
    const view = new Uint8Array(whole.buffer, whole.byteOffset + 1000, 3 * MIB);
    expect(await sha256Hex(view)).toBe(expected(view));
  });

  it('does not copy its input', async () => {
    const data = Buffer.alloc(64 * MIB, 0x5a);
    const before = process.memoryUsage().rss;
    const hashing = sha256Hex(data);
    const grown = process.memoryUsage().rss - before;
    expect(await hashing).toBe(expected(data));
    // A copy would have touched 64 MiB of fresh pages before the call returned.
    expect(grown).toBeLessThan(16 * MIB);
  });

  it('lets other callbacks run while it hashes a large value', async () => {
    let turns = 0;
    let spinning = true;
    const spin = (): void => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const data = randomBytes(8 * MIB);
    const digest = await sha256Hex(data);
    spinning = false;
    expect(digest).toBe(expected(data));
    expect(turns).toBeGreaterThan(1);
  });
});

describe('a 25 MB value', () => {
  it('round-trips byte for byte with its SHA-256 as checksum', async () => {
    const { storage } = await openTestStorage({ memoryCacheBytes: 0 });
    const value = randomBytes(25 * 1000 * 1000);
    const stored = await storage.store(request({ url: 'https://images.example/huge.png', dataType: 'fanart', value }));
    expect(stored.checksum).toBe(expected(value));
    const read = await storage.retrieveByUrl('https://images.example/huge.png');
    expect(read!.checksum).toBe(expected(value));
    expect(read!.data.equals(value)).toBe(true);
  });
});
