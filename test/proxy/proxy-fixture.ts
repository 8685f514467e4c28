import { writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { startTypeScript, type RunningChild } from '../helpers/child-process.js';
import { startServer, type TestServer } from '../helpers/http-server.js';
import { png } from '../helpers/images.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { cliEnvironment } from '../cli/run-cli.js';

const cli = '../../src/cli/main.ts';

/**
 * Stand-ins of the providers on one real 127.0.0.1 server, each under its own prefix:
 * `/mb` MusicBrainz (JSON naming an image on this server, ETag and Last-Modified, 304 to a
 * matching If-None-Match, `/mb/ws/2/slow` after 400 ms, `/mb/ws/2/missing` 404), `/tadb`
 * TheAudioDB, `/lastfm` Last.fm, `/fanart` fanart.tv (each says whether a key arrived), `/img`
 * PNG images. Every request is recorded (with its key: the answers say only whether one came).
 */
export async function startStandIns(): Promise<{ server: TestServer; environment: Record<string, string>; imageUrl: string }> {
  const server = await startServer({});
  const base = server.url('');
  server.fallback = (request, response) => {
    answer(base, request, response);
  };
  return {
    server,
    imageUrl: `${base}/img/air.png`,
    environment: {
      DATACACHE_MUSICBRAINZ_URL: `${base}/mb`,
      DATACACHE_THEAUDIODB_URL: `${base}/tadb`,
      DATACACHE_LASTFM_URL: `${base}/lastfm`,
      DATACACHE_FANARTTV_URL: `${base}/fanart`,
    },
  };
}

function answer(base: string, request: IncomingMessage, response: ServerResponse): void {
  const url = new URL(request.url ?? '/', 'http://stand-in.invalid');
  const path = url.pathname;
  const json = (body: unknown, headers: Record<string, string> = {}): void => {
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
  };
  if (path.startsWith('/img/')) {
    response.writeHead(200, { 'content-type': 'image/png' }).end(png(4, 4));
  } else if (path === '/mb/ws/2/missing') {
    response.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"Not Found"}');
  } else if (path.startsWith('/mb/')) {
    const etag = '"v1"';
    if (request.headers['if-none-match'] === etag) {
      response.writeHead(304, { etag }).end();
      return;
    }
    const send = (): void => {
      json({ path, query: url.search, artists: [{ name: 'Air', image: `${base}/img/air.png` }] }, { etag, 'last-modified': 'Tue, 01 Dec 2026 10:00:00 GMT' });
    };
    if (path === '/mb/ws/2/slow') setTimeout(send, 400);
    else send();
  } else if (path.startsWith('/tadb/') || path.startsWith('/lastfm/') || path.startsWith('/fanart/')) {
    // Says whether a key came, never which: the tests look for keys in the cache's files.
    const keyed = url.searchParams.has('api_key') || request.headers['api-key'] !== undefined || /\/json\/[^/]+\//u.test(path);
    json({ artists: [{ strArtist: 'Air' }], path: path.replace(/\/json\/[^/]+\//u, '/json/…/'), keyed });
  } else {
    response.writeHead(404).end('not found');
  }
}

/** A `datacache proxy` child process and its address. */
export interface ProxyProcess {
  url: string;
  port: number;
  child: RunningChild;
  /** Ctrl-C, then its exit. */
  stop(): Promise<number | null>;
}

/** Starts `datacache proxy --port 0 …` on `cacheDir` with the stand-ins' environment, and waits for its address. */
export async function startProxyProcess(cacheDir: string, environment: Record<string, string>, args: string[] = []): Promise<ProxyProcess> {
  const child = startTypeScript(cli, ['--cache-dir', cacheDir, 'proxy', '--port', '0', ...args], { env: { ...process.env, ...cliEnvironment(cacheDir, environment) } });
  await child.printed('(Ctrl-C to stop)');
  const url = /proxy on (http:\/\/127\.0\.0\.1:(\d+))/.exec(child.stdout())?.[1];
  if (url === undefined) throw new Error(`no address in: ${child.stdout()}`);
  return {
    url,
    port: Number(new URL(url).port),
    child,
    stop: async () => {
      child.kill('SIGINT');
      return (await child.exited).code;
    },
  };
}

/** What a test through one proxy has: the stand-ins, the cache directory and the proxy on it. */
export interface ProxySetup {
  server: TestServer;
  environment: Record<string, string>;
  imageUrl: string;
  cacheDir: string;
  proxy: ProxyProcess;
}

/**
 * The stand-ins, a new cache directory (with `config` as its config.json when given) and
 * `datacache proxy --port 0 …args` on it; runs `body`, then stops the proxy whatever happened.
 * Resolves to the cache directory and the proxy's exit code.
 */
export async function withProxy(
  body: (setup: ProxySetup) => Promise<void>,
  { args = [], config }: { args?: string[]; config?: unknown } = {},
): Promise<{ cacheDir: string; exitCode: number | null }> {
  const standIns = await startStandIns();
  const cacheDir = await temporaryDirectory();
  if (config !== undefined) await writeConfig(cacheDir, config);
  const proxy = await startProxyProcess(cacheDir, standIns.environment, args);
  let exitCode: number | null;
  try {
    await body({ ...standIns, cacheDir, proxy });
  } finally {
    exitCode = await proxy.stop();
  }
  return { cacheDir, exitCode };
}

/** Writes config.json into the cache directory (rates and keys, as a user would). */
export async function writeConfig(cacheDir: string, config: unknown): Promise<void> {
  await writeFile(join(cacheDir, 'config.json'), JSON.stringify(config));
}

export { rawRequest, type RawAnswer } from '../helpers/raw-request.js';
