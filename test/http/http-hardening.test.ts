import { createHash } from 'node:crypto';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { isPrivateAddress } from '../../src/http/address-policy.js';
import { HttpClient, type DownloadRequest, type HttpClientOptions } from '../../src/http/http-client.js';
import {
  ContentEncodingError,
  DownloadTimeoutError,
  NetworkError,
  PrivateAddressError,
  RedirectRefusedError,
  ResponseTooLargeError,
} from '../../src/http/http-errors.js';
import { headersForHop, isCredentialHeader } from '../../src/http/redirects.js';
import { startServer } from '../helpers/http-server.js';

const clients: HttpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

/** 127.0.0.2 plays the public internet (these tests have none); every other loopback address stays private. */
const PUBLIC_STAND_IN = '127.0.0.2';
const classifier = (address: string): boolean => address !== PUBLIC_STAND_IN && isPrivateAddress(address);

function client(options: HttpClientOptions = {}): HttpClient {
  const created = new HttpClient({ userAgent: 'datacache-tests/1.0 ( tests@example.org )', isPrivateAddress: classifier, ...options });
  clients.push(created);
  return created;
}

const download = (url: string, extra: Partial<DownloadRequest> = {}): DownloadRequest => ({ url, timeoutMs: 10_000, maxBytes: 1_000_000, ...extra });
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

describe('redirects and credentials', () => {
  it('drops every credential when a redirect leaves the origin, and keeps them within it', async () => {
    const elsewhere = await startServer({ '/landing': (_request, response) => response.writeHead(200).end('elsewhere') });
    const origin = await startServer({
      '/away': (_request, response) => response.writeHead(302, { location: elsewhere.url('/landing') }).end(),
      '/stay': (_request, response) => response.writeHead(301, { location: '/here' }).end(),
      '/here': (_request, response) => response.writeHead(200).end('here'),
    });
    const headers = { 'api-key': 'FANART-KEY', authorization: 'Discogs token=T', 'x-mirror-secret': 'S', accept: 'application/json' };
    const http = client();
    expect((await http.download(download(origin.url('/away'), { headers, credentialHeaders: ['x-mirror-secret'] }))).body.toString()).toBe('elsewhere');
    const landed = elsewhere.requests[0]!.headers;
    expect(landed['api-key']).toBeUndefined();
    expect(landed.authorization).toBeUndefined();
    expect(landed['x-mirror-secret']).toBeUndefined();
    expect(landed.accept).toBe('application/json');
    expect((await http.download(download(origin.url('/stay'), { headers, credentialHeaders: ['x-mirror-secret'] }))).body.toString()).toBe('here');
    const stayed = origin.requests.find((request) => request.path === '/here')!.headers;
    expect(stayed).toMatchObject({ 'api-key': 'FANART-KEY', authorization: 'Discogs token=T', 'x-mirror-secret': 'S' });
  });

  it('counts a downgrade from https to http, another port or another host as leaving the origin', () => {
    const headers = { 'api-key': 'K', 'x-secret-of-mine': 'S', accept: '*/*' };
    const meantFor = new URL('https://webservice.fanart.tv/v3/music/x');
    for (const next of ['http://webservice.fanart.tv/v3/music/x', 'https://webservice.fanart.tv:8443/x', 'https://assets.fanart.tv/x']) {
      expect(headersForHop(headers, meantFor, new URL(next), ['x-secret-of-mine'])).toEqual({ accept: '*/*' });
    }
    expect(headersForHop(headers, meantFor, new URL('https://webservice.fanart.tv/other'), [])).toEqual(headers);
    for (const name of ['Authorization', 'api-key', 'X-API-Key', 'x-auth-token', 'Cookie', 'apikey', 'client_secret', 'key']) expect(isCredentialHeader(name)).toBe(true);
    for (const name of ['accept', 'user-agent', 'x-keyboard', 'if-none-match']) expect(isCredentialHeader(name)).toBe(false);
  });

  it('refuses redirects to other schemes, or without a Location', async () => {
    const server = await startServer({
      '/file': (_request, response) => response.writeHead(302, { location: 'file:///etc/passwd' }).end(),
      '/nowhere': (_request, response) => response.writeHead(302).end(),
    });
    await expect(client().download(download(server.url('/file')))).rejects.toThrow(RedirectRefusedError);
    await expect(client().download(download(server.url('/nowhere')))).rejects.toMatchObject({ code: 'ERR_DATACACHE_REDIRECT_REFUSED', retryable: false });
  });
});

