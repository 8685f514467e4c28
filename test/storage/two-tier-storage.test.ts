import { afterEach, describe, expect, it } from 'vitest';
import { DataStorage, InvalidArgumentError, type DataStorageOptions, type Logger } from '../../src/index.js';
import { png } from '../helpers/images.js';
import { freshSchema, ownPostgres, postgresForTests } from '../helpers/postgres.js';
import { request } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const postgres = postgresForTests();
const opened: DataStorage[] = [];
afterEach(async () => {
  await Promise.all(opened.splice(0).map((storage) => storage.close()));
});

/** A "machine": its own cache directory, the shared tier in common. */
async function machine(shared: string, options: Partial<DataStorageOptions> = {}): Promise<DataStorage> {
  const storage = await DataStorage.open({ cacheDir: await temporaryDirectory(), maintenanceIntervalSeconds: 0, shared, ...options });
  opened.push(storage);
  return storage;
}

async function eventually<T>(look: () => Promise<T>, done: (value: T) => boolean, what: string, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await look();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const line = (message: string, details?: Record<string, unknown>): void => {
    lines.push(`${message} ${JSON.stringify(details ?? {})}`);
  };
  return { lines, debug: line, info: line, warn: line, error: line };
}

describe.skipIf(postgres === undefined)('two tiers: each machine its own cache, PostgreSQL shared', () => {
  it('serves an entry stored on one machine on another, with the same cache key, and keeps it locally after', async () => {
    const { sharedUrl } = await freshSchema();
    const studioA = await machine(sharedUrl);
    const studioB = await machine(sharedUrl);
    const stored = await studioA.store(request({ url: 'https://musicbrainz.org/ws/2/artist/x', value: { name: 'Daft Punk' } }));
    const seen = await studioB.retrieveByUrl('https://musicbrainz.org/ws/2/artist/x');
    expect(seen!.json()).toEqual({ name: 'Daft Punk' });
    expect(seen!.cachekey).toBe(stored.cachekey);
    expect((await studioB.retrieveByCachekey(stored.cachekey))!.json()).toEqual({ name: 'Daft Punk' });
    // B keeps a copy (written in the background): its own database has the row.
    await studioB.idle();
    expect((await studioB.stats()).entries).toBe(1);
  });

  it('hands out random images and lists an artist across both tiers', async () => {
    const { sharedUrl } = await freshSchema();
    const studioA = await machine(sharedUrl);
    const studioB = await machine(sharedUrl);
    for (let index = 0; index < 4; index++) {
      await studioA.store(request({ url: `https://cdn.example/a-${index}.png`, identifier: 'daft punk', dataType: 'fanart', provider: 'cdn', value: png(4 + index, 4) }));
    }
    await studioB.store(request({ url: 'https://cdn.example/b.png', identifier: 'daft punk', dataType: 'fanart', provider: 'cdn', value: png(9, 9) }));
    const listed = await studioB.retrieveByIdentifier({ identifier: 'daft punk', dataType: 'fanart' });
    expect(listed.map((summary) => summary.url).sort()).toEqual([...[0, 1, 2, 3].map((index) => `https://cdn.example/a-${index}.png`), 'https://cdn.example/b.png'].sort());
    const drawn = new Set<string>();
    for (let draw = 0; draw < 60; draw++) drawn.add((await studioB.retrieveRandom({ identifier: 'daft punk', dataType: 'fanart' }))!.url);
    expect(drawn.size).toBe(5);
    expect((await studioB.listIdentifiers({ dataTypes: ['fanart'] }))[0]).toMatchObject({ identifier: 'daft punk', dataType: 'fanart', entries: 5 });
  });

  it('honours a purge made on one machine on every machine within seconds, their own copies included', async () => {
    const { sharedUrl } = await freshSchema();
    const studioA = await machine(sharedUrl);
    const studioB = await machine(sharedUrl);
    await studioA.store(request({ url: 'https://api.example/1', provider: 'theaudiodb' }));
    await studioA.store(request({ url: 'https://api.example/2', provider: 'lastfm' }));
    expect(await studioB.retrieveByUrl('https://api.example/1')).not.toBeNull(); // B holds a copy now
    expect(await studioA.purge({ provider: 'theaudiodb' })).toBe(1);
    await eventually(() => studioB.retrieveByUrl('https://api.example/1'), (entry) => entry === null, 'B to forget the purged entry', 15_000);
    expect(await studioB.retrieveByUrl('https://api.example/2')).not.toBeNull();
    await studioB.delete('https://api.example/2');
    await eventually(() => studioA.retrieveByUrl('https://api.example/2'), (entry) => entry === null, 'A to forget the deleted entry', 15_000);
  });

  it('never keeps a copy of a purged entry on a machine that read it while the purge ran', async () => {
    const { sharedUrl } = await freshSchema();
    const studioA = await machine(sharedUrl);
    const studioB = await machine(sharedUrl);
    for (let round = 0; round < 20; round++) {
      const url = `https://api.example/race-${round}`;
      await studioA.store(request({ url, provider: 'theaudiodb', value: Buffer.alloc(2_000_000, round) }));
      // B reads it (its copy is written in the background) while A purges it everywhere.
      await Promise.all([studioB.retrieveByUrl(url), studioA.purge({ provider: 'theaudiodb' })]);
    }
    await eventually(async () => (await studioB.stats()).entries, (entries) => entries === 0, "B's copies of the purged entries to go", 15_000);
    await studioB.idle();
    expect((await studioB.stats()).entries).toBe(0);
    for (let round = 0; round < 20; round++) expect(await studioB.retrieveByUrl(`https://api.example/race-${round}`)).toBeNull();
  });

  it('keeps the shared tier within its own budget, and shows both tiers and the machines in stats', async () => {
    const { sharedUrl } = await freshSchema();
    const studioA = await machine(sharedUrl, { sharedMaxSizeBytes: 100_000 });
    const studioB = await machine(sharedUrl, { sharedMaxSizeBytes: 100_000 });
    for (let index = 0; index < 10; index++) await studioA.store(request({ url: `https://cdn.example/${index}.bin`, value: Buffer.alloc(20_000, index) }));
    const stats = await studioB.stats();
    expect(stats.shared).toMatchObject({ available: true, fault: null });
    expect(stats.shared!.bytes).toBeLessThanOrEqual(100_000);
    expect(stats.shared!.entries).toBeLessThan(10);
    expect(stats.shared!.machines.length).toBe(2);
    expect(JSON.stringify(stats)).not.toContain('datacache-secret-pw');
  });

  it('refuses a malformed connection string naming the option, and reports a wrong password naming the server, never the password', async () => {
    await expect(DataStorage.open({ cacheDir: await temporaryDirectory(), shared: 'mysql://x' })).rejects.toThrow(InvalidArgumentError);
    await expect(DataStorage.open({ cacheDir: await temporaryDirectory(), shared: 'postgres://x/y?schema=Bad-Name' })).rejects.toThrow(/shared \(\?schema=\)/);
    const logger = recordingLogger();
    const wrong = postgres!.url.replace('datacache-secret-pw', 'not-the-password');
    const storage = await machine(wrong, { logger });
    expect(await storage.store(request())).toMatchObject({ url: 'https://example.org/artist/1' }); // the local tier works
    const stats = await storage.stats();
    expect(stats.shared!.available).toBe(false);
    expect(stats.shared!.fault).toMatch(new RegExp(`datacache@127\\.0\\.0\\.1:${postgres!.port}/datacache`));
    expect(stats.shared!.fault).toMatch(/password authentication failed/);
    expect(JSON.stringify(stats) + logger.lines.join('\n')).not.toContain('not-the-password');
    expect(logger.lines.filter((line) => line.includes('cannot be used'))).toHaveLength(1);
  });
});

