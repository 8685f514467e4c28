import { spawn } from 'node:child_process';
import { Agent, get } from 'node:http';
import { once } from 'node:events';
import { createProviders, DataStorage } from '../../src/index.js';
import { latencyFigure, measureAsync, summarize, type Benchmark, type Figure } from '../harness.js';
import { startChild } from '../child.js';

/** One GET over a kept-alive connection; resolves with the status and the X-Cache header once the body is read. */
function request(agent: Agent, url: string): Promise<{ status: number; cache: string | undefined }> {
  return new Promise((resolve, reject) => {
    get(url, { agent }, (response) => {
      response.resume();
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, cache: response.headers['x-cache'] as string | undefined });
      });
      response.on('error', reject);
    }).on('error', reject);
  });
}

/** The proxy in its own process (so its memory is its own), with a way to ask for its RSS. */
async function startProxyProcess(cacheDir: string, origin: string): Promise<{ base: string; rss: () => Promise<number>; stop: () => void }> {
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', new URL('./proxy-process.ts', import.meta.url).pathname, cacheDir, origin], { stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const port = await new Promise<string>((resolve, reject) => {
    let output = '';
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('\n')) resolve(output.trim());
    });
    child.on('exit', (code) => {
      reject(new Error(`the proxy process exited with code ${String(code)} before printing its port`));
    });
  });
  return {
    base: `http://127.0.0.1:${port}`,
    rss: async () => {
      child.send('rss');
      const [rss] = (await once(child, 'message')) as [number];
      return rss;
    },
    stop: () => child.kill(),
  };
}

/**
 * `datacache proxy` on loopback, in its own process, in front of an origin in another one
 * (a 50 KB body for any path): a hit through the proxy against a GET of the origin itself
 * (both over kept-alive node:http connections); a miss through the proxy against a miss of
 * `providers.getOrFetch` in this process (same origin, same run); the proxy's resident memory
 * after 100,000 requests; and the requests the origin sees when 100 clients ask one URL at once.
 */
export const proxyBenchmark: Benchmark = {
  name: 'proxy',
  description: 'caching HTTP proxy: hit vs a GET of the origin, miss vs getOrFetch, RSS after 100k requests, 100 clients on one URL',
  async run({ quick, scratchDirectory }) {
    const hits = quick ? 300 : 10_000;
    const misses = quick ? 20 : 300;
    const load = quick ? 2_000 : 100_000;
    const rounds = quick ? 1 : 10;
    const proxyDir = `${scratchDirectory}/proxy`;
    // Created (and migrated) once, before a second process opens it.
    await (await DataStorage.open({ cacheDir: proxyDir, maintenanceIntervalSeconds: 0 })).close();
    const origin = await startChild(new URL('./image-server.ts', import.meta.url), []);
    const originBase = `http://127.0.0.1:${origin.firstLine}`;
    const proxy = await startProxyProcess(proxyDir, originBase);
    const agent = new Agent({ keepAlive: true, maxSockets: 16 });
    const providers = createProviders({ cacheDir: `${scratchDirectory}/library`, userAgent: 'datacache-bench/1.0 ( bench@example.org )', providers: { musicbrainz: { baseUrl: originBase, ratePerSecond: Infinity } }, storage: { maintenanceIntervalSeconds: 0 } });
    await providers.initialize();
    try {
      const startRssBytes = await proxy.rss();
      const cached = quick ? 100 : 1000;
      const artist = (index: number): string => `/ws/2/artist/00000000-0000-4000-8000-${String(index).padStart(12, '0')}?fmt=json`;
      for (let index = 0; index < cached; index++) await request(agent, `${proxy.base}/musicbrainz${artist(index)}`);
      const originGet = await measureAsync(hits, 200, (iteration) => request(agent, `${originBase}/direct${artist(iteration % cached)}`));
      const hit = await measureAsync(hits, 200, async (iteration) => {
        const answer = await request(agent, `${proxy.base}/musicbrainz${artist(iteration % cached)}`);
        if (answer.cache !== 'HIT') throw new Error(`expected a hit, got ${answer.status} ${String(answer.cache)}`);
      });
      const miss = await measureAsync(misses, 5, (iteration) => request(agent, `${proxy.base}/musicbrainz${artist(cached + iteration)}`));
      const libraryMiss = await measureAsync(misses, 5, (iteration) =>
        providers.getOrFetch({ url: `https://musicbrainz.org${artist(cached + iteration)}`, identifier: '', dataType: 'musicbrainz', provider: 'musicbrainz' }),
      );

      // Memory: `load` requests, 16 at a time, mostly hits with a miss in every 50.
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < load) {
            const index = next++;
            await request(agent, `${proxy.base}/musicbrainz${artist(index % 50 === 0 ? 100_000 + index : index % cached)}`);
          }
        }),
      );
      const rssBytes = await proxy.rss();

      // Single flight: 100 clients, each on its own connection, ask one URL not cached yet.
      const flightAgent = new Agent({ keepAlive: true, maxSockets: 100 });
      const samples: bigint[] = [];
      let worst = 0;
      for (let round = 0; round < rounds; round++) {
        const arrivals = async (): Promise<number> => ((await (await fetch(`${originBase}/arrivals`)).json()) as number[]).length;
        const before = await arrivals();
        await Promise.all(
          Array.from({ length: 100 }, async () => {
            const started = process.hrtime.bigint();
            await request(flightAgent, `${proxy.base}/musicbrainz/ws/2/flight/${round}?fmt=json`);
            samples.push(process.hrtime.bigint() - started);
          }),
        );
        worst = Math.max(worst, (await arrivals()) - before);
      }
      flightAgent.destroy();
      const figures: Figure[] = [
        latencyFigure('baseline: GET of the origin itself, 50 KB, kept-alive', originGet),
        latencyFigure('proxy hit, 50 KB, kept-alive', hit, { ratio: { to: 'GET of the origin', value: hit.p50 / originGet.p50 }, target: 'p50 ≤ 1 ms' }),
        latencyFigure('baseline: providers.getOrFetch miss (in process)', libraryMiss),
        latencyFigure('proxy miss (client → proxy → origin)', miss, { ratio: { to: 'getOrFetch miss', value: miss.p50 / libraryMiss.p50 } }),
        { name: 'proxy RSS at start, MB (Node + tsx + the cache open)', unit: 'count', value: Math.round(startRssBytes / (1024 * 1024)) },
        { name: `proxy RSS after ${load.toLocaleString('en-US')} requests, MB (the 64 MB memory tier of file hits included)`, unit: 'count', value: Math.round(rssBytes / (1024 * 1024)), target: '< 150' },
        latencyFigure(`100 concurrent clients, one missing URL (${rounds} rounds)`, summarize(samples)),
        { name: 'requests at the origin per 100 concurrent clients (worst round)', unit: 'count', value: worst, target: '1' },
      ];
      return figures;
    } finally {
      agent.destroy();
      await providers.close();
      proxy.stop();
      origin.stop();
    }
  },
};
