import { describe, expect, it } from 'vitest';
import { getWithHost } from '../dashboard/raw-request.js';
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
    expect(result.code, result.stderr).toBe(130); // interrupted, as the README says of every command stopped by Ctrl-C
    expect(result.stdout).toMatch(/SIGINT: stopping/);
  }, 60_000);

  it('with --allow-remote still answers only IP addresses, localhost, this machine and each --allowed-host (DNS rebinding)', async () => {
    const cacheDir = await temporaryDirectory();
    const server = startTypeScript(cli, ['--cache-dir', cacheDir, 'serve', '--host', '0.0.0.0', '--allow-remote', '--allowed-host', 'studio.example', '--allowed-host', 'booth.example', '--port', '0']);
    try {
      await server.printed('(Ctrl-C to stop)');
      const port = /dashboard on http:\/\/0\.0\.0\.0:(\d+)/.exec(server.stdout())?.[1];
      expect(port).toBeDefined();
      const status = async (host: string): Promise<number> => (await getWithHost(`http://127.0.0.1:${port!}/api/overview`, host)).status;
      expect(await status('studio.example:8787')).toBe(200);
      expect(await status('booth.example')).toBe(200);
      expect(await status('192.168.1.20:8787')).toBe(200);
      expect(await status('evil.example:8787')).toBe(421);
    } finally {
      server.kill('SIGINT');
    }
    expect((await server.exited).code).toBe(130);
  }, 60_000);

  it('refuses an --allowed-host that is not a host name', async () => {
    const cacheDir = await temporaryDirectory();
    const result = await runTypeScript(cli, ['--cache-dir', cacheDir, 'serve', '--allowed-host', 'http://studio.example', '--port', '0'], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/allowedHosts\[0\] must be a host name such as studio\.local/);
  }, 60_000);

  it('refuses an address other machines reach without --allow-remote', async () => {
    const cacheDir = await temporaryDirectory();
    const result = await runTypeScript(cli, ['--cache-dir', cacheDir, 'serve', '--host', '0.0.0.0', '--port', '0'], { timeoutMs: 30_000 });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/pass allowRemote: true \(--allow-remote\)/);
  }, 60_000);
});
