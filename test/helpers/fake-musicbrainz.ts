import type { IncomingMessage, ServerResponse } from 'node:http';
import { startServer, type TestServer } from './http-server.js';

export const DAFT_PUNK = '056e4f3e-d505-4dad-8ec1-d04f521cbb56';
const SIMON_AND_GARFUNKEL = '5d02f264-e225-41ff-83f7-d9b1f0b1874a';

/** Artists shaped like MusicBrainz's ws/2 JSON (search answers carry a score). */
const artists = [
  {
    id: DAFT_PUNK,
    type: 'Group',
    name: 'Daft Punk',
    'sort-name': 'Daft Punk',
    country: 'FR',
    'life-span': { begin: '1993', end: '2021-02-22', ended: true },
    aliases: [{ 'sort-name': 'Daftpunk', name: 'Daftpunk', locale: null, type: 'Search hint', primary: null }],
    tags: [{ count: 12, name: 'french house' }, { count: 9, name: 'electronic' }],
    disambiguation: 'French electronic duo',
  },
  {
    id: SIMON_AND_GARFUNKEL,
    type: 'Group',
    name: 'Simon & Garfunkel',
    'sort-name': 'Simon & Garfunkel',
    country: 'US',
    'life-span': { begin: '1956', ended: true },
    aliases: [{ name: 'Simon and Garfunkel', 'sort-name': 'Simon and Garfunkel', type: 'Search hint' }],
    tags: [{ count: 20, name: 'folk rock' }],
  },
];

/** Undoes escapeLuceneQuery, as MusicBrainz's parser would, for matching. */
function unescape(query: string): string {
  return query.replace(/\\(.)/g, '$1').toLowerCase();
}

function json(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(body));
}

/** What the fake MusicBrainz answers a ws/2 request with: a status and a JSON body. */
function answer(url: URL): [number, unknown] {
  const [, , , entity, id] = url.pathname.split('/');
  if (id !== undefined) {
    const artist = artists.find((candidate) => candidate.id === id);
    if (!artist) return [404, { error: 'Not Found' }];
    const includes = (url.searchParams.get('inc') ?? '').split(' ');
    const relations = includes.includes('url-rels')
      ? { relations: [{ type: 'official homepage', 'target-type': 'url', url: { resource: 'https://www.daftpunk.com/', id: '5f4b1f7c-4a7d-4a07-8a43-9b8f7e5a1c11' } }] }
      : {};
    return [200, { ...artist, ...relations }];
  }
  const query = unescape(url.searchParams.get('query') ?? '');
  const created = '2026-11-24T10:00:00.000Z';
  if (entity === 'artist') {
    const found = artists
      .filter((artist) => [artist.name, ...artist.aliases.map((alias) => alias.name)].some((name) => name.toLowerCase().includes(query) || query.includes(name.toLowerCase())))
      .map((artist) => ({ ...artist, score: 100 }));
    return [200, { created, count: found.length, offset: Number(url.searchParams.get('offset') ?? 0), artists: found }];
  }
  if (entity === 'recording') return [200, { created, count: 1, offset: 0, recordings: [{ id: 'a1b2c3d4-0000-4000-8000-000000000001', title: 'One More Time', length: 320_357, score: 100 }] }];
  if (entity === 'release') return [200, { created, count: 1, offset: 0, releases: [{ id: 'a1b2c3d4-0000-4000-8000-000000000002', title: 'Discovery', date: '2001-03-12', score: 100 }] }];
  return [400, { error: 'Invalid resource' }];
}

/**
 * A local MusicBrainz: /ws/2/artist search and lookup (with inc=url-rels), recording and
 * release searches. `state.slowDown` makes it answer 503 with Retry-After, as MusicBrainz does
 * to clients over its rate limit.
 */
export async function startFakeMusicBrainz(): Promise<{ server: TestServer; state: { slowDown: boolean } }> {
  const state = { slowDown: false };
  const route = (request: IncomingMessage, response: ServerResponse): void => {
    if (state.slowDown) {
      response.writeHead(503, { 'retry-after': '30', 'content-type': 'text/plain' }).end('Your requests are exceeding the allowable rate limit.');
      return;
    }
    const url = new URL(request.url!, 'http://musicbrainz.test');
    const [status, body] = answer(url);
    json(response, status, body);
  };
  const server = await startServer({ '/ws/2/artist': route, '/ws/2/recording': route, '/ws/2/release': route, [`/ws/2/artist/${DAFT_PUNK}`]: route, [`/ws/2/artist/${SIMON_AND_GARFUNKEL}`]: route });
  return { server, state };
}