describe('private addresses', () => {
  it('does not follow a redirect from a public origin into the private network, unless allowed', async () => {
    const router = await startServer({ '/admin': (_request, response) => response.writeHead(200).end('router admin page') });
    const publicOrigin = await startServer(
      {
        '/image.jpg': (_request, response) => response.writeHead(302, { location: router.url('/admin') }).end(),
        '/by-name.jpg': (_request, response) => response.writeHead(302, { location: router.url('/admin').replace('127.0.0.1', 'localhost') }).end(),
        '/moved.jpg': (_request, response) => response.writeHead(302, { location: '/real.jpg' }).end(),
        '/real.jpg': (_request, response) => response.writeHead(200).end('jpeg'),
      },
      { host: PUBLIC_STAND_IN },
    );
    await expect(client().download(download(publicOrigin.url('/image.jpg')))).rejects.toThrow(PrivateAddressError);
    // A name resolving to a private address is refused where the connection is made.
    await expect(client().download(download(publicOrigin.url('/by-name.jpg')))).rejects.toMatchObject({ code: 'ERR_DATACACHE_PRIVATE_ADDRESS', retryable: false });
    expect(router.requests).toHaveLength(0);
    // Within the public internet redirects are followed; and allowPrivateAddresses opens the rest.
    expect((await client().download(download(publicOrigin.url('/moved.jpg')))).body.toString()).toBe('jpeg');
    expect((await client().download(download(publicOrigin.url('/image.jpg'), { allowPrivateAddresses: true }))).body.toString()).toBe('router admin page');
  });

  it('lets a URL that names a private host (a mirror on the local network) redirect within it, unless told the URL came from a third party', async () => {
    const target = await startServer({ '/final': (_request, response) => response.writeHead(200).end('mirror answer') });
    const mirror = await startServer({ '/ws/2/artist': (_request, response) => response.writeHead(302, { location: target.url('/final') }).end() });
    expect((await client().download(download(mirror.url('/ws/2/artist')))).body.toString()).toBe('mirror answer');
    // From a provider's answer: nothing private, not even the first hop, literal or by name.
    await expect(client().download(download(mirror.url('/ws/2/artist'), { allowPrivateAddresses: false }))).rejects.toThrow(PrivateAddressError);
    await expect(client().download(download(mirror.url('/ws/2/artist').replace('127.0.0.1', 'localhost'), { allowPrivateAddresses: false }))).rejects.toThrow(PrivateAddressError);
    await expect(client({ isPrivateAddress: isPrivateAddress }).download(download(`http://[::ffff:127.0.0.1]:1/x`, { allowPrivateAddresses: false }))).rejects.toThrow(PrivateAddressError);
  });
});

describe('the deadline', () => {
  it('holds while a request waits for a connection, and live requests never wait behind background downloads', async () => {
    const slowResponses: (() => void)[] = [];
    const server = await startServer({
      '/slow': (_request, response) => {
        response.writeHead(200, { 'content-type': 'image/jpeg' });
        response.write('started');
        slowResponses.push(() => response.end());
      },
      '/fast': (_request, response) => response.writeHead(200).end('fast'),
    });
    const http = client({ connectionsPerOrigin: 2 });
    const background = [1, 2].map(() => http.download(download(server.url('/slow'), { lane: 'background', timeoutMs: 60_000 })));
    while (slowResponses.length < 2) await new Promise((resolve) => setTimeout(resolve, 10));
    // Both background connections are busy for as long as the test likes: live has its own.
    expect((await http.download(download(server.url('/fast'), { lane: 'live', timeoutMs: 60_000 }))).body.toString()).toBe('fast');
    // A third background request waits for a connection, and its timeout ends that wait.
    const started = Date.now();
    await expect(http.download(download(server.url('/fast'), { lane: 'background', timeoutMs: 300 }))).rejects.toThrow(DownloadTimeoutError);
    // The slow downloads still hold both connections: it was the deadline, not a free connection, that ended it.
    expect(slowResponses).toHaveLength(2);
    expect(Date.now() - started).toBeLessThan(30_000);
    for (const finish of slowResponses) finish();
    await Promise.all(background);
  });
});

