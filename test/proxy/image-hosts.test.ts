import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/http-server.js';
import { png } from '../helpers/images.js';
import { rawRequest, withProxy } from './proxy-fixture.js';

describe('datacache proxy: no open relay', () => {
  it('fetches /image?url= only from hosts an answer named or --image-hosts lists; any other is refused with 403 before a connection', async () => {
    // A host nobody named (another port is another host), and one the operator names.
    const stranger = await startServer({ '/x.png': (_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png(2, 2)) });
    const listed = await startServer({ '/y.png': (_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png(3, 3)) });
    await withProxy(
      async ({ server, imageUrl, proxy }) => {
        const image = (url: string): Promise<Response> => fetch(`${proxy.url}/image?url=${encodeURIComponent(url)}`);
        expect((await image(imageUrl)).status).toBe(403); // not named yet by any answer
        expect((await image(stranger.url('/x.png'))).status).toBe(403);
        // An absolute-form request to a host that is no provider's, and that nobody named.
        expect((await rawRequest(proxy.port, stranger.url('/x.png'), { headers: { host: new URL(stranger.url('/')).host } })).status).toBe(403);
        expect((await rawRequest(proxy.port, 'http://unknown.example/anything', { headers: { host: 'unknown.example' } })).status).toBe(403);
        expect(stranger.requests).toHaveLength(0);

        // MusicBrainz's stand-in answer names the image: now it may be fetched, and is cached.
        expect((await fetch(`${proxy.url}/musicbrainz/ws/2/artist?query=air&fmt=json`)).status).toBe(200);
        const first = await image(imageUrl);
        expect(first.status).toBe(200);
        expect(first.headers.get('content-type')).toBe('image/png');
        expect(first.headers.get('x-cache')).toBe('MISS');
        expect((await image(imageUrl)).headers.get('x-cache')).toBe('HIT');
        expect(server.requests.filter((request) => request.path === '/img/air.png')).toHaveLength(1);

        const operators = await image(listed.url('/y.png'));
        expect(operators.status).toBe(200);
        expect(Buffer.from(await operators.arrayBuffer())).toEqual(png(3, 3));
        expect(stranger.requests).toHaveLength(0);
      },
      { args: ['--image-hosts', new URL(listed.url('/')).host] },
    );
  }, 90_000);
});
