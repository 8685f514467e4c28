import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runTypeScript, startTypeScript, type ChildResult } from '../helpers/child-process.js';
import { createMixxxLibrary } from '../helpers/dj-databases.js';
import { startFakeMusicServices, type FakeMusicServices } from '../helpers/fake-music-services.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/libraries/${name}`, import.meta.url));
const cli = '../../src/cli/main.ts';

function environment(cacheDir: string): NodeJS.ProcessEnv {
  return { ...process.env, DATACACHE_DIR: cacheDir, DATACACHE_USER_AGENT: 'datacache-tests/1.0 ( tests@example.org )' };
}

function datacache(cacheDir: string, args: string[], extra: Record<string, string> = {}, timeoutMs = 60_000): Promise<ChildResult> {
  return runTypeScript(cli, args, { env: { ...environment(cacheDir), ...extra }, timeoutMs });
}

/** Runs `body` while a `datacache worker` serves the cache, then stops the worker. */
async function withWorker<T>(cacheDir: string, body: () => Promise<T>): Promise<T> {
  const worker = startTypeScript(cli, ['worker'], { env: environment(cacheDir) });
  await worker.printed('worker started');
  try {
    return await body();
  } finally {
    worker.kill('SIGINT');
    await worker.exited;
  }
}

/** A cache directory whose config.json sends every service to the fake ones, without rate limits. */
async function cacheFor(services: FakeMusicServices, settings: Record<string, unknown> = {}): Promise<string> {
  const cacheDir = await temporaryDirectory();
  const unlimited = Object.fromEntries(Object.entries(services.providers()).map(([name, provider]) => [name, { ...provider, ratePerSecond: 'unlimited' }]));
  await writeFile(join(cacheDir, 'config.json'), JSON.stringify({ ...settings, providers: unlimited }));
  return cacheDir;
}

