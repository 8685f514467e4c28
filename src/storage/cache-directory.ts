import envPaths from 'env-paths';
import { resolve } from 'node:path';

/**
 * The cache directory used when none is given: `$DATACACHE_DIR` when set, else the user's
 * cache location plus `datacache`:
 * - Linux: `$XDG_CACHE_HOME/datacache`, or `~/.cache/datacache`
 * - macOS: `~/Library/Caches/datacache`
 * - Windows: `%LOCALAPPDATA%\datacache\Cache`
 *
 * @example defaultCacheDirectory() // '/home/dj/.cache/datacache'
 */
export function defaultCacheDirectory(environment: NodeJS.ProcessEnv = process.env): string {
  const fromEnvironment = environment.DATACACHE_DIR;
  if (fromEnvironment !== undefined && fromEnvironment.trim() !== '') return resolve(fromEnvironment);
  return envPaths('datacache', { suffix: '' }).cache;
}
