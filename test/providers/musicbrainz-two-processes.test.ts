import { describe, expect, it } from 'vitest';
import { busiestWindow } from '../../support/busiest-window.js';
import { lastJsonLine, runTypeScript } from '../helpers/child-process.js';
import { startFakeMusicBrainz } from '../helpers/fake-musicbrainz.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

describe('MusicBrainz from two processes', () => {
  it('sends at most one request per second between them, and answers every search', async () => {
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
    // Arrivals are stamped by this process's event loop, which a loaded machine delays by tens of
    // milliseconds now and then; windows of 900 ms allow for that and still catch two processes
    // each keeping its own 1/s, whose requests arrive in pairs.
    expect(busiestWindow(searches.map((request) => request.at), 900)).toBe(1);
  }, 60_000);
});