describe('datacache precache', () => {
  it('lists what it would pre-cache with --dry-run, and refuses a file that is no library', async () => {
    const cacheDir = await temporaryDirectory();
    const dryRun = await datacache(cacheDir, ['precache', fixture('rekordbox.xml'), '--dry-run']);
    expect(dryRun.code).toBe(0);
    expect(dryRun.stdout.trim().split('\n')).toEqual(['Simon & Garfunkel  (or: Simon | Garfunkel)', 'Röyksopp', 'Beyonce', 'Jay-Z', 'Earth, Wind & Fire  (or: Earth | Wind | Fire)', 'DAFT PUNK']);
    const feed = join(cacheDir, 'feed.xml');
    await writeFile(feed, '<rss version="2.0"/>');
    const refused = await datacache(cacheDir, ['precache', feed]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/feed\.xml: an XML file with root element <rss>/);
    const badOption = await datacache(cacheDir, ['precache', fixture('artists.txt'), '--images', 'posters=2']);
    expect(badOption.code).toBe(2);
    expect(badOption.stderr).toMatch(/the types are thumbnail, logo, banner, fanart/);
  }, 60_000);

  it('does the work itself with --work, in plain lines when not on a terminal', async () => {
    const services = await startFakeMusicServices();
    const cacheDir = await cacheFor(services);
    const result = await datacache(cacheDir, ['precache', fixture('collection.nml'), '--work', '--images', 'fanart=2']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/collection\.nml: 6 tracks with an artist, 4 artists/);
    expect(result.stderr).toMatch(/^precache: \d+\/\d+ artists .* ETA /m);
    expect(result.stderr).not.toContain('\u001b['); // no terminal control codes in a pipe
    expect(result.stdout).toMatch(/^done: 6\/6 artists \(5 found, 0 not found, 0 failed\), (\d+) images queued, \1 fetched, 0 failed$/m);
    expect(services.counts()).toMatchObject({ musicbrainz: 6, theaudiodb: 5, fanarttv: 0 });
    const image = await datacache(cacheDir, ['image', 'random', 'björk', '--type', 'fanart', '--json']);
    expect(JSON.parse(image.stdout)).toMatchObject({ mimeType: 'image/png' });
  }, 60_000);

  it('stops on Ctrl-C with exit code 130, and the next run goes on without asking anything twice', async () => {
    const services = await startFakeMusicServices();
    const cacheDir = await cacheFor(services);
    // No worker runs: the searches stay queued until the run is stopped.
    const waiting = startTypeScript(cli, ['precache', fixture('artists.txt'), '--follow'], { env: environment(cacheDir) });
    await waiting.printed('precache: 0/4 artists');
    waiting.kill('SIGINT');
    const stopped = await waiting.exited;
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stdout).toMatch(/^interrupted: 0\/4 artists/m);
    expect(stopped.stderr).toMatch(/run the same command again/);
    expect(services.counts().musicbrainz).toBe(0);
    const queue = await datacache(cacheDir, ['queue', 'list', '--json']);
    expect((JSON.parse(queue.stdout) as unknown[]).length).toBe(4);

    const resumed = await datacache(cacheDir, ['precache', fixture('artists.txt'), '--work']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/^done: 6\/6 artists \(5 found/m);
    const paths = services.server.requests.map((request) => request.path);
    expect(new Set(paths).size).toBe(paths.length);
  }, 60_000);

  it('queues every chain and exits at once; a worker started afterwards, and killed mid-chain, leaves the rest to another that finishes every chain', async () => {
    const services = await startFakeMusicServices();
    const cacheDir = await cacheFor(services);
    const queued = await datacache(cacheDir, ['precache', fixture('collection.nml')]);
    expect(queued.code, queued.stderr).toBe(0);
    expect(queued.stdout).toMatch(/^queued \d+ artists; any worker on this cache carries them on/m);
    expect(services.counts().musicbrainz).toBe(0);
    // A worker takes the chains a little way, and is killed as a crash would.
    // A short lease: the killed worker's claims pass to the next worker after 3 s, not the default 60.
    const first = startTypeScript(cli, ['worker', '--lease', '3'], { env: environment(cacheDir) });
    await first.printed('worker started');
    await expect.poll(() => services.counts().musicbrainz, { timeout: 30_000 }).toBeGreaterThan(0);
    first.kill('SIGKILL');
    await first.exited;
    // Another worker carries every chain to its end: the follow-up run then finds nothing to do.
    await withWorker(cacheDir, async () => {
      const followed = await datacache(cacheDir, ['precache', fixture('collection.nml'), '--follow', '--json'], {}, 150_000);
      expect(followed.code, followed.stderr).toBe(0);
      const report = JSON.parse(followed.stdout) as { artistsDone: number; artists: number; matched: number; failed: number };
      expect(report).toMatchObject({ artistsDone: report.artists, matched: 5, failed: 0 });
      await expect.poll(() => services.counts().images, { timeout: 30_000 }).toBeGreaterThan(0);
      const paths = services.server.requests.map((request) => request.path);
      // At-least-once under SIGKILL: a request the killed worker was making may be made again; nothing more.
      expect(paths.length - new Set(paths).size).toBeLessThanOrEqual(3);
    });
  }, 180_000);

  it('with no library given, reads every library found in the usual places, the artists played most first', async () => {
    const services = await startFakeMusicServices();
    const cacheDir = await cacheFor(services);
    const home = await temporaryDirectory();
    await mkdir(join(home, '.mixxx'), { recursive: true });
    createMixxxLibrary(join(home, '.mixxx', 'mixxxdb.sqlite'), [
      { artist: 'Björk', playCount: 1, lastPlayedAt: 1_700_000_000_000 },
      { artist: 'Daft Punk', playCount: 9, lastPlayedAt: 1_600_000_000_000 },
      { artist: 'Röyksopp', playCount: 1, lastPlayedAt: 1_750_000_000_000 },
      { artist: 'Sigur Rós' },
    ]);
    const dryRun = await datacache(cacheDir, ['precache', '--dry-run'], { HOME: home });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    expect(dryRun.stderr).toMatch(/found 1 libraries: mixxx collection .*mixxxdb\.sqlite/);
    expect(dryRun.stdout.trim().split('\n')).toEqual(['Daft Punk  [9 plays]', 'Röyksopp  [1 play]', 'Björk  [1 play]', 'Sigur Rós']);
    const nothing = await datacache(cacheDir, ['precache'], { HOME: await temporaryDirectory() });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/no library given, and none found in the usual places/);
  }, 60_000);

  it('`datacache warm` fetches an expected artist whole, search to images, now; --queue leaves it to a worker', async () => {
    const services = await startFakeMusicServices();
    const cacheDir = await cacheFor(services);
    const warmed = await datacache(cacheDir, ['warm', 'Björk', '--json']);
    expect(warmed.code, warmed.stderr).toBe(0);
    const [report] = JSON.parse(warmed.stdout) as { artist: string; fetched: number; failed: number }[];
    // The search, TheAudioDB's lookup, and its thumbnail, logo, banner and 3 fanart (fanart.tv needs a key).
    expect(report).toEqual({ artist: 'Björk', fetched: 8, failed: 0, queued: false });
    expect(services.counts().images).toBe(6);
    const queued = await datacache(cacheDir, ['warm', 'Röyksopp', '--queue']);
    expect(queued.stdout).toBe('Röyksopp: queued\n');
    const list = await datacache(cacheDir, ['queue', 'list', '--json']);
    expect((JSON.parse(list.stdout) as { url: string; state: string }[]).filter((job) => job.state === 'pending').map((job) => job.url)).toEqual([expect.stringMatching(/query=R%C3%B6yksopp/)]);
  }, 60_000);

  it('leaves the fetching to a running `datacache worker` in another process', async () => {
    const services = await startFakeMusicServices();
    const cacheDir = await cacheFor(services);
    await withWorker(cacheDir, async () => {
      const result = await datacache(cacheDir, ['precache', fixture('playlist.m3u8'), '--follow', '--json']);
      expect(result.code, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout) as { matched: number; imagesQueued: number; imagesFetched: number };
      expect(report).toMatchObject({ matched: 4, imagesFetched: 0 });
      // The worker fetches the queued images.
      await expect.poll(() => services.counts().images, { timeout: 20_000 }).toBe(report.imagesQueued);
    });
  }, 60_000);

  it('exits 3 and says why when every request fails (a mirror refusing connections), and the next run tries them again', async () => {
    const services = await startFakeMusicServices();
    // Each search is tried 3 times, 0.2 s then 0.4 s apart (config.json's jobRetries; the default
    // of 5 tries from 2 s on takes 15-30 s), before it fails for good.
    const cacheDir = await cacheFor(services, { jobRetries: { attempts: 3, firstDelayMs: 200 } });
    const refused = await datacache(cacheDir, ['precache', fixture('artists.txt'), '--work'], { DATACACHE_MUSICBRAINZ_URL: 'http://127.0.0.1:9' }, 150_000);
    // The setting took: each failed search was tried exactly 3 times (not the default 5).
    const failed = JSON.parse((await datacache(cacheDir, ['queue', 'list', '--state', 'failed', '--json'])).stdout) as { attempts: number }[];
    expect(failed).toHaveLength(4);
    expect(failed.map((job) => job.attempts)).toEqual([3, 3, 3, 3]);
    expect(refused.code, refused.stderr).toBe(3);
    expect(refused.stdout).toMatch(/^done: 4\/4 artists \(0 found, 0 not found, 4 failed\)/mu);
    expect(refused.stderr).toMatch(/^4 failed: musicbrainz: connect ECONNREFUSED 127\.0\.0\.1:9 \(4\); run the same command again to try them again$/mu);
    const again = await datacache(cacheDir, ['precache', fixture('artists.txt'), '--work']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/^done: 6\/6 artists \(5 found, 0 not found, 0 failed\)/mu);
    expect(again.stderr).not.toMatch(/failed:/u);
  }, 240_000);

  it('exits 3 when some artists failed, naming each reason with its count; an artist MusicBrainz does not know is no failure', async () => {
    const services = await startFakeMusicServices();
    const answer = services.server.fallback!;
    services.server.fallback = (request, response) => {
      // MusicBrainz turns away the search for Röyksopp.
      if (request.url?.startsWith('/ws/2/artist?') === true && new URL(request.url, 'http://x').searchParams.get('query')?.normalize('NFC') === 'Röyksopp') response.writeHead(403).end('forbidden');
      else answer(request, response);
    };
    const cacheDir = await cacheFor(services);
    const result = await datacache(cacheDir, ['precache', fixture('database.xml'), '--work']);
    expect(result.code, result.stderr).toBe(3);
    expect(result.stdout).toMatch(/^done: 3\/3 artists \(1 found, 1 not found, 1 failed\)/mu);
    expect(result.stderr).toMatch(/^1 failed: musicbrainz: HTTP 403 \(1\); run the same command again to try them again$/mu);
    const json = await datacache(cacheDir, ['precache', fixture('database.xml'), '--work', '--json']);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.stdout)).toMatchObject({ failed: 1, notFound: 1, failureReasons: [{ provider: 'musicbrainz', reason: 'answered HTTP 403', artists: 1 }] });
  }, 120_000);
});
