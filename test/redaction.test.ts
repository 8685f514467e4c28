import { describe, expect, it } from 'vitest';
import { redactingLogger } from '../src/logger.js';
import { redactText, redactUrl } from '../src/redaction.js';

describe('redactUrl', () => {
  it('hides secret query parameters of any spelling', () => {
    expect(redactUrl('https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&api_key=abc123&artist=Air')).toBe(
      'https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&api_key=<redacted>&artist=Air',
    );
    for (const name of ['apikey', 'API-KEY', 'key', 'token', 'access_token', 'client_secret', 'Signature']) {
      expect(redactUrl(`https://x.example/a?${name}=s3cret&q=1`)).toBe(`https://x.example/a?${name}=<redacted>&q=1`);
    }
  });

  it("hides TheAudioDB's key in the path, even the short free one", () => {
    expect(redactUrl('https://www.theaudiodb.com/api/v1/json/523532/search.php?s=air')).toBe('https://www.theaudiodb.com/api/v1/json/<redacted>/search.php?s=air');
    expect(redactUrl('https://www.theaudiodb.com/api/v1/json/2/artist-mb.php?i=1')).toBe('https://www.theaudiodb.com/api/v1/json/<redacted>/artist-mb.php?i=1');
  });

  it('hides key-looking path segments but keeps MusicBrainz IDs and ordinary words', () => {
    expect(redactUrl('https://api.example/v3/a1B2c3D4e5F6g7H8i9J0k1/artist')).toBe('https://api.example/v3/<redacted>/artist');
    const mbid = 'https://musicbrainz.org/ws/2/artist/056e4f3e-d505-4dad-8ec1-d04f521cbb56?inc=url-rels';
    expect(redactUrl(mbid)).toBe(mbid);
    expect(redactUrl('https://webservice.fanart.tv/v3/music/albums')).toBe('https://webservice.fanart.tv/v3/music/albums');
  });

  it('hides a user name and password in a URL, alone or in text', () => {
    expect(redactUrl('http://dj:PASS@mirror.lan:5000/ws/2/artist?fmt=json')).toBe('http://<redacted>@mirror.lan:5000/ws/2/artist?fmt=json');
    expect(redactUrl('https://token-only@cdn.example/a.png')).toBe('https://<redacted>@cdn.example/a.png');
    expect(redactText('could not reach http://dj:PASS@mirror.lan:5000/ws/2 (refused)')).toBe('could not reach http://<redacted>@mirror.lan:5000/ws/2 (refused)');
  });

  it('redacts URLs and assignments inside free text', () => {
    expect(redactText('GET https://x.example/a?token=abc failed; retry with apikey=zzz')).toBe('GET https://x.example/a?token=<redacted> failed; retry with apikey=<redacted>');
    expect(redactUrl('not a url, key=oops')).toBe('not a url, key=<redacted>');
  });
});

describe('redactingLogger', () => {
  it('redacts the message and every string in the details, however deep, and wraps only once', () => {
    const lines: unknown[] = [];
    const inner = { debug: () => undefined, info: () => undefined, warn: (...args: unknown[]) => lines.push(args), error: () => undefined };
    const logger = redactingLogger(inner);
    logger.warn('GET https://x.example/a?token=abc failed', { url: 'https://ws.audioscrobbler.com/2.0/?api_key=k1', nested: [{ error: new Error('apikey=zzz') }], count: 3 });
    expect(lines).toEqual([
      ['GET https://x.example/a?token=<redacted> failed', { url: 'https://ws.audioscrobbler.com/2.0/?api_key=<redacted>', nested: [{ error: 'apikey=<redacted>' }], count: 3 }],
    ]);
    expect(redactingLogger(logger)).toBe(logger);
  });
});
