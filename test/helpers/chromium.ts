import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'];

/**
 * The flags Chromium needs here: headless as root, and none of its calls home (a closed
 * network refuses them, many at a time, and slows every start).
 */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/**
 * Debian's Chromium: found, or installed with apt-get when we are root (as in CI); otherwise
 * the reason the browser tests will skip.
 */
export function findOrInstallChromium(): { path: string } | { missing: string } {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (found !== undefined) return { path: found };
  if (process.getuid?.() !== 0) return { missing: 'Chromium is not installed and the tests are not running as root; install it with `sudo apt-get install chromium`.' };
  process.stderr.write('test setup: installing Debian chromium for the dashboard tests (apt-get)…\n');
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', timeout: 300_000 });
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', timeout: 600_000, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const installed = CANDIDATES.find((path) => existsSync(path));
  if (installed !== undefined) return { path: installed };
  return { missing: `Chromium could not be installed (apt-get update exited ${update.status}, install ${install.status}).` };
}
