import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Real file-system faults for the tests and the torture suite: a small tmpfs that fills up,
 * and files made immutable under an open cache. Both need root (CI runs as root).
 */

/** Why this machine cannot inject these faults (not root, no tmpfs), or undefined when it can. */
export function fileSystemFaultsUnavailable(): string | undefined {
  const probe = mkdtempSync(join(tmpdir(), 'datacache-mount-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'pipe' });
    execFileSync('umount', [probe], { stdio: 'pipe' });
    return undefined;
  } catch (error) {
    return String(error).split('\n')[0] ?? 'mount failed';
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** Mounts a tmpfs of `size` (such as "2m") on `directory`. */
export function mountTmpfs(directory: string, size: string): void {
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', directory], { stdio: 'pipe' });
}

/** Unmounts `directory` (lazily, so files still open do not block it); quiet when it is not mounted. */
export function unmount(directory: string): void {
  try {
    execFileSync('umount', ['-l', directory], { stdio: 'pipe' });
  } catch {
    // already unmounted
  }
}

/**
 * The files to make immutable so a cache directory is read-only under an open cache. A mounted
 * directory cannot be remounted read-only while SQLite holds it open for writing (EBUSY), so
 * the files are made immutable instead (`chattr +i`, which binds root too). The -shm file is
 * left alone: SQLite maps it into memory, and a write to a mapped immutable page is SIGBUS, a
 * fault no real disk produces.
 */
export function cacheFilesToFreeze(cacheDir: string): string[] {
  return ['datacache.sqlite', 'datacache.sqlite-wal', '.', 'blobs', 'blobs/tmp'].map((name) => join(cacheDir, name)).filter((path) => existsSync(path));
}

/** `chattr +i` (frozen) or `chattr -i` on the paths. */
export function setImmutable(paths: string[], frozen: boolean): void {
  execFileSync('chattr', [frozen ? '+i' : '-i', ...paths], { stdio: 'pipe' });
}
