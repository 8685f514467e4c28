import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/http-server.js';
import { png } from '../helpers/images.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { cliEnvironment, runInProcess } from './run-cli.js';

const KEY = 'FANARTTV-KEY-0123456789';

describe('datacache get', () => {
  it('files artist images under the normalised artist, so the README’s own example finds them again', async () => {
    const server = await startServer({ '/daft.png': (_request, response) => response.writeHead(200).end(png(16, 9)) });
    const cacheDir = await temporaryDirectory();
    const environment = cliEnvironment(cacheDir);
    const got = await runInProcess(['get', server.url('/daft.png'), '--provider', 'cdn', '--type', 'fanart', '--identifier', 'Daft Punk', '--out', join(cacheDir, 'x.png')], { environment });
    expect(got.code, got.stderr).toBe(0);
    const random = await runInProcess(['image', 'random', 'Daft Punk', '--type', 'fanart', '--json'], { environment });
    expect(random.code, random.stderr).toBe(0);
    expect(JSON.parse(random.stdout)).toMatchObject({ mimeType: 'image/png', metadata: { width: 16, height: 9 } });
  });

  it('goes through the provider’s rules: the configured mirror, its key kept out of the cache and off the screen', async () => {
    const mirror = await startServer({ '/v3/music/abc': (incoming, response) => response.writeHead(incoming.headers['api-key'] === KEY ? 200 : 401).end('{"name":"Air"}') });
    const cacheDir = await temporaryDirectory();
    const environment = cliEnvironment(cacheDir, { DATACACHE_FANARTTV_URL: mirror.url(''), DATACACHE_FANARTTV_API_KEY: KEY });
    const got = await runInProcess(['get', `https://webservice.fanart.tv/v3/music/abc?api_key=${KEY}`, '--provider', 'fanarttv', '--type', 'api', '--json'], { environment });
    expect(got.code, got.stderr).toBe(0);
    expect(JSON.parse(got.stdout)).toMatchObject({ url: `${mirror.url('')}/v3/music/abc` });
    expect(got.stdout + got.stderr).not.toContain(KEY);
    const refused = await runInProcess(['get', `http://127.0.0.1:9/v3/music/x?api_key=${KEY}`, '--provider', 'fanarttv', '--type', 'api', '--retries', '0'], { environment });
    expect(refused.code).toBe(3);
    expect(refused.stderr).not.toContain(KEY);
    const database = await readFile(join(cacheDir, 'datacache.sqlite'));
    expect(database.includes(KEY)).toBe(false);
  });

  it('answers from the network when the cache database is corrupt, saying so once; commands about the cache exit 4', async () => {
    const server = await startServer({ '/a.json': (_request, response) => response.writeHead(200).end('{"ok":true}') });
    const cacheDir = await temporaryDirectory();
    await writeFile(join(cacheDir, 'datacache.sqlite'), Buffer.alloc(8192, 7));
    const environment = cliEnvironment(cacheDir);
    const got = await runInProcess(['get', server.url('/a.json'), '--provider', 'test', '--type', 'api'], { environment });
    expect(got.code, got.stderr).toBe(0);
    expect(got.stdout).toBe('{"ok":true}');
    expect(got.stderr.match(/cannot be used/g)).toHaveLength(1);
    const stats = await runInProcess(['stats'], { environment });
    expect(stats.code).toBe(4);
    // With "onCorruptDatabase": "reset" in config.json the file is moved aside and the cache starts afresh.
    await writeFile(join(cacheDir, 'config.json'), JSON.stringify({ onCorruptDatabase: 'reset' }));
    expect((await runInProcess(['stats'], { environment })).code).toBe(0);
  });
});

describe('settings from the environment and config.json', () => {
  it('take any provider name as a plain name: nothing reaches Object.prototype or Object', async () => {
    const cacheDir = await temporaryDirectory();
    await writeFile(join(cacheDir, 'config.json'), '{"providers":{"__proto__":{"ratePerSecond":3},"constructor":{"ratePerSecond":4}}}');
    const result = await runInProcess(['stats', '--json'], { environment: cliEnvironment(cacheDir, { DATACACHE_CONSTRUCTOR_URL: 'http://evil.example', DATACACHE_PROTOTYPE_URL: 'http://evil.example' }) });
    expect(result.code, result.stderr).toBe(0);
    expect((Object as unknown as Record<string, unknown>).baseUrl).toBeUndefined();
    expect(({} as Record<string, unknown>).ratePerSecond).toBeUndefined();
  });

  it('refuses a settings file too large to be one', async () => {
    const cacheDir = await temporaryDirectory();
    await writeFile(join(cacheDir, 'config.json'), `{"userAgent":"${'x'.repeat(2 * 1024 * 1024)}"}`);
    const result = await runInProcess(['stats'], { environment: cliEnvironment(cacheDir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/is \d+ bytes; a settings file is a few hundred/);
  });
});
