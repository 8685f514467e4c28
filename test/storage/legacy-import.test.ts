import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../src/clock.js';
import { DataStorage, type Logger } from '../../src/index.js';
import { legacyNow, writeLegacyCache } from '../fixtures/whats-now-playing-cache.js';
import { closeAfterTest } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

/**
 * Cache keys, URLs and MIME types end up in HTTP headers and request lines; a legacy row
 * carrying CR, LF, NUL or any other control character there could split a header later.
 */
const farFuture = 4_102_444_800;

function addLegacyRows(cacheDir: string, rows: { url: string; cachekey: string; mime_type: string | null; provider?: string; data_type?: string }[]): void {
  const database = new Database(join(cacheDir, 'datacache.sqlite'));
  const insert = database.prepare(`INSERT INTO cached_data (url, cachekey, identifier, data_type, provider, data_value, file_path,
    metadata, created_at, expires_at, access_count, last_accessed, data_size, status_code, mime_type, content_checksum)
    VALUES (@url, @cachekey, 'daftpunk', @data_type, @provider, @data_value, NULL, NULL, @now, @expires, 1, @now, 2, 200, @mime_type, NULL)`);
  for (const row of rows) {
    insert.run({ provider: 'theaudiodb', data_type: 'api_response', ...row, data_value: Buffer.from('{}'), now: legacyNow, expires: farFuture });
  }
  database.close();
}

describe('importing a whats-now-playing cache', () => {
  it('skips rows whose URL, cache key, provider or data type hold control characters, clears such MIME types, and counts both', async () => {
    const cacheDir = await temporaryDirectory();
    await writeLegacyCache(cacheDir);
    addLegacyRows(cacheDir, [
      { url: 'https://example.org/crlf-key', cachekey: 'key\r\nSet-Cookie: stolen=1', mime_type: 'application/json' },
      { url: 'https://example.org/nul-key', cachekey: 'key\u0000tail', mime_type: null },
      { url: 'https://example.org/split\r\nHost: evil.example', cachekey: 'aaaaaaaa-0000-4000-8000-000000000001', mime_type: null },
      { url: 'https://example.org/bad-provider', cachekey: 'aaaaaaaa-0000-4000-8000-000000000002', mime_type: null, provider: 'cdn\n' },
      { url: 'https://example.org/bad-type', cachekey: 'aaaaaaaa-0000-4000-8000-000000000003', mime_type: null, data_type: 'api\u0007' },
      { url: 'https://example.org/bad-mime', cachekey: 'aaaaaaaa-0000-4000-8000-000000000004', mime_type: 'image/png\r\nX-Injected: 1' },
      { url: 'https://example.org/tab-mime', cachekey: 'aaaaaaaa-0000-4000-8000-000000000005', mime_type: 'text/plain;\tcharset=utf-8' },
      { url: 'https://example.org/clean', cachekey: 'aaaaaaaa-0000-4000-8000-000000000006', mime_type: 'application/json; charset=utf-8' },
    ]);
    const infos: { message: string; details: Record<string, unknown> | undefined }[] = [];
    const ignore = (): void => undefined;
    const logger: Logger = { debug: ignore, warn: ignore, error: ignore, info: (message, details) => infos.push({ message, details }) };
    const clock = new ManualClock(legacyNow * 1000);
    const storage = closeAfterTest(await DataStorage.open({ cacheDir, clock, logger, maintenanceIntervalSeconds: 0 }));

    for (const url of ['https://example.org/crlf-key', 'https://example.org/nul-key', 'https://example.org/split\r\nHost: evil.example', 'https://example.org/bad-provider', 'https://example.org/bad-type']) {
      expect(await storage.retrieveByUrl(url), JSON.stringify(url)).toBeNull();
    }
    expect(await storage.retrieveByUrl('https://example.org/bad-mime')).toMatchObject({ mimeType: null, size: 2 });
    expect(await storage.retrieveByUrl('https://example.org/tab-mime')).toMatchObject({ mimeType: null });
    expect(await storage.retrieveByUrl('https://example.org/clean')).toMatchObject({ mimeType: 'application/json; charset=utf-8' });
    // The fixture's own rows: four kept, two dropped as before.
    expect((await storage.stats()).entries).toBe(4 + 3);

    const imported = infos.find((info) => info.message.includes('imported'));
    expect(imported?.details).toMatchObject({ imported: 7, skippedControlCharacters: 5, mimeTypesCleared: 2, skippedUnverifiable: 1, skippedUnsafePath: 1 });
  });
});
