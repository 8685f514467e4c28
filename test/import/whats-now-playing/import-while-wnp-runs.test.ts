import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importWnpCacheInto } from '../../../src/index.js';
import { rewrittenImage, WNP_ARTISTS, writeWnpCache } from '../../fixtures/wnp/wnp-cache.js';
import { WnpLikeStore } from '../../fixtures/wnp/wnp-store.js';
import { startTypeScript } from '../../helpers/child-process.js';
import { makeTestProviders } from '../../helpers/providers.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';

function readWithWnp<T>(wnpDir: string, read: (store: WnpLikeStore) => T): T {
  const store = new WnpLikeStore(wnpDir);
  try {
    return read(store);
  } finally {
    store.close();
  }
}

describe('importing while whats-now-playing uses its cache', () => {
  it('reads it live without disturbing it: every write and read of the running app works during and after, and a second run brings the new rows', async () => {
    const wnpDir = await temporaryDirectory('wnp-live-');
    await writeWnpCache(wnpDir);
    const daft = WNP_ARTISTS[0]!;
    const rewrittenUrl = `https://assets.fanart.tv/fanart/music/${daft.mbid}/artistbackground/daftpunk-1.jpg`;
    const original = readWithWnp(wnpDir, (store) => store.retrieve(rewrittenUrl)!);
    const writer = startTypeScript('../fixtures/wnp/live-wnp-writer.ts', [wnpDir, rewrittenUrl]);
    try {
      await writer.printed('writing');
      const { providers } = await makeTestProviders();
      const first = await importWnpCacheInto(providers, { from: wnpDir });
      expect(first.readMode).toBe('live');
      // Whatever moment it was read at, the re-downloaded image is one whole version, never a mix.
      const entry = await providers.client.storage.retrieveByUrl(rewrittenUrl);
      if (entry === null) expect(first.entries.skipped.blobDamaged).toBeGreaterThanOrEqual(1);
      else {
        const versions = [original, ...Array.from({ length: 256 }, (_, version) => rewrittenImage(version))];
        expect(versions.map((data) => createHash('sha256').update(data).digest('hex'))).toContain(entry.checksum);
      }
      // datacache's maintenance works in its own directory only: whats-now-playing's blobs stay.
      const blobsBefore = (await readdir(join(wnpDir, 'blobs'), { recursive: true })).length;
      await providers.client.storage.runMaintenance();
      await new Promise((resolve) => setTimeout(resolve, 300));
      writer.kill('SIGTERM');
      const result = await writer.exited;
      const summary = JSON.parse(result.stdout.trim().split('\n').pop()!) as { stored: number; rewrites: number; errors: string[] };
      expect(summary.errors).toEqual([]);
      expect(summary.stored).toBeGreaterThan(0);
      expect((await readdir(join(wnpDir, 'blobs'), { recursive: true })).length).toBeGreaterThanOrEqual(blobsBefore);
      const liveRows = readWithWnp(wnpDir, (store) => store.database.prepare("SELECT count(*) FROM cached_data WHERE url LIKE '%/music/live/%'").pluck().get());
      expect(liveRows).toBe(summary.stored);

      // The second run takes only what whats-now-playing wrote since the first.
      const second = await importWnpCacheInto(providers, { from: wnpDir });
      const live = (await providers.client.storage.retrieveByIdentifier({ identifier: 'daft punk', dataType: 'fanart' })).filter((row) => row.url.includes('/music/live/'));
      expect(live).toHaveLength(summary.stored);
      expect(second.entries.imported).toBeGreaterThanOrEqual(1); // it went on writing after the first run
      expect(second.entries.imported).toBeLessThanOrEqual(summary.stored + 1); // and the rewritten image, if it was mid-write then
      const third = await importWnpCacheInto(providers, { from: wnpDir });
      expect(third.entries.imported).toBe(0);
      expect(third.readMode).toBe('snapshot');
    } finally {
      writer.kill('SIGKILL');
    }
  });
});
