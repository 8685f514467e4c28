import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, PRIORITY, UnexpectedContentError } from '../../src/index.js';
import { startServer, type Route } from '../helpers/http-server.js';
import { encodedImage, htmlErrorPage } from '../helpers/images.js';
import { makeTestProviders } from '../helpers/providers.js';

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** An image origin: /img/<n>.<format> serves a real file of that format, 40 + n by 30 pixels. */
async function startImageServer(count = 20) {
  const files = new Map<string, Buffer>();
  const routes: Record<string, Route> = {};
  const formats = ['png', 'jpeg', 'webp'] as const;
  for (let index = 0; index < count; index++) {
    const format = formats[index % formats.length]!;
    const path = `/img/${index}.${format}`;
    const body = await encodedImage(format, 40 + index, 30, index);
    files.set(path, body);
    // The Content-Type is deliberately generic: the stored type comes from the bytes.
    routes[path] = (_request, response) => response.writeHead(200, { 'content-type': 'application/octet-stream' }).end(body);
  }
  routes['/error-page.jpg'] = (_request, response) => response.writeHead(200, { 'content-type': 'text/html' }).end(htmlErrorPage);
  const server = await startServer(routes);
  const paths = [...files.keys()];
  return { server, files, urls: paths.map((path) => server.url(path)), body: (url: string) => files.get(new URL(url).pathname)! };
}

