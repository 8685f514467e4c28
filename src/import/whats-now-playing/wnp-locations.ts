import { homedir } from 'node:os';
import { join, posix, win32 } from 'node:path';

/** Whose computer to look at: by default this process's platform, home folder and environment. */
export interface WnpLocationOptions {
  platform?: NodeJS.Platform;
  home?: string;
  /** XDG_CACHE_HOME on Linux, LOCALAPPDATA and USERPROFILE on Windows. */
  env?: Record<string, string | undefined>;
}

/** The database file whats-now-playing keeps in its cache directory, as datacache does. */
export const WNP_DATABASE_FILE = 'datacache.sqlite';

/**
 * The directory whats-now-playing keeps its datacache in when nobody moved it: Qt's
 * `CacheLocation` for the organisation "whatsnowplaying" and the application "WhatsNowPlaying"
 * (nowplaying/bootstrap.py sets both), plus `datacache` (nowplaying/datacache/utils.py,
 * `get_datacache_path`). Qt puts `CacheLocation` at:
 * - Linux and other Unixes: `$XDG_CACHE_HOME/<org>/<app>`, XDG_CACHE_HOME defaulting to ~/.cache;
 * - macOS: `~/Library/Caches/<org>/<app>`;
 * - Windows: `%LOCALAPPDATA%\<org>\<app>\cache`.
 *
 * @example defaultWnpCacheDirectory({ platform: 'linux', home: '/home/dj', env: {} })
 * // '/home/dj/.cache/whatsnowplaying/WhatsNowPlaying/datacache'
 */
export function defaultWnpCacheDirectory(options: WnpLocationOptions = {}): string {
  const platform = options.platform ?? process.platform;
  const env = options.env ?? process.env;
  const setting = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  if (platform === 'win32') {
    const profile = setting('USERPROFILE') ?? options.home ?? homedir();
    const localAppData = setting('LOCALAPPDATA') ?? win32.join(profile, 'AppData', 'Local');
    return win32.join(localAppData, ORGANISATION, APPLICATION, 'cache', 'datacache');
  }
  const home = options.home ?? setting('HOME') ?? homedir();
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', ORGANISATION, APPLICATION, 'datacache');
  // XDG says a relative XDG_CACHE_HOME is invalid and is to be ignored; Qt does the same.
  const xdgCache = setting('XDG_CACHE_HOME');
  return join(xdgCache !== undefined && xdgCache.startsWith('/') ? xdgCache : posix.join(home, '.cache'), ORGANISATION, APPLICATION, 'datacache');
}

const ORGANISATION = 'whatsnowplaying';
const APPLICATION = 'WhatsNowPlaying';