describe('bodies', () => {
  it('decodes gzip, deflate (wrapped or raw) and brotli, and hashes and caps what was decoded', async () => {
    const json = Buffer.from(JSON.stringify({ artists: Array.from({ length: 200 }, (_, index) => ({ name: `artist ${index}` })) }));
    const server = await startServer({
      '/gzip': (_request, response) => response.writeHead(200, { 'content-encoding': 'gzip' }).end(gzipSync(json)),
      '/deflate': (_request, response) => response.writeHead(200, { 'content-encoding': 'deflate' }).end(deflateSync(json)),
      '/raw-deflate': (_request, response) => response.writeHead(200, { 'content-encoding': 'deflate' }).end(deflateRawSync(json)),
      '/br': (_request, response) => response.writeHead(200, { 'content-encoding': 'br' }).end(brotliCompressSync(json)),
      '/twice': (_request, response) => response.writeHead(200, { 'content-encoding': 'gzip, br' }).end(brotliCompressSync(gzipSync(json))),
    });
    for (const path of ['/gzip', '/deflate', '/raw-deflate', '/br', '/twice']) {
      const answer = await client().download(download(server.url(path)));
      expect(answer.body.equals(json), path).toBe(true);
      expect(answer.sha256).toBe(sha256(json));
    }
    expect(server.requests[0]!.headers['accept-encoding']).toBe('gzip, deflate, br');
  });

  it('refuses a gzip bomb once the decoded bytes pass maxBytes, an unknown coding, and reports a corrupt one as a network error', async () => {
    const bomb = gzipSync(Buffer.alloc(200 * 1024 * 1024));
    const server = await startServer({
      '/bomb': (_request, response) => response.writeHead(200, { 'content-encoding': 'gzip', 'content-length': bomb.length }).end(bomb),
      '/zstd': (_request, response) => response.writeHead(200, { 'content-encoding': 'zstd' }).end('whatever'),
      '/broken': (_request, response) => response.writeHead(200, { 'content-encoding': 'gzip' }).end(Buffer.from('not gzip at all')),
    });
    expect(bomb.length).toBeLessThan(1_000_000);
    await expect(client().download(download(server.url('/bomb'), { maxBytes: 5_000_000 }))).rejects.toThrow(ResponseTooLargeError);
    await expect(client().download(download(server.url('/zstd')))).rejects.toThrow(ContentEncodingError);
    await expect(client().download(download(server.url('/broken')))).rejects.toThrow(NetworkError);
  });

  it('gives a large body exactly as sent, with or without a Content-Length', async () => {
    const image = Buffer.alloc(3 * 1024 * 1024);
    for (let index = 0; index < image.length; index += 4096) image[index] = index & 0xff;
    const server = await startServer({
      '/declared': (_request, response) => response.writeHead(200, { 'content-length': image.length }).end(image),
      '/chunked': (_request, response) => {
        response.writeHead(200);
        for (let offset = 0; offset < image.length; offset += 100_000) response.write(image.subarray(offset, offset + 100_000));
        response.end();
      },
    });
    for (const path of ['/declared', '/chunked']) {
      const answer = await client().download(download(server.url(path), { maxBytes: 25 * 1024 * 1024 }));
      expect(answer.body.equals(image), path).toBe(true);
      expect(answer.sha256).toBe(sha256(image));
    }
  });

  it('stops a download with the error its chunk check throws', async () => {
    const server = await startServer({ '/deep': (_request, response) => response.writeHead(200).end('['.repeat(10_000)) });
    const refusal = new ResponseTooLargeError('http://x', 1);
    await expect(client().download(download(server.url('/deep'), { onChunk: () => { throw refusal; } }))).rejects.toBe(refusal);
  });

  it('reports a header it cannot send as the caller’s mistake, not a network error to retry', async () => {
    const server = await startServer({ '/x': (_request, response) => response.writeHead(200).end('x') });
    await expect(client().download(download(server.url('/x'), { headers: { 'x-name': 'caf\u0100' } }))).rejects.toThrow(InvalidArgumentError);
    await expect(client().download(download(server.url('/x'), { headers: { 'bad name': 'v' } }))).rejects.toThrow(InvalidArgumentError);
  });
});
