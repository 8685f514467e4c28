import { describe, expect, it } from 'vitest';
import { defaultWnpCacheDirectory } from '../../../src/index.js';

describe("whats-now-playing's default cache directory (Qt's CacheLocation + datacache)", () => {
  it('is under ~/.cache on Linux, or XDG_CACHE_HOME when it is an absolute path', () => {
    expect(defaultWnpCacheDirectory({ platform: 'linux', home: '/home/dj', env: {} })).toBe('/home/dj/.cache/whatsnowplaying/WhatsNowPlaying/datacache');
    expect(defaultWnpCacheDirectory({ platform: 'linux', home: '/home/dj', env: { XDG_CACHE_HOME: '/var/cache/dj' } })).toBe('/var/cache/dj/whatsnowplaying/WhatsNowPlaying/datacache');
    expect(defaultWnpCacheDirectory({ platform: 'freebsd', home: '/home/dj', env: { XDG_CACHE_HOME: 'relative' } })).toBe('/home/dj/.cache/whatsnowplaying/WhatsNowPlaying/datacache');
  });

  it('is under ~/Library/Caches on macOS', () => {
    expect(defaultWnpCacheDirectory({ platform: 'darwin', home: '/Users/dj', env: {} })).toBe('/Users/dj/Library/Caches/whatsnowplaying/WhatsNowPlaying/datacache');
  });

  it('is under %LOCALAPPDATA%\\whatsnowplaying\\WhatsNowPlaying\\cache on Windows', () => {
    expect(defaultWnpCacheDirectory({ platform: 'win32', env: { LOCALAPPDATA: 'C:\\Users\\dj\\AppData\\Local' } })).toBe('C:\\Users\\dj\\AppData\\Local\\whatsnowplaying\\WhatsNowPlaying\\cache\\datacache');
    expect(defaultWnpCacheDirectory({ platform: 'win32', env: { USERPROFILE: 'D:\\Profiles\\dj' } })).toBe('D:\\Profiles\\dj\\AppData\\Local\\whatsnowplaying\\WhatsNowPlaying\\cache\\datacache');
  });
});
