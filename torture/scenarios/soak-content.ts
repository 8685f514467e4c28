import { createHash } from 'node:crypto';
import { encodePng } from '../../support/png.js';

/**
 * What the soak origin serves for a path, decided by the path alone, so every process can
 * check any answer it gets byte for byte: a PNG whose pixels come from the path's hash for
 * images, a 2 KB JSON document naming the path otherwise.
 */
export function soakContent(path: string): Buffer {
  const hash = createHash('sha256').update(path).digest();
  if (path.startsWith('/image/')) return encodePng(12, 12, (x, y) => [hash[(x + y) % 32]!, hash[(x * 3 + y) % 32]!, hash[(x + y * 5) % 32]!]);
  return Buffer.from(JSON.stringify({ path, hash: hash.toString('hex'), padding: 'x'.repeat(2000) }));
}
