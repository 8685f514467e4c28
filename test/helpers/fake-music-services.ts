import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type TestServer } from './http-server.js';
import { png } from './images.js';

/** An artist of the fake world: what MusicBrainz, TheAudioDB and fanart.tv know of them. */
export interface FakeArtist {
  mbid: string;
  name: string;
  aliases?: string[];
  /** TheAudioDB has an entry (thumb, logo, banner and 4 fanart images). */
  audioDb: boolean;
  /** fanart.tv has this many backgrounds (and 5 thumbs, 2+2 logos, 1 banner); 0 → 404. */
  fanartTvBackgrounds: number;
}

let counter = 0;
const mbid = (): string => `00000000-0000-4000-8000-${String(++counter).padStart(12, '0')}`;

/** The artists the fixture libraries in test/fixtures/libraries name. */
export function fakeWorld(): FakeArtist[] {
  return [
    { mbid: mbid(), name: 'Daft Punk', aliases: ['Daftpunk'], audioDb: true, fanartTvBackgrounds: 25 },
    { mbid: mbid(), name: 'Pharrell Williams', audioDb: true, fanartTvBackgrounds: 3 },
    { mbid: mbid(), name: 'Nile Rodgers', audioDb: true, fanartTvBackgrounds: 0 },
    { mbid: mbid(), name: 'Sigur Rós', audioDb: false, fanartTvBackgrounds: 6 },
    { mbid: mbid(), name: 'Björk', audioDb: true, fanartTvBackgrounds: 2 },
    { mbid: mbid(), name: 'Simon & Garfunkel', aliases: ['Simon and Garfunkel'], audioDb: true, fanartTvBackgrounds: 1 },
    { mbid: mbid(), name: 'Paul Simon', audioDb: true, fanartTvBackgrounds: 0 },
    { mbid: mbid(), name: 'Röyksopp', audioDb: true, fanartTvBackgrounds: 4 },
    { mbid: mbid(), name: 'Beyoncé', audioDb: true, fanartTvBackgrounds: 2 },
    { mbid: mbid(), name: 'Jay-Z', aliases: ['JAY Z'], audioDb: false, fanartTvBackgrounds: 0 },
    { mbid: mbid(), name: 'Earth, Wind & Fire', audioDb: true, fanartTvBackgrounds: 0 },
  ];
}

function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

export interface FakeMusicServices {
  server: TestServer;
  world: FakeArtist[];
  /** Requests seen, by service: musicbrainz, theaudiodb, fanarttv, images. */
  counts(): Record<'musicbrainz' | 'theaudiodb' | 'fanarttv' | 'images', number>;
  /** Provider settings that send every service here, with no rate limit (or the rates given). */
  providers(options?: { fanartTvKey?: string }): Record<string, { baseUrl?: string; ratePerSecond: number; apiKey?: string }>;
}

/**
 * MusicBrainz (artist search, scored: 100 for a name or alias equal but for case and
 * accents, 80 for one that contains the query or is in it), TheAudioDB v1 `artist-mb.php`,
 * fanart.tv v3 `music/{mbid}` (404 for an artist it does not know) and the images they list,
 * all on one 127.0.0.1 server. Anything under /broken/ answers 500.
 */
