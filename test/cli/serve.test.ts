import { describe, expect, it } from 'vitest';
import { runTypeScript, startTypeScript } from '../helpers/child-process.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const cli = '../../src/cli/main.ts';

describe('datacache serve', () => {
  it('serves the dashboard on 127.0.0.1 until Ctrl-C', async () => {
    const cacheDir = await temporaryDirectory();
    const server = startTypeScript(cli, ['--cache-dir', cacheDir, 'serve', '--port', '0']);
    try {
      await server.printed('(Ctrl-C to stop)');
      const url = /dashboard on (http:\/\/127\.0\.0\.1:\d+)/.exec(server.stdout())?.[1];
      expect(url).toBeDefined();
      const overview = await fetch(`${url!}/api/overview`);
      expect(overview.status).toBe(200);
      expect(((await overview.json()) as { cacheDir: string }).cacheDir).toBe(cacheDir);
      expect((await fetch(`${url!}/`)).headers.get('content-type')).toBe('text/html; charset=utf-8');
    } finally {
      server.kill('SIGINT');
    }
    const result = await server.exited;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/SIGINT: stopping/);
  }, 60_000);

  it('refuses an address other machines reach without --allow-remote', async () => {
    const cacheDir = await temporaryDirectory();
    const result = await runTypeScript(cli, ['--cache-dir', cacheDir, 'serve', '--host', '0.0.0.0', '--port', '0'], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass allowRemote: true \(--allow-remote\)/);
  }, 60_000);
});
