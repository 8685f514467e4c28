import { describe, expect, it } from 'vitest';
import { lastJsonLine, runTypeScript } from '../helpers/child-process.js';
import { startFakeMusicBrainz } from '../helpers/fake-musicbrainz.js';
import { TWO_TIER } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

describe('MusicBrainz from two processes', () => {
  // The children open the directory alone (no shared tier): the two-tier run would repeat this.
  it.skipIf(TWO_TIER)('sends at most one request per second between them, and answers every search', async () => {
    const { server } = await startFakeMusicBrainz();
    const cacheDir = await temporaryDirectory();
    const startAt = Date.now() + 4000; // once both children are up
    const queries = [
      ['Daft Punk', 'Air', 'Justice'],
      ['Simon & Garfunkel', 'Cassius', 'Phoenix'],
    ];
    const children = await Promise.all(
      queries.map((names) => runTypeScript('../fixtures/musicbrainz-searcher.ts', [cacheDir, server.url(''), String(startAt), ...names], { timeoutMs: 60_000 })),
    );
    expect(children.map((child) => lastJsonLine<{ answered: number }>(child).answered)).toEqual([3, 3]);
    const searches = server.requests.filter((request) => request.path.startsWith('/ws/2/artist?'));
    expect(searches).toHaveLength(6);
    // The limiter decides when a request starts; a loaded machine can then delay one child's
    // bytes, or this process's stamping of their arrival, by a few hundred milliseconds. So:
    // no two arrivals closer than half the spacing (two processes each keeping its own 1/s send
    // theirs in pairs, milliseconds apart), and six requests take at least five spacings.
    const arrivals = searches.map((request) => request.at).sort((a, b) => a - b);
    const gaps = arrivals.slice(1).map((at, index) => at - arrivals[index]!);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(500);
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThanOrEqual(5 * 1000 - 250);
  }, 60_000);
});