export async function startFakeMusicServices(world: FakeArtist[] = fakeWorld()): Promise<FakeMusicServices> {
  const server = await startServer({});
  const image = (path: string): string => server.url(`/images/${path}.png`);
  server.fallback = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://fake.test');
    if (url.pathname === '/ws/2/artist') {
      const query = fold((url.searchParams.get('query') ?? '').replace(/\\(.)/gu, '$1'));
      const artists = world
        .map((artist) => {
          const names = [artist.name, ...(artist.aliases ?? [])].map(fold);
          const score = names.includes(query) ? 100 : names.some((name) => name.includes(query) || query.includes(name)) ? 80 : 0;
          return { id: artist.mbid, name: artist.name, 'sort-name': artist.name, score, aliases: (artist.aliases ?? []).map((name) => ({ name })) };
        })
        .filter((artist) => artist.score > 0)
        .sort((a, b) => b.score - a.score);
      json(response, 200, { created: '2026-11-24T10:00:00.000Z', count: artists.length, offset: 0, artists });
      return;
    }
    const audioDb = /^\/api\/v1\/json\/[^/]+\/artist-mb\.php$/u.exec(url.pathname);
    if (audioDb !== null) {
      const artist = world.find((candidate) => candidate.mbid === url.searchParams.get('i') && candidate.audioDb);
      if (artist === undefined) {
        json(response, 200, { artists: null });
        return;
      }
      const base = `${artist.mbid}/audiodb`;
      json(response, 200, {
        artists: [
          {
            idArtist: '111239',
            strArtist: artist.name,
            strMusicBrainzID: artist.mbid,
            strArtistThumb: image(`${base}-thumb`),
            strArtistLogo: image(`${base}-logo`),
            strArtistBanner: image(`${base}-banner`),
            strArtistFanart: image(`${base}-fanart-1`),
            strArtistFanart2: image(`${base}-fanart-2`),
            strArtistFanart3: image(`${base}-fanart-3`),
            strArtistFanart4: null,
            strArtistClearart: null,
          },
        ],
      });
      return;
    }
    const fanartTv = /^\/v3\/music\/([0-9a-f-]{36})$/u.exec(url.pathname);
    if (fanartTv !== null) {
      const artist = world.find((candidate) => candidate.mbid === fanartTv[1]);
      if (artist === undefined || artist.fanartTvBackgrounds === 0) {
        json(response, 404, { status: 'error', 'error message': 'Not found' });
        return;
      }
      const list = (kind: string, count: number): { id: string; url: string; likes: string }[] =>
        Array.from({ length: count }, (_, index) => ({ id: String(index), url: image(`${artist.mbid}/fanarttv-${kind}-${index}`), likes: '1' }));
      json(response, 200, {
        name: artist.name,
        mbid_id: artist.mbid,
        artistbackground: list('background', artist.fanartTvBackgrounds),
        artistthumb: list('thumb', 5),
        hdmusiclogo: list('hdlogo', 2),
        musiclogo: list('logo', 2),
        musicbanner: list('banner', 1),
      });
      return;
    }
    if (url.pathname.startsWith('/broken/')) {
      response.writeHead(500, { 'content-type': 'text/plain' }).end('internal error');
      return;
    }
    if (url.pathname.startsWith('/images/')) {
      response.writeHead(200, { 'content-type': 'image/png' }).end(png(4, 3));
      return;
    }
    response.writeHead(404).end('not found');
  };
  const serviceOf = (path: string): 'musicbrainz' | 'theaudiodb' | 'fanarttv' | 'images' | null =>
    path.startsWith('/ws/2/') ? 'musicbrainz' : path.startsWith('/api/v1/') ? 'theaudiodb' : path.startsWith('/v3/') ? 'fanarttv' : path.startsWith('/images/') ? 'images' : null;
  return {
    server,
    world,
    counts() {
      const counts = { musicbrainz: 0, theaudiodb: 0, fanarttv: 0, images: 0 };
      for (const request of server.requests) {
        const service = serviceOf(request.path);
        if (service !== null) counts[service] += 1;
      }
      return counts;
    },
    providers(options = {}) {
      const base = server.url('');
      return {
        musicbrainz: { baseUrl: base, ratePerSecond: Infinity },
        theaudiodb: { baseUrl: base, ratePerSecond: Infinity },
        fanarttv: { baseUrl: base, ratePerSecond: Infinity, ...(options.fanartTvKey === undefined ? {} : { apiKey: options.fanartTvKey }) },
        cdn: { ratePerSecond: Infinity },
      };
    },
  };
}
