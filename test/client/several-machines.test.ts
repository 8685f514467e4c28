import { describe, expect, it } from 'vitest';
import { DataCacheClient, DataStorage } from '../../src/index.js';
import { lastJsonLine, runTypeScript, startTypeScript } from '../helpers/child-process.js';
import { startServer } from '../helpers/http-server.js';
import { png } from '../helpers/images.js';
import { freshSchema, postgresForTests } from '../helpers/postgres.js';
import { closeAfterTest } from '../helpers/storage.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const postgres = postgresForTests();

/** A machine in this process: its own cache directory, the shared tier in common. */
async function machine(shared: string): Promise<DataCacheClient> {
  const storage = closeAfterTest(await DataStorage.open({ cacheDir: await temporaryDirectory(), maintenanceIntervalSeconds: 0, shared }));
  return new DataCacheClient({ storage, providers: { test: { ratePerSecond: Infinity }, cdn: { ratePerSecond: Infinity } } });
}

describe.skipIf(postgres === undefined)('several machines on one shared tier', () => {
  it('make one request at the origin for a URL that 8 processes on 4 machines miss at once, and all get it', async () => {
    const server = await startServer({ '/popular.json': (_request, response) => setTimeout(() => response.writeHead(200).end('{"plays":1}'), 500) });
    const { sharedUrl } = await freshSchema();
    const machines = await Promise.all([1, 2, 3, 4].map(() => temporaryDirectory()));
    const startAt = String(Date.now() + 8000); // after every child has started, even on a loaded machine
    const children = await Promise.all(
      machines.flatMap((cacheDir) => [1, 2].map(() => runTypeScript('../fixtures/fetch-once.ts', [cacheDir, server.url('/popular.json'), startAt, sharedUrl], { timeoutMs: 90_000 }))),
    );
    const checksums = children.map((child) => lastJsonLine<{ checksum: string | null }>(child).checksum);
    expect(new Set(checksums).size).toBe(1);
    expect(checksums[0]).not.toBeNull();
    expect(server.requests).toHaveLength(1);
  }, 120_000);

  it('serve on one machine what another fetched, with no request to the origin', async () => {
    const server = await startServer({ '/fanart.png': (_request, response) => response.writeHead(200).end(png(12, 8)) });
    const { sharedUrl } = await freshSchema();
    const [studioA, studioB] = [await machine(sharedUrl), await machine(sharedUrl)];
    try {
      const fetched = await studioA.getOrFetch({ url: server.url('/fanart.png'), identifier: 'Daft Punk', dataType: 'fanart', provider: 'cdn' });
      const served = await studioB.getOrFetch({ url: server.url('/fanart.png'), identifier: 'Daft Punk', dataType: 'fanart', provider: 'cdn' });
      expect(served!.data.equals(fetched!.data)).toBe(true);
      expect(server.requests).toHaveLength(1);
      expect(await studioB.storage.retrieveRandom({ identifier: 'daft punk', dataType: 'fanart' })).not.toBeNull();
    } finally {
      await Promise.all([studioA.close(), studioB.close()]);
    }
  });

  it('let a worker on another machine drain what one machine queued, each job once, and a killed worker\'s jobs run elsewhere', async () => {
    const server = await startServer({});
    server.fallback = (_request, response) => setTimeout(() => response.writeHead(200).end(png(4, 4)), 200);
    const { sharedUrl } = await freshSchema();
    const studioA = await machine(sharedUrl);
    try {
      for (let index = 0; index < 30; index++) {
        await studioA.getOrFetch({ url: server.url(`/queued-${index}.png`), identifier: 'air', dataType: 'fanart', provider: 'cdn', immediate: false });
      }
      // A worker on machine B starts, and is killed mid-way; machine C's finishes the rest.
      const doomed = startTypeScript('../fixtures/shared-worker.ts', [await temporaryDirectory(), sharedUrl, '1000']);
      await doomed.printed('ready');
      while (server.requests.length < 5) await new Promise((resolve) => setTimeout(resolve, 20));
      doomed.kill('SIGKILL');
      await doomed.exited;
      const survivor = await runTypeScript('../fixtures/shared-worker.ts', [await temporaryDirectory(), sharedUrl, String(30 - (await doneCount(studioA)))], { timeoutMs: 90_000 });
      lastJsonLine(survivor);
      expect(await doneCount(studioA)).toBe(30);
      // Jobs killed mid-fetch were fetched again (at least once), none was lost or done twice.
      expect(new Set(server.requests.map((request) => request.path)).size).toBe(30);
    } finally {
      await studioA.close();
    }
  }, 120_000);
});

async function doneCount(client: DataCacheClient): Promise<number> {
  return (await client.queue.counts()).filter((row) => row.state === 'done').reduce((sum, row) => sum + row.jobs, 0);
}
