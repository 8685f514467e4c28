import { execFileSync } from 'node:child_process';
import { closeSync, constants, openSync, unlinkSync } from 'node:fs';
import { copyFile, lstat, mkdir, readFile, rename, stat, symlink, unlink } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CacheDirectoryUnsafeError } from '../../src/errors.js';
import { DataStorage } from '../../src/index.js';
import { closeAfterTest, filePathOf, openTestStorage, queryDatabase, request, TWO_TIER } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

/**
 * A blob file can be replaced by anything: a FIFO, a socket, a directory, a link. A FIFO
 * opened for reading blocks its thread-pool thread until a writer comes, and four such reads
 * stall every file operation of the process. Anything but a regular file must be a corrupt
 * blob: the row goes, and nothing is ever read from it.
 */
const posix = process.platform !== 'win32';

/** Whether `mkfifo` (coreutils) can make a FIFO here; Node itself cannot. */
function mkfifoWorks(): boolean {
  if (!posix) return false;
  const probe = join(tmpdir(), `datacache-fifo-probe-${process.pid}`);
  try {
    execFileSync('mkfifo', [probe], { stdio: 'ignore' });
    unlinkSync(probe);
    return true;
  } catch {
    return false;
  }
}
const canMakeFifos = mkfifoWorks();
if (posix && !canMakeFifos) console.warn('special-files: the FIFO tests are skipped: the mkfifo command is not available');
const fifos: string[] = [];
const servers: Server[] = [];

afterEach(async () => {
  // Were a read still stuck opening a FIFO (the defect), opening its other end lets it go.
  for (const fifo of fifos.splice(0)) {
    try {
      closeSync(openSync(fifo, constants.O_WRONLY | constants.O_NONBLOCK));
    } catch {
      // No reader waiting: nothing to release.
    }
  }
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});



function mkfifo(path: string): void {
  execFileSync('mkfifo', ['-m', '600', path]);
  fifos.push(path);
}

/** Settles `promise`, or fails the test after `ms` instead of hanging it. */
function withinDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`${what} did not settle within ${ms} ms`));
    }, ms);
  });
  return Promise.race([promise, deadline]).finally(() => {
    clearTimeout(timer);
  });
}

describe.skipIf(!posix)('a blob file replaced by a special file', () => {
  it.skipIf(!canMakeFifos)('a FIFO: five reads at once all miss without blocking, the rows go, and other reads still work', async () => {
    const { storage, cacheDir } = await openTestStorage({ memoryCacheBytes: 0 });
    const urls = Array.from({ length: 5 }, (_, index) => `https://images.example/fifo-${index}.jpg`);
    for (const [index, url] of urls.entries()) await storage.store(request({ url, value: Buffer.alloc(30_000, index + 1) }));
    await storage.store(request({ url: 'k:normal', value: Buffer.alloc(30_000, 99) }));
    for (const url of urls) {
      const path = join(cacheDir, filePathOf(storage.databasePath, url));
      await unlink(path);
      mkfifo(path);
    }
    const answers = await withinDeadline(Promise.all(urls.map((url) => storage.retrieveByUrl(url))), 10_000, 'reading five FIFOs');
    if (TWO_TIER) {
      // The shared tier's good copies answer instead of a miss.
      expect(answers.map((answer) => answer!.data)).toEqual(urls.map((_, index) => Buffer.alloc(30_000, index + 1)));
    } else {
      expect(answers).toEqual([null, null, null, null, null]);
      for (const url of urls) expect(queryDatabase<number>(storage.databasePath, 'SELECT count(*) FROM entries WHERE url = ?', url)).toBe(0);
    }
    const normal = await withinDeadline(storage.retrieveByUrl('k:normal'), 10_000, 'a normal read');
    expect(normal!.data.equals(Buffer.alloc(30_000, 99))).toBe(true);
    // The file system still answers: the thread pool is free.
    await withinDeadline(stat(cacheDir), 10_000, 'a stat');
  });

  it.skipIf(!canMakeFifos)('a FIFO picked by retrieveRandom is skipped for a good entry', async () => {
    const { storage, cacheDir } = await openTestStorage({ memoryCacheBytes: 0 });
    const query = { identifier: 'daft punk', dataType: 'fanart' };
    await storage.store(request({ url: 'k:fifo', dataType: 'fanart', value: Buffer.alloc(30_000, 1) }));
    await storage.store(request({ url: 'k:good', dataType: 'fanart', value: Buffer.alloc(30_000, 2) }));
    const path = join(cacheDir, filePathOf(storage.databasePath, 'k:fifo'));
    await unlink(path);
    mkfifo(path);
    for (let attempt = 0; attempt < 4; attempt++) {
      const entry = await withinDeadline(storage.retrieveRandom(query), 10_000, 'retrieveRandom');
      if (TWO_TIER) {
        // The shared tier still has k:fifo's bytes: either entry, never a wrong byte.
        expect(entry!.data).toEqual(Buffer.alloc(30_000, entry!.url === 'k:fifo' ? 1 : 2));
      } else {
        expect(entry?.url).toBe('k:good');
      }
    }
  });

  it('a socket, a directory or a link (even to an exact copy) is a corrupt blob: a miss, and the row goes', async () => {
    const { storage, cacheDir } = await openTestStorage({ memoryCacheBytes: 0 });
    const elsewhere = await temporaryDirectory();
    const kinds = ['socket', 'directory', 'link'] as const;
    for (const [index, kind] of kinds.entries()) {
      const url = `k:${kind}`;
      await storage.store(request({ url, value: Buffer.alloc(30_000, index + 1) }));
      const path = join(cacheDir, filePathOf(storage.databasePath, url));
      if (kind === 'link') {
        const copy = join(elsewhere, 'copy');
        await copyFile(path, copy);
        await unlink(path);
        await symlink(copy, path);
      } else if (kind === 'directory') {
        await unlink(path);
        await mkdir(path);
      } else {
        await unlink(path);
        // Bound at a short path (a socket path has a 107-byte limit), then moved into place.
        const server = createServer();
        servers.push(server);
        const socketPath = join(elsewhere, 's');
        await new Promise<void>((resolve) => server.listen(socketPath, resolve));
        await rename(socketPath, path);
        expect((await lstat(path)).isSocket()).toBe(true);
      }
      const answer = await withinDeadline(storage.retrieveByUrl(url), 10_000, kind);
      if (TWO_TIER) {
        expect(answer!.data, kind).toEqual(Buffer.alloc(30_000, index + 1)); // the shared tier's copy
        await storage.idle();
        continue;
      }
      expect(answer, kind).toBeNull();
      expect(queryDatabase<number>(storage.databasePath, 'SELECT count(*) FROM entries WHERE url = ?', url), kind).toBe(0);
    }
    // Removing the link removed only the link.
    expect((await readFile(join(elsewhere, 'copy'))).equals(Buffer.alloc(30_000, 3))).toBe(true);
  });
});

describe.skipIf(!canMakeFifos)('a database file that is not a regular file', () => {
  it('is refused at open instead of being read', async () => {
    const cacheDir = await temporaryDirectory();
    mkfifo(join(cacheDir, 'datacache.sqlite'));
    const error = await withinDeadline(
      DataStorage.open({ cacheDir, maintenanceIntervalSeconds: 0 }).then(
        (storage) => closeAfterTest(storage),
        (caught: unknown) => caught,
      ),
      10_000,
      'opening a FIFO as the database',
    );
    expect(error).toBeInstanceOf(CacheDirectoryUnsafeError);
    expect((error as Error).message).toMatch(/not a regular file/);
  });
});
