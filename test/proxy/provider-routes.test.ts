import { describe, expect, it } from 'vitest';
import { PROXY_PROVIDERS, routeOfAbsolute, routeOfPath } from '../../src/proxy/provider-routes.js';

describe('proxy routes: a path or an absolute URL to one provider, never anywhere else', () => {
  it('maps each provider prefix to its service, keeping the rest of the path and the query', () => {
    expect(routeOfPath('/lastfm/2.0/?method=artist.getinfo&artist=Air')?.url).toBe('https://ws.audioscrobbler.com/2.0/?method=artist.getinfo&artist=Air');
    expect(routeOfPath('/theaudiodb/api/v1/json/123/search.php?s=air')?.url).toBe('https://www.theaudiodb.com/api/v1/json/123/search.php?s=air');
    expect(routeOfPath('/coverartarchive/release/abc/front')?.url).toBe('https://coverartarchive.org/release/abc/front');
    for (const provider of PROXY_PROVIDERS) expect(routeOfPath(`/${provider}/x`)?.route.provider).toBe(provider);
  });

  it('sorts MusicBrainz parameters and writes fmt=json for a client that asks for JSON by Accept alone', () => {
    expect(routeOfPath('/musicbrainz/ws/2/artist?query=air&fmt=json&limit=5')?.url).toBe('https://musicbrainz.org/ws/2/artist?fmt=json&limit=5&query=air');
    expect(routeOfPath('/musicbrainz/ws/2/artist?query=air', 'application/json')?.url).toBe('https://musicbrainz.org/ws/2/artist?fmt=json&query=air');
    expect(routeOfPath('/musicbrainz/ws/2/artist?query=air', 'application/xml')?.url).toBe('https://musicbrainz.org/ws/2/artist?query=air');
  });

  it('keeps every hostile path on the provider’s own origin, or refuses it', () => {
    const hostile = [
      '/musicbrainz//evil.example/x',
      '/musicbrainz/../../evil',
      '/musicbrainz/%2e%2e/%2e%2e/x',
      '/musicbrainz@evil.example/x',
      '/musicbrainz:443@evil.example/',
      '/musicbrainz\\\\evil.example/x',
      '/musicbrainz/\\evil.example',
      '/lastfm/?url=https://evil.example',
    ];
    for (const target of hostile) {
      const routed = routeOfPath(target);
      if (routed !== null) expect(new URL(routed.url).origin, target).toBe(new URL(`https://${routed.route.provider === 'lastfm' ? 'ws.audioscrobbler.com' : 'musicbrainz.org'}`).origin);
    }
    expect(routeOfPath('/evil.example/x')).toBeNull();
    expect(routeOfPath('/')).toBeNull();
    expect(routeOfPath('/MUSICBRAINZ/ws/2')).toBeNull();
  });

  it('maps an absolute-form URL by its host only (https whatever the client wrote), and no other host', () => {
    expect(routeOfAbsolute(new URL('http://musicbrainz.org/ws/2/artist/abc?inc=aliases&fmt=json'))?.url).toBe('https://musicbrainz.org/ws/2/artist/abc?fmt=json&inc=aliases');
    expect(routeOfAbsolute(new URL('http://theaudiodb.com/api/v1/json/2/search.php?s=air'))?.url).toBe('https://www.theaudiodb.com/api/v1/json/2/search.php?s=air');
    expect(routeOfAbsolute(new URL('http://musicbrainz.org.evil.example/ws/2'))).toBeNull();
    expect(routeOfAbsolute(new URL('http://evil.example/ws/2'))).toBeNull();
    expect(routeOfAbsolute(new URL('http://musicbrainz.org:8080/ws/2'))).toBeNull();
  });
});
