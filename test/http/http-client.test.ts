import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClient, type DownloadRequest } from '../../src/http/http-client.js';
import {
  ChecksumMismatchError,
  DownloadTimeoutError,
  HttpStatusError,
  NetworkError,
  ResponseTooLargeError,
  TooManyRedirectsError,
} from '../../src/http/http-errors.js';
import { parseRetryAfter } from '../../src/http/retry-after.js';
import { startServer } from '../helpers/http-server.js';

const clients: HttpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

function client(userAgent = 'datacache-tests/1.0 ( tests@example.org )'): HttpClient {
  const created = new HttpClient({ userAgent, maxRedirections: 3 });
  clients.push(created);
  return created;
}

const download = (url: string, extra: Partial<DownloadRequest> = {}): DownloadRequest => ({ url, timeoutMs: 5000, maxBytes: 1_000_000, ...extra });
const sha256 = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex');

describe('HttpClient.download', () => {
  it('returns the body with its SHA-256 and headers, sending our User-Agent, over kept-alive connections', async () => {
    const image = Buffer.alloc(50_000, 7);
    const server = await startServer({
      '/image.png': (_request, response) => response.writeHead(200, { 'content-type': 'image/png', etag: '"v1"', 'last-modified': 'Tue, 24 Nov 2026 10:00:00 GMT' }).end(image),
    });
    const http = client();
    const first = await http.download(download(server.url('/image.png')));
    const second = await http.download(download(server.url('/image.png')));
    expect(first).toMatchObject({ status: 200, sha256: sha256(image), contentType: 'image/png', etag: '"v1"', lastModified: 'Tue, 24 Nov 2026 10:00:00 GMT' });
    expect(first.body.equals(image)).toBe(true);
    expect(second.sha256).toBe(first.sha256);
    expect(server.requests[1]!.headers['user-agent']).toBe('datacache-tests/1.0 ( tests@example.org )');
    for (let more = 0; more < 4; more++) await http.download(download(server.url('/image.png')));
    // undici's pool alternates between idle connections; six downloads must not need six.
    expect(new Set(server.requests.map((request) => request.remotePort)).size).toBeLessThanOrEqual(2);
  });

  it('follows redirects up to the limit, and reports a loop as TooManyRedirectsError', async () => {
    const server = await startServer({
      '/moved': (_request, response) => response.writeHead(301, { location: '/final' }).end(),
      '/final': (_request, response) => response.writeHead(200).end('arrived'),
      '/loop': (_request, response) => response.writeHead(302, { location: '/loop' }).end(),
      '/hop': (request, response) => {
        const hop = Number(new URL(request.url!, 'http://x').searchParams.get('n'));
        response.writeHead(302, { location: `/hop?n=${hop + 1}` }).end();
      },
    });
    expect((await client().download(download(server.url('/moved')))).body.toString()).toBe('arrived');
    await expect(client().download(download(server.url('/loop')))).rejects.toThrow(TooManyRedirectsError);
    await expect(client().download(download(server.url('/hop?n=0')))).rejects.toThrow(TooManyRedirectsError);
    expect(server.requests.filter((request) => request.path.startsWith('/hop'))).toHaveLength(4); // the first and 3 redirects
  });

  it('sends validators and returns a 304 without a body', async () => {
    const server = await startServer({
      '/data.json': (request, response) => {
        if (request.headers['if-none-match'] === '"v1"') response.writeHead(304, { etag: '"v1"' }).end();
        else response.writeHead(200, { etag: '"v1"' }).end('{}');
      },
    });
    const revalidated = await client().download(download(server.url('/data.json'), { etag: '"v1"', lastModified: 'Tue, 24 Nov 2026 10:00:00 GMT' }));
    expect(revalidated).toMatchObject({ status: 304, etag: '"v1"' });
    expect(revalidated.body).toHaveLength(0);
    expect(server.requests[0]!.headers['if-modified-since']).toBe('Tue, 24 Nov 2026 10:00:00 GMT');
  });

  it('classifies status codes: 404 final, 500 and 503 retryable, 429 retryable with its Retry-After', async () => {
    const server = await startServer({
      '/gone': (_request, response) => response.writeHead(404).end(),
      '/broken': (_request, response) => response.writeHead(500).end(),
      '/slow-down': (_request, response) => response.writeHead(429, { 'retry-after': '7' }).end(),
      '/maintenance': (_request, response) => response.writeHead(503, { 'retry-after': new Date(Date.now() + 60_000).toUTCString() }).end(),
    });
    const failure = (path: string): Promise<HttpStatusError> =>
      client()
        .download(download(server.url(path)))
        .then(
          () => {
            throw new Error(`${path} should have failed`);
          },
          (error: unknown) => error as HttpStatusError,
        );
    expect(await failure('/gone')).toMatchObject({ status: 404, retryable: false });
    expect(await failure('/broken')).toMatchObject({ status: 500, retryable: true });
    expect(await failure('/slow-down')).toMatchObject({ status: 429, retryable: true, retryAfterMs: 7000 });
    const maintenance = await failure('/maintenance');
    expect(maintenance).toBeInstanceOf(HttpStatusError);
    expect(maintenance.retryAfterMs).toBeGreaterThan(55_000);
    expect(maintenance.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('stops a body past maxBytes, whether announced by Content-Length or streamed without one', async () => {
    const server = await startServer({
      '/announced': (_request, response) => response.writeHead(200, { 'content-length': 5000 }).end(Buffer.alloc(5000)),
      '/streamed': (_request, response) => {
        response.writeHead(200);
        for (let chunk = 0; chunk < 10; chunk++) response.write(Buffer.alloc(1000));
        response.end();
      },
    });
    await expect(client().download(download(server.url('/announced'), { maxBytes: 4000 }))).rejects.toThrow(ResponseTooLargeError);
    await expect(client().download(download(server.url('/streamed'), { maxBytes: 4000 }))).rejects.toThrow(ResponseTooLargeError);
    await expect(client().download(download(server.url('/streamed'), { maxBytes: 10_000 }))).resolves.toMatchObject({ status: 200 });
  });

  it('rejects content whose checksum differs from the expected one', async () => {
    const server = await startServer({ '/template': (_request, response) => response.writeHead(200).end('new template') });
    const error = await client().download(download(server.url('/template'), { expectedChecksum: sha256('old template') })).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ChecksumMismatchError);
    expect(error).toMatchObject({ actual: sha256('new template'), retryable: false });
    await expect(client().download(download(server.url('/template'), { expectedChecksum: sha256('new template').toUpperCase() }))).resolves.toBeDefined();
  });

  it('times out a body that stops arriving, and reports refused and cut connections as NetworkError', async () => {
    const server = await startServer({
      '/drip': (_request, response) => {
        response.writeHead(200, { 'content-length': 1000 });
        response.write('a little');
      },
      '/cut': (request, response) => {
        response.writeHead(200, { 'content-length': 1000 });
        response.write('half');
        setTimeout(() => request.socket.destroy(), 20);
      },
    });
    await expect(client().download(download(server.url('/drip'), { timeoutMs: 300 }))).rejects.toThrow(DownloadTimeoutError);
    await expect(client().download(download(server.url('/cut')))).rejects.toThrow(NetworkError);
    const closed = await startServer({});
    const refusedUrl = closed.url('/anything');
    await closed.close();
    const refused = await client().download(download(refusedUrl)).catch((caught: unknown) => caught);
    expect(refused).toBeInstanceOf(NetworkError);
    expect(refused).toMatchObject({ retryable: true, code: 'ERR_DATACACHE_NETWORK' });
  });

  it("passes the caller's abort reason through", async () => {
    const server = await startServer({ '/hang': () => undefined });
    const controller = new AbortController();
    const pending = client().download(download(server.url('/hang'), { signal: controller.signal }));
    setTimeout(() => { controller.abort(new Error('the DJ skipped the track')); }, 30);
    await expect(pending).rejects.toThrow('the DJ skipped the track');
  });
});

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores what it cannot read', () => {
    const now = Date.UTC(2026, 10, 24, 10, 0, 0);
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Tue, 24 Nov 2026 10:01:00 GMT', now)).toBe(60_000);
    expect(parseRetryAfter('Tue, 24 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});
