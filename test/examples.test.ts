import { describe, expect, it } from 'vitest';
import { runTypeScript } from './helpers/child-process.js';
import { startFakeMusicBrainz } from './helpers/fake-musicbrainz.js';
import { startServer, type Route } from './helpers/http-server.js';
import { encodedImage } from './helpers/images.js';
import { temporaryDirectory } from './helpers/temporary-directory.js';

const json =
  (body: unknown): Route =>
  (_request, response) =>
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/** Runs an example as a user would, against local stand-ins for the services, twice. */
async function runExample(script: string, args: string[], env: Record<string, string>): Promise<string[]> {
  const cacheDir = await temporaryDirectory();
  const outputs: string[] = [];
  for (let run = 0; run < 2; run++) {
    const result = await runTypeScript(`../../examples/${script}`, args, { env: { ...process.env, DATACACHE_DIR: cacheDir, ...env }, timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`${script} failed:\n${result.stderr}`);
    outputs.push(result.stdout);
  }
  return outputs;
}

describe('the provider examples in the README run', () => {
  it('musicbrainz.ts searches, looks up, and is answered from the cache the second time', async () => {
    const { server } = await startFakeMusicBrainz();
    const [first, second] = await runExample('musicbrainz.ts', ['Daft Punk'], { DATACACHE_MUSICBRAINZ_URL: server.url('') });
    expect(first).toContain('100\tDaft Punk\t056e4f3e-d505-4dad-8ec1-d04f521cbb56');
    expect(first).toContain('official homepage: https://www.daftpunk.com/');
    expect(second).toBe(first);
    expect(server.requests).toHaveLength(2);
  }, 60_000);

  it('artist-images.ts caches a thumbnail, queues and downloads fanart, and picks one at random', async () => {
    const routes: Record<string, Route> = {};
    for (const [index, format] of (['jpeg', 'png', 'webp'] as const).entries()) {
      const body = await encodedImage(format, 64, 48, index);
      routes[`/${index}`] = (_request, response) => response.writeHead(200).end(body);
    }
    const server = await startServer(routes);
    const [first, second] = await runExample('artist-images.ts', ['Daft Punk', server.url('/0'), server.url('/1'), server.url('/2')], {});
    expect(first).toContain('thumbnail: image/jpeg {"width":64,"height":48}');
    expect(first).toContain('fanart: 2 queued, 2 downloaded, 0 failed');
    expect(first).toContain('2 fanart cached for "Daft Punk"');
    expect(second).toContain('fanart: 0 queued, 0 downloaded, 0 failed');
    expect(server.requests).toHaveLength(3);
  }, 60_000);

  it('api-presets.ts asks TheAudioDB and Last.fm, sending each key the way the service takes it', async () => {
    const server = await startServer({
      '/api/v1/json/tadb-key-42/search.php': json({ artists: [{ strArtist: 'Daft Punk', strCountry: 'Paris, France', strGenre: 'House' }] }),
      '/2.0/': json({ artist: { bio: { summary: 'Daft Punk est un groupe de musique électronique français.' } } }),
    });
    const [first, second] = await runExample('api-presets.ts', ['Daft Punk'], {
      DATACACHE_THEAUDIODB_URL: server.url(''),
      DATACACHE_LASTFM_URL: server.url(''),
      THEAUDIODB_API_KEY: 'tadb-key-42',
      LASTFM_API_KEY: 'lastfm-key-42',
    });
    expect(first).toContain('TheAudioDB: Daft Punk (Paris, France, House)');
    expect(first).toContain('Last.fm (fr): Daft Punk est un groupe');
    expect(second).toBe(first);
    expect(server.requests).toHaveLength(2);
    expect(new URL(server.requests[1]!.path, 'http://x').searchParams.get('api_key')).toBe('lastfm-key-42');
  }, 60_000);
});