describe('ImagesProvider', () => {
  it('stores real PNG, JPEG and WebP downloads with the type and size read from their bytes, under the normalised artist', async () => {
    const { providers } = await makeTestProviders();
    const { urls } = await startImageServer(3);
    const entries = await Promise.all(urls.map((url) => providers.images.cacheArtistFanart({ url, artistIdentifier: ' DAFT  Punk ' })));
    expect(entries.map((entry) => entry!.mimeType)).toEqual(['image/png', 'image/jpeg', 'image/webp']);
    expect(entries.map((entry) => entry!.metadata)).toEqual([
      { width: 40, height: 30 },
      { width: 41, height: 30 },
      { width: 42, height: 30 },
    ]);
    expect(entries.every((entry) => entry!.identifier === 'daft punk' && entry!.dataType === 'fanart' && entry!.provider === 'cdn')).toBe(true);
    const keys = await providers.images.getCacheKeysForIdentifier({ artistIdentifier: 'Daft Punk', imageType: 'fanart' });
    expect(new Set(keys)).toEqual(new Set(entries.map((entry) => entry!.cachekey)));
  });

  it('files each wrapper under its image type and keeps metadata given with the image', async () => {
    const { providers } = await makeTestProviders();
    const { urls } = await startImageServer(4);
    await providers.images.cacheArtistThumbnail({ url: urls[0]!, artistIdentifier: 'Air' });
    await providers.images.cacheArtistLogo({ url: urls[1]!, artistIdentifier: 'Air' });
    await providers.images.cacheArtistBanner({ url: urls[2]!, artistIdentifier: 'Air', metadata: { source: 'theaudiodb' } });
    await providers.images.cacheImage({ url: urls[3]!, artistIdentifier: 'Air', imageType: 'cdart', provider: 'fanarttv' });
    for (const [imageType, url] of [['thumbnail', urls[0]], ['logo', urls[1]], ['banner', urls[2]], ['cdart', urls[3]]] as const) {
      expect((await providers.images.getRandomImage({ artistIdentifier: 'air', imageType }))?.url).toBe(url);
    }
    expect((await providers.images.getRandomImage({ artistIdentifier: 'air', imageType: 'banner' }))?.metadata).toEqual({ source: 'theaudiodb', width: 42, height: 30 });
    expect(await providers.images.getRandomImage({ artistIdentifier: 'air', imageType: 'fanart' })).toBeNull();
  });

  it('refuses an HTML page served as an image: a clear error, nothing stored, not asked again for a while', async () => {
    const { providers } = await makeTestProviders();
    const { server } = await startImageServer(0);
    const url = server.url('/error-page.jpg');
    const error = await providers.images.cacheArtistLogo({ url, artistIdentifier: 'Air' }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnexpectedContentError);
    expect((error as Error).message).toMatch(/not an image/);
    expect(await providers.images.cacheArtistLogo({ url, artistIdentifier: 'Air' })).toBeNull();
    expect(server.requests).toHaveLength(1);
    expect(await providers.images.getRandomImage({ artistIdentifier: 'air', imageType: 'logo' })).toBeNull();
    expect(await providers.images.getCacheKeysForIdentifier({ artistIdentifier: 'air', imageType: 'logo' })).toEqual([]);
  });

  it('hands out every cached image at random, the bytes as downloaded, and only one provider’s when asked', async () => {
    const { providers } = await makeTestProviders();
    const { urls, body } = await startImageServer(6);
    for (const [index, url] of urls.entries()) {
      await providers.images.cacheArtistFanart({ url, artistIdentifier: 'Daft Punk', provider: index < 3 ? 'cdn' : 'fanarttv' });
    }
    const seen = new Set<string>();
    const seenFromFanartTv = new Set<string>();
    for (let draw = 0; draw < 150; draw++) {
      const image = (await providers.images.getRandomImage({ artistIdentifier: 'daft punk', imageType: 'fanart' }))!;
      expect(sha256(image.data)).toBe(sha256(body(image.url)));
      seen.add(image.url);
      const fromFanartTv = (await providers.images.getRandomImage({ artistIdentifier: 'daft punk', imageType: 'fanart', provider: 'fanarttv' }))!;
      seenFromFanartTv.add(fromFanartTv.url);
    }
    expect(seen).toEqual(new Set(urls));
    expect(seenFromFanartTv).toEqual(new Set(urls.slice(3)));
  });

  it('queues at most maxItems of the URLs not cached yet, and processQueue downloads them', async () => {
    const { providers } = await makeTestProviders();
    const { server, urls } = await startImageServer(20);
    const cached = urls.slice(0, 2);
    for (const url of cached) await providers.images.cacheArtistFanart({ url, artistIdentifier: 'Justice' });
    const queued = await providers.images.fillQueue({ artistIdentifier: 'JUSTICE', imageType: 'fanart', urls: [...urls, urls[5]!], allowPrivateAddresses: true });
    expect(queued).toHaveLength(15); // the default maxItems
    expect(queued.some((url) => cached.includes(url))).toBe(false);
    const jobs = await Promise.all(queued.map((url) => providers.client.queue.get(url)));
    expect(jobs.every((job) => job?.priority === PRIORITY.batch && job.state === 'pending')).toBe(true);
    expect(server.requests).toHaveLength(2);

    expect(await providers.processQueue({ provider: 'cdn' })).toEqual({ processed: 15, succeeded: 15, failed: 0 });
    expect(await providers.images.getCacheKeysForIdentifier({ artistIdentifier: 'justice', imageType: 'fanart' })).toHaveLength(17);
    const rest = await providers.images.fillQueue({ artistIdentifier: 'Justice', imageType: 'fanart', urls, maxItems: 100, allowPrivateAddresses: true });
    expect(new Set(rest)).toEqual(new Set(urls.filter((url) => !cached.includes(url) && !queued.includes(url))));
  });

  it('chooses the URLs it queues at random', async () => {
    const { providers } = await makeTestProviders();
    const { urls } = await startImageServer(10);
    const chosen = new Set<string>();
    for (let round = 0; round < 30; round++) {
      const [url] = await providers.images.fillQueue({ artistIdentifier: 'Phoenix', imageType: 'fanart', urls, maxItems: 1, allowPrivateAddresses: true });
      chosen.add(url!);
      await providers.client.queue.clear();
    }
    // Always the same URL would be 1 in 10^29; fewer than 4 distinct ones about 1 in 10^16.
    expect(chosen.size).toBeGreaterThanOrEqual(4);
  });

  it('queues one image at batch priority with immediate: false and resolves null', async () => {
    const { providers } = await makeTestProviders();
    const { server, urls } = await startImageServer(1);
    expect(await providers.images.cacheImage({ url: urls[0]!, artistIdentifier: 'Air', imageType: 'fanart', immediate: false })).toBeNull();
    expect(server.requests).toHaveLength(0);
    expect(await providers.client.queue.get(urls[0]!)).toMatchObject({ priority: PRIORITY.batch, state: 'pending' });
    expect(await providers.processQueue()).toEqual({ processed: 1, succeeded: 1, failed: 0 });
    expect((await providers.images.getRandomImage({ artistIdentifier: 'air', imageType: 'fanart' }))?.mimeType).toBe('image/png');
  });

  it('rejects bad arguments with InvalidArgumentError before any request', async () => {
    const { providers } = await makeTestProviders();
    const bad: (() => Promise<unknown>)[] = [
      () => providers.images.cacheImage({ url: 'ftp://example.org/a.png', artistIdentifier: 'Air', imageType: 'fanart' }),
      () => providers.images.cacheImage({ url: 'https://example.org/a.png', artistIdentifier: 'Air', imageType: '' }),
      () => providers.images.cacheArtistFanart({ url: 'https://example.org/a.png', artistIdentifier: 42 as never }),
      () => providers.images.cacheArtistFanart(null as never),
      () => providers.images.fillQueue({ artistIdentifier: 'Air', imageType: 'fanart', urls: 'https://example.org/a.png' as never }),
      () => providers.images.fillQueue({ artistIdentifier: 'Air', imageType: 'fanart', urls: ['not a url'] }),
      () => providers.images.fillQueue({ artistIdentifier: 'Air', imageType: 'fanart', urls: [], maxItems: -1 }),
      () => providers.images.getRandomImage({ artistIdentifier: 'Air', imageType: 'fanart', provider: 7 as never }),
    ];
    for (const call of bad) await expect(call()).rejects.toBeInstanceOf(InvalidArgumentError);
  });
});
