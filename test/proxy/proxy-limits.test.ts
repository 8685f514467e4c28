import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { busiestWindow } from '../../support/busiest-window.js';
import { lastJsonLine, runTypeScript } from '../helpers/child-process.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { startProxyProcess, startStandIns, withProxy, writeConfig } from './proxy-fixture.js';

/** Every file under the cache directory (the database, its -wal and -shm, blobs), as bytes. */
async function cacheFiles(cacheDir: string): Promise<Buffer[]> {
  const entries = await readdir(cacheDir, { recursive: true, withFileTypes: true });
  return Promise.all(entries.filter((entry) => entry.isFile()).map((entry) => readFile(join(entry.parentPath, entry.name))));
}

describe('datacache proxy: one pipeline for every client', () => {
  it('makes one origin request for 20 clients asking one URL at once', async () => {
    await withProxy(async ({ server, proxy }) => {
      const answers = await Promise.all(Array.from({ length: 20 }, () => fetch(`${proxy.url}/musicbrainz/ws/2/slow?fmt=json`).then(async (response) => ({ status: response.status, body: await response.text() }))));
      expect(answers.map((answer) => answer.status)).toEqual(Array(20).fill(200));
      expect(new Set(answers.map((answer) => answer.body)).size).toBe(1);
      expect(server.requests.filter((request) => request.path.startsWith('/mb/ws/2/slow'))).toHaveLength(1);
    });
  }, 90_000);

  it('holds the rate limit across two proxy processes and a library process on one cache directory', async () => {
    const { server, environment } = await startStandIns();
    const cacheDir = await temporaryDirectory();
    const rate = 4;
    await writeConfig(cacheDir, { providers: { musicbrainz: { ratePerSecond: rate, burst: 1 } } });
    const proxies = [await startProxyProcess(cacheDir, environment, ['--timeout', '60']), await startProxyProcess(cacheDir, environment, ['--timeout', '60'])];
    try {
      const startAt = Date.now() + 3_000;
      const library = runTypeScript('../proxy/library-process.ts', [cacheDir, environment.DATACACHE_MUSICBRAINZ_URL!, String(rate), '5', String(startAt)], { timeoutMs: 90_000 });
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
      const statuses = await Promise.all(
        proxies.flatMap((proxy, which) => Array.from({ length: 5 }, (_, index) => fetch(`${proxy.url}/musicbrainz/ws/2/artist/proxy-${which}-${index}?fmt=json`).then((response) => response.status))),
      );
      expect(statuses).toEqual(Array(10).fill(200));
      expect(lastJsonLine<{ answers: number[] }>(await library).answers).toEqual(Array(5).fill(200));
      const arrivals = server.requests.filter((request) => request.path.startsWith('/mb/ws/2/artist/')).map((request) => request.at);
      expect(arrivals).toHaveLength(15);
      // Slots are spaced 1/rate (plus 5 %) apart at the sender; the arrival times are taken in
      // this test process, which a loaded machine delays, so the window allows them 300 ms of jitter: a limit
      // not shared by the three processes would put about 8 requests into it, not 4.
      expect(busiestWindow(arrivals, 1000 - 300)).toBeLessThanOrEqual(rate);
    } finally {
      await Promise.all(proxies.map((proxy) => proxy.stop()));
    }
  }, 120_000);

  it('answers 503 with Retry-After to a client that would wait in line past its timeout', async () => {
    await withProxy(
      async ({ server, proxy }) => {
        const answers = await Promise.all(
          Array.from({ length: 4 }, (_, index) => fetch(`${proxy.url}/musicbrainz/ws/2/artist/busy-${index}?fmt=json`).then((response) => ({ status: response.status, retryAfter: response.headers.get('retry-after') }))),
        );
        const served = answers.filter((answer) => answer.status === 200);
        const refused = answers.filter((answer) => answer.status === 503);
        expect(served.length).toBeGreaterThanOrEqual(1);
        expect(refused.length).toBeGreaterThanOrEqual(2);
        // On a busy machine a client whose turn came just before its timeout can run out of time at the origin: 504.
        const timedOut = answers.filter((answer) => answer.status === 504);
        expect(served.length + refused.length + timedOut.length).toBe(4);
        for (const answer of refused) expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
        expect(server.requests.length).toBeGreaterThanOrEqual(served.length);
        expect(server.requests.length).toBeLessThanOrEqual(served.length + timedOut.length);
      },
      { args: ['--timeout', '2'], config: { providers: { musicbrainz: { ratePerSecond: 0.5, burst: 1 } } } },
    );
  }, 90_000);

  it("passes a client's keys to the origin and never stores them; clients with different keys share the entry", async () => {
    const keys = ['TADBCLIENTKEY31415', 'LASTFMCLIENTKEY27182', 'LASTFMOTHERKEY16180', 'FANARTCLIENTKEY14142'];
    const { cacheDir } = await withProxy(async ({ server, proxy, cacheDir }) => {
      const audioDb = await fetch(`${proxy.url}/theaudiodb/api/v1/json/${keys[0]}/search.php?s=air`);
      expect(audioDb.status).toBe(200);
      const lastfm = `${proxy.url}/lastfm/2.0/?method=artist.getinfo&artist=Air&format=json&api_key=`;
      expect(((await (await fetch(`${lastfm}${keys[1]}`)).json()) as { keyed: boolean }).keyed).toBe(true);
      const again = await fetch(`${lastfm}${keys[2]}`);
      expect(again.headers.get('x-cache')).toBe('HIT');
      const fanart = await fetch(`${proxy.url}/fanarttv/v3/music/abc`, { headers: { 'api-key': keys[3]! } });
      expect(((await fanart.json()) as { keyed: boolean }).keyed).toBe(true);
      expect(server.requests.at(-1)!.headers['api-key']).toBe(keys[3]);
      // The origin got each key as the client sent it.
      expect(server.requests.map((request) => request.path)).toEqual([`/tadb/api/v1/json/${keys[0]}/search.php?s=air`, `/lastfm/2.0/?method=artist.getinfo&artist=Air&format=json&api_key=${keys[1]}`, '/fanart/v3/music/abc']);
      for (const bytes of await cacheFiles(cacheDir)) for (const key of keys) expect(bytes.includes(key)).toBe(false);
    });
    const files = await cacheFiles(cacheDir);
    expect(files.length).toBeGreaterThan(0);
    for (const bytes of files) for (const key of keys) expect(bytes.includes(key)).toBe(false);
  }, 90_000);
});
