import { execFile } from 'node:child_process';
import { connect } from 'node:net';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { rawRequest, withProxy } from './proxy-fixture.js';

const run = promisify(execFile);

/** Whether curl is installed; the one curl case is skipped, saying why, without it. */
const curlMissing = await run('which', ['curl']).then(
  () => false,
  () => true,
);

describe('datacache proxy', () => {
  it('answers a miss from the origin, then the same URL from the cache, with the origin\'s headers, Age and X-Cache', async () => {
    const { exitCode } = await withProxy(async ({ server, proxy }) => {
      const target = `${proxy.url}/musicbrainz/ws/2/artist?query=air&fmt=json`;
      const first = await fetch(target);
      expect(first.status).toBe(200);
      expect(first.headers.get('x-cache')).toBe('MISS');
      expect(first.headers.get('content-type')).toMatch(/^application\/json/);
      expect(first.headers.get('etag')).toBe('"v1"');
      expect(first.headers.get('last-modified')).toBe('Tue, 01 Dec 2026 10:00:00 GMT');
      expect(first.headers.get('age')).toBe('0');
      const body = (await first.json()) as { path: string; query: string };
      // Moved to the configured mirror; parameters in MusicBrainz's canonical order, as the library writes them.
      expect(body).toMatchObject({ path: '/mb/ws/2/artist', query: '?fmt=json&query=air' });
      const second = await fetch(target);
      expect(second.headers.get('x-cache')).toBe('HIT');
      expect(await second.json()).toEqual(body);
      expect(server.requests.filter((request) => request.path.startsWith('/mb/'))).toHaveLength(1);
      // A client that has the answer already gets a 304 from the cache (node:http: fetch() adds
      // Cache-Control: no-cache to a conditional request, as the Fetch standard says).
      const conditional = await rawRequest(proxy.port, '/musicbrainz/ws/2/artist?query=air&fmt=json', { headers: { 'if-none-match': '"v1"' } });
      expect(conditional.status).toBe(304);
      expect(server.requests.map((request) => request.path)).toEqual(['/mb/ws/2/artist?fmt=json&query=air']);
    });
    expect(exitCode).toBe(130);
  }, 90_000);

  it('revalidates on Cache-Control: no-cache (the stand-in sees a conditional request), answers HEAD without a body, 404s as the origin did', async () => {
    await withProxy(async ({ server, proxy }) => {
      const target = `${proxy.url}/musicbrainz/ws/2/artist/some-id?fmt=json`;
      expect((await fetch(target)).status).toBe(200);
      const revalidated = await fetch(target, { headers: { 'cache-control': 'no-cache' } });
      expect(revalidated.status).toBe(200);
      expect(revalidated.headers.get('x-cache')).toBe('MISS');
      expect(((await revalidated.json()) as { path: string }).path).toBe('/mb/ws/2/artist/some-id');
      const arrivals = server.requests.filter((request) => request.path.startsWith('/mb/ws/2/artist/some-id'));
      expect(arrivals).toHaveLength(2);
      expect(arrivals[1]!.headers['if-none-match']).toBe('"v1"');

      const head = await rawRequest(proxy.port, '/musicbrainz/ws/2/artist/some-id?fmt=json', { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers['x-cache']).toBe('HIT');
      expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
      expect(head.body).toHaveLength(0);

      const missing = await fetch(`${proxy.url}/musicbrainz/ws/2/missing?fmt=json`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('x-cache')).toBe('MISS');
    });
  }, 90_000);

  it('refuses POST with 405, CONNECT with 405 and a reason, an unknown path with 404, a rebound host name with 421, a body with 413', async () => {
    await withProxy(async ({ server, proxy }) => {
      const post = await fetch(`${proxy.url}/musicbrainz/ws/2/artist?query=air`, { method: 'POST', body: 'x' });
      expect(post.status).toBe(405);
      expect(post.headers.get('allow')).toBe('GET, HEAD');
      expect((await rawRequest(proxy.port, '/musicbrainz/ws/2/artist?query=air', { method: 'DELETE' })).status).toBe(405);
      expect((await fetch(`${proxy.url}/nowhere/x`)).status).toBe(404);
      expect((await rawRequest(proxy.port, '/musicbrainz/ws/2/artist?query=air', { headers: { host: 'evil.example:8788' } })).status).toBe(421);
      expect((await rawRequest(proxy.port, '/musicbrainz/ws/2/artist?query=air', { headers: { 'transfer-encoding': 'chunked' } })).status).toBe(413);
      const connectAnswer = await new Promise<string>((resolve, reject) => {
        const socket = connect(proxy.port, '127.0.0.1', () => {
          socket.write('CONNECT musicbrainz.org:443 HTTP/1.1\r\nHost: musicbrainz.org:443\r\n\r\n');
        });
        let text = '';
        socket.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        socket.on('end', () => {
          resolve(text);
        });
        socket.on('error', reject);
      });
      expect(connectAnswer).toMatch(/^HTTP\/1\.1 405 /);
      expect(connectAnswer).toMatch(/does not tunnel HTTPS/);
      expect(server.requests).toHaveLength(0);
    });
  }, 90_000);

  it('maps an absolute-form request (HTTP_PROXY) to the provider whose origin it names', async () => {
    await withProxy(async ({ server, proxy }) => {
      const answer = await rawRequest(proxy.port, 'http://musicbrainz.org/ws/2/artist?query=air&fmt=json', { headers: { host: 'musicbrainz.org' } });
      expect(answer.status).toBe(200);
      expect(answer.headers['x-cache']).toBe('MISS');
      expect((JSON.parse(answer.body.toString()) as { path: string }).path).toBe('/mb/ws/2/artist');
      // The same entry as through the path.
      expect((await fetch(`${proxy.url}/musicbrainz/ws/2/artist?fmt=json&query=air`)).headers.get('x-cache')).toBe('HIT');
      expect(server.requests).toHaveLength(1);
    });
  }, 90_000);

  it.skipIf(curlMissing)('works with curl', async () => {
    await withProxy(async ({ proxy }) => {
      const target = `${proxy.url}/musicbrainz/ws/2/artist?query=air&fmt=json`;
      const first = await run('curl', ['-s', '-i', target]);
      expect(first.stdout).toMatch(/^HTTP\/1\.1 200 /);
      expect(first.stdout).toMatch(/^x-cache: MISS\r$/im);
      const second = await run('curl', ['-s', '-i', target]);
      expect(second.stdout).toMatch(/^x-cache: HIT\r$/im);
      expect(second.stdout).toMatch(/"name":"Air"/);
      // curl --proxy sends the absolute form, as any HTTP_PROXY client does.
      const forwarded = await run('curl', ['-s', '-i', '--proxy', proxy.url, 'http://musicbrainz.org/ws/2/artist?query=air&fmt=json']);
      expect(forwarded.stdout).toMatch(/^x-cache: HIT\r$/im);
    });
  }, 90_000);
});