describe.skipIf(postgres === undefined)('two tiers when PostgreSQL goes away', () => {
  const server = ownPostgres();

  it('keep answering from each machine, report it once, and share again (with what was stored meanwhile) once it is back', async () => {
    const { sharedUrl } = await freshSchema({ url: server().url });
    const logger = recordingLogger();
    const studioA = await machine(sharedUrl, { logger });
    const studioB = await machine(sharedUrl);
    await studioA.store(request({ url: 'https://api.example/before' }));
    await server().stop('fast');
    // Stores and reads go on, each machine on its own.
    await studioA.store(request({ url: 'https://api.example/during' }));
    expect(await studioA.retrieveByUrl('https://api.example/before')).not.toBeNull();
    expect(await studioA.retrieveByUrl('https://api.example/during')).not.toBeNull();
    expect(await studioB.retrieveByUrl('https://api.example/during')).toBeNull();
    await studioA.store(request({ url: 'https://api.example/during-2' }));
    expect(logger.lines.filter((line) => line.includes('cannot be used'))).toHaveLength(1);
    await server().start();
    // Back within 15 s, and what A stored meanwhile is written back for B.
    const started = Date.now();
    const entry = await eventually(() => studioB.retrieveByUrl('https://api.example/during'), (found) => found !== null, 'B to get what A stored during the outage', 40_000);
    expect(entry).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(logger.lines.some((line) => line.includes('is back'))).toBe(true);
  }, 90_000);
});
