import { describe, expect, it } from 'vitest';
import { clientKeyAuthorizer, takeClientKeys } from '../../src/providers/api/client-key.js';

describe("a client's own keys in a URL", () => {
  it('come out of the URL the answer is cached under: credential-named parameters, and TheAudioDB’s path segment', () => {
    expect(takeClientKeys('lastfm', 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=Air&api_key=abc&format=json')).toEqual({
      url: 'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=Air&format=json',
      keys: [{ in: 'query', name: 'api_key', value: 'abc' }],
    });
    expect(takeClientKeys('theaudiodb', 'https://www.theaudiodb.com/api/v1/json/SECRET42/search.php?s=air')).toEqual({
      url: 'https://www.theaudiodb.com/api/v1/json/apikey/search.php?s=air',
      keys: [{ in: 'path', after: '/api/v1/json/', value: 'SECRET42' }],
    });
    // Nothing to take: the URL is returned exactly as given.
    const plain = 'https://musicbrainz.org/ws/2/artist?query=air&fmt=json';
    expect(takeClientKeys('musicbrainz', plain)).toEqual({ url: plain, keys: [] });
  });

  it('go back into the request as it leaves, to the provider’s own origins only', () => {
    const { url, keys } = takeClientKeys('theaudiodb', 'https://www.theaudiodb.com/api/v1/json/SECRET42/search.php?s=air&token=t1');
    const authorize = clientKeyAuthorizer(keys, new Set(['https://www.theaudiodb.com']))!;
    expect(authorize({ url, headers: {} }).url).toBe('https://www.theaudiodb.com/api/v1/json/SECRET42/search.php?s=air&token=t1');
    // A redirect to another host, or an image URL of another host, never carries them.
    const elsewhere = 'https://r2.theaudiodb.com/api/v1/json/apikey/x.png';
    expect(authorize({ url: elsewhere, headers: {} }).url).toBe(elsewhere);
    expect(clientKeyAuthorizer([], new Set(['https://www.theaudiodb.com']))).toBeUndefined();
  });
});
