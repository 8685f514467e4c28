import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runTypeScript, startTypeScript, type ChildResult } from '../helpers/child-process.js';
import { startFakeMusicBrainz } from '../helpers/fake-musicbrainz.js';
import { startServer } from '../helpers/http-server.js';
import { encodedImage } from '../helpers/images.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const version = (JSON.parse(await readFile(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

/** Runs `datacache …` as a child process with the cache in `cacheDir` and extra environment. */
function datacache(cacheDir: string, args: string[], environment: Record<string, string> = {}): Promise<ChildResult> {
  return runTypeScript('../../src/cli/main.ts', args, {
    env: { ...process.env, DATACACHE_DIR: cacheDir, DATACACHE_USER_AGENT: 'datacache-tests/1.0 ( tests@example.org )', ...environment },
    timeoutMs: 30_000,
  });
}

describe('the datacache command', () => {
  it('prints its version and help, and exits 2 on bad arguments with a message saying what is wrong', async () => {
    const cacheDir = await temporaryDirectory();
    expect((await datacache(cacheDir, ['--version'])).stdout.trim()).toBe(version);
    const help = await datacache(cacheDir, ['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/search \[options\] <entity> <query\.\.\.>/);
    expect(help.stdout).toMatch(/Exit codes: 0 ok/);
    const searchHelp = await datacache(cacheDir, ['search', '--help']);
    expect(searchHelp.stdout).toMatch(/choices: "artist", "recording", "release"/);
    for (const [args, message] of [
      [['frobnicate'], /unknown command 'frobnicate'/],
      [['search', 'label', 'x'], /Allowed choices are artist, recording, release/],
      [['search', 'artist', 'Air', '--limit', 'many'], /--limit must be a whole number/],
      [['purge'], /purge needs --provider, --identifier, --type or --all/],
      [['get', 'https://example.org/x'], /required option '--provider <name>'/],
    ] as const) {
      const result = await datacache(cacheDir, [...args]);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(message);
    }
  }, 60_000);

  it('searches MusicBrainz through the cache: a table, --json for the raw answer, one request for both', async () => {
    const { server } = await startFakeMusicBrainz();
    const cacheDir = await temporaryDirectory();
    const environment = { DATACACHE_MUSICBRAINZ_URL: server.url('') };
    const table = await datacache(cacheDir, ['search', 'artist', 'Daft', 'Punk'], environment);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^score\s+name\s+detail\s+mbid$/m);
    expect(table.stdout).toMatch(/100\s+Daft Punk\s+Group, FR, French electronic duo\s+056e4f3e-d505-4dad-8ec1-d04f521cbb56/);
    const json = await datacache(cacheDir, ['search', 'artist', 'Daft Punk', '--json'], environment);
    expect(JSON.parse(json.stdout)).toMatchObject({ count: 1, artists: [{ name: 'Daft Punk' }] });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.headers['user-agent']).toBe('datacache-tests/1.0 ( tests@example.org )');
    const none = await datacache(cacheDir, ['search', 'artist', 'Nobody At All'], environment);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no artist found for "Nobody At All"/);
  }, 60_000);

  it('takes a mirror and keys from config.json in the cache directory, the environment winning over it', async () => {
    const { server } = await startFakeMusicBrainz();
    const cacheDir = await temporaryDirectory();
    await writeFile(join(cacheDir, 'config.json'), JSON.stringify({ providers: { musicbrainz: { baseUrl: server.url(''), ratePerSecond: 'unlimited' } } }));
    expect((await datacache(cacheDir, ['search', 'recording', 'One More Time'])).stdout).toMatch(/One More Time/);
    const broken = await datacache(cacheDir, ['search', 'artist', 'Air'], { DATACACHE_MUSICBRAINZ_URL: 'not a url' });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/providers.musicbrainz.baseUrl must be an http\(s\) URL/);
    await writeFile(join(cacheDir, 'config.json'), '{ "providers": ');
    const unreadable = await datacache(cacheDir, ['stats']);
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toMatch(/config.json is not valid JSON/);
  }, 60_000);

  it('gets a URL into a file, hands out a random cached image, and shows it in stats, the queue and purge', async () => {
    const images = await Promise.all([encodedImage('jpeg', 32, 24, 1), encodedImage('webp', 32, 24, 2)]);
    const server = await startServer({
      '/1.jpg': (_request, response) => response.writeHead(200).end(images[0]),
      '/2.webp': (_request, response) => response.writeHead(200).end(images[1]),
    });
    const cacheDir = await temporaryDirectory();
    const out = join(cacheDir, 'thumb.jpg');
    const get = await datacache(cacheDir, ['get', server.url('/1.jpg'), '--provider', 'cdn', '--type', 'fanart', '--identifier', 'daft punk', '--out', out]);
    expect(get.stderr).toMatch(/wrote \d+ bytes \(image\/jpeg\)/);
    expect(await readFile(out)).toEqual(images[0]);
    const queued = await datacache(cacheDir, ['get', server.url('/2.webp'), '--provider', 'cdn', '--type', 'fanart', '--identifier', 'daft punk', '--queue']);
    expect(queued.stderr).toMatch(/queued/);
    const list = await datacache(cacheDir, ['queue', 'list', '--state', 'pending']);
    expect(list.stdout).toMatch(/pending\s+2\s+cdn\s+0\s+.*\/2\.webp/);

    const random = await datacache(cacheDir, ['image', 'random', ' DAFT  Punk', '--type', 'fanart', '--out', join(cacheDir, 'random.jpg'), '--json']);
    expect(JSON.parse(random.stdout)).toMatchObject({ mimeType: 'image/jpeg', metadata: { width: 32, height: 24 } });
    expect(await readFile(join(cacheDir, 'random.jpg'))).toEqual(images[0]);
    expect((await datacache(cacheDir, ['image', 'random', 'Air'])).code).toBe(1);

    const stats = JSON.parse((await datacache(cacheDir, ['stats', '--json'])).stdout) as { storage: { entries: number; byDataType: Record<string, unknown> }; queue: { byState: Record<string, number> } };
    expect(stats.storage.entries).toBe(1);
    expect(stats.queue.byState.pending).toBe(1);
    const statsText = (await datacache(cacheDir, ['stats'])).stdout;
    expect(statsText).toMatch(/fanart\s+1\s+/);
    // An image is never compressed: what is on disk is what it decodes to.
    expect(statsText).toMatch(/on disk, [\d.]+ [KMG]?i?B decoded \(compression zstd, 1\.0x, 0 dictionaries\)/);
    // Two misses (the get and the queued get), and one hit: the random image handed out served
    // someone (the failed draw for Air found nothing to serve, so it is no hit).
    expect(statsText).toMatch(/last 24 h: 1 hits, 2 misses, 0 stale/);
    expect(statsText).toMatch(/latency: hits p50 [\d.]+ (µs|ms|s), p99 [\d.]+ (µs|ms|s); fetches p50 \d/);
    expect((await datacache(cacheDir, ['queue', 'clear'])).stdout).toMatch(/2 queued fetches removed/); // the pending one and the record of the finished get
    expect((await datacache(cacheDir, ['purge', '--identifier', 'Daft Punk', '--json'])).stdout.trim()).toBe('{"removed":1}');
    expect(JSON.parse((await datacache(cacheDir, ['maintain', '--json'])).stdout)).toMatchObject({ completed: true });
  }, 90_000);

  it('exits 3 when the network fails and 4 when the database cannot be used, with a clear message', async () => {
    const cacheDir = await temporaryDirectory();
    const refused = await datacache(cacheDir, ['get', 'http://127.0.0.1:9/nothing', '--provider', 'test', '--type', 'api', '--retries', '0']);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/^datacache: http:\/\/127\.0\.0\.1:9\/nothing could not be fetched/);
    const corrupt = await temporaryDirectory();
    await writeFile(join(corrupt, 'datacache.sqlite'), Buffer.alloc(8192, 7));
    const broken = await datacache(corrupt, ['stats']);
    expect(broken.code).toBe(4);
    expect(broken.stderr).toMatch(/not a datacache database|corrupt/i);
  }, 60_000);

  it('runs the worker until SIGINT, draining what any process queues, and stops cleanly with exit code 130', async () => {
    const image = await encodedImage('png', 16, 16);
    const server = await startServer({ '/a.png': (_request, response) => response.writeHead(200).end(image) });
    const cacheDir = await temporaryDirectory();
    const worker = startTypeScript('../../src/cli/main.ts', ['--cache-dir', cacheDir, 'worker', '--concurrency', '2']);
    await worker.printed('worker started');
    await datacache(cacheDir, ['get', server.url('/a.png'), '--provider', 'cdn', '--type', 'logo', '--identifier', 'air', '--queue']);
    await worker.printed('stored: cdn logo');
    // A failure is told once with its reason, not with the URL a second time.
    await datacache(cacheDir, ['get', server.url('/gone.png'), '--provider', 'cdn', '--type', 'logo', '--identifier', 'air', '--queue']);
    await worker.printed('failed: cdn');
    expect(worker.stdout()).toMatch(/failed: cdn http:\/\/127\.0\.0\.1:\d+\/gone\.png: HTTP 404\n/u);
    worker.kill('SIGINT');
    const result = await worker.exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.signal).toBeNull();
    expect(result.stdout).toMatch(/SIGINT: stopping/);
    expect(result.stdout).toMatch(/stopped: 1 completed/);
  }, 60_000);

  it('stops the worker on SIGTERM too, cleanly, with exit code 130', async () => {
    const cacheDir = await temporaryDirectory();
    const worker = startTypeScript('../../src/cli/main.ts', ['--cache-dir', cacheDir, 'worker']);
    await worker.printed('worker started');
    worker.kill('SIGTERM');
    const result = await worker.exited;
    expect(result.code, result.stderr).toBe(130);
    expect(result.stdout).toMatch(/SIGTERM: stopping/);
    expect(result.stdout).toMatch(/stopped: 0 completed/);
  }, 60_000);
});
