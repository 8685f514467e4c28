import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/index.js';
import { escapeLuceneQuery, musicbrainzUrl, requireMbid } from '../../src/providers/musicbrainz/query.js';

describe('escapeLuceneQuery', () => {
  it('escapes every Lucene special character', () => {
    expect(escapeLuceneQuery('AC/DC')).toBe('AC\\/DC');
    expect(escapeLuceneQuery('!!!')).toBe('\\!\\!\\!');
    expect(escapeLuceneQuery('The "Real" Slim Shady')).toBe('The \\"Real\\" Slim Shady');
    expect(escapeLuceneQuery('a+b-c (d) [e] {f} ^g ~h *i ?j :k \\l')).toBe('a\\+b\\-c \\(d\\) \\[e\\] \\{f\\} \\^g \\~h \\*i \\?j \\:k \\\\l');
    expect(escapeLuceneQuery('Simon && Garfunkel || Art')).toBe('Simon \\&\\& Garfunkel \\|\\| Art');
  });

  it('turns the operator words into plain words', () => {
    expect(escapeLuceneQuery('Simon AND Garfunkel')).toBe('Simon and Garfunkel');
    expect(escapeLuceneQuery('NOT OR Nothing')).toBe('not or Nothing');
    expect(escapeLuceneQuery('ANDROMEDA')).toBe('ANDROMEDA');
  });
});

describe('requireMbid', () => {
  it('accepts a MusicBrainz ID in either case and refuses anything else before a request', () => {
    expect(requireMbid('mbid', '056E4F3E-D505-4DAD-8EC1-D04F521CBB56')).toBe('056e4f3e-d505-4dad-8ec1-d04f521cbb56');
    for (const bad of ['', 'daft punk', '056e4f3e-d505-4dad-8ec1', '056e4f3e-d505-4dad-8ec1-d04f521cbb5g', 42]) {
      expect(() => requireMbid('mbid', bad)).toThrow(InvalidArgumentError);
    }
  });
});

describe('musicbrainzUrl', () => {
  it('puts the query parameters in one order, so one search is one cache entry', () => {
    const a = musicbrainzUrl('https://musicbrainz.org', 'artist', { query: 'air', limit: 5, fmt: 'json', offset: undefined });
    const b = musicbrainzUrl('https://musicbrainz.org/', 'artist', { fmt: 'json', query: 'air', limit: 5 });
    expect(a).toBe('https://musicbrainz.org/ws/2/artist?fmt=json&limit=5&query=air');
    expect(b).toBe(a);
    expect(musicbrainzUrl('http://127.0.0.1:5000/mirror', 'artist/x', { fmt: 'json' })).toBe('http://127.0.0.1:5000/mirror/ws/2/artist/x?fmt=json');
  });
});
