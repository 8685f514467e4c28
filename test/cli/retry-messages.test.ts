import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/http-server.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { cliEnvironment, runInProcess } from './run-cli.js';

const daftPunk = { created: '2026-11-24T10:00:00.000Z', count: 1, offset: 0, artists: [{ id: '056e4f3e-d505-4dad-8ec1-d04f521cbb56', name: 'Daft Punk', score: 100 }] };

describe('a command waiting on a failing service says so', () => {
  it('`search` prints one line per retry on stderr: provider, reason, the wait, the attempt', async () => {
    let calls = 0;
    const server = await startServer({
      '/ws/2/artist': (_request, response) => {
        calls += 1;
        if (calls <= 2) response.writeHead(500, { 'content-type': 'text/plain' }).end('\u001b[2Joops');
        else response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(daftPunk));
      },
    });
    const cacheDir = await temporaryDirectory();
    const result = await runInProcess(['search', 'artist', 'Daft Punk'], { environment: cliEnvironment(cacheDir, { DATACACHE_MUSICBRAINZ_URL: server.url('') }) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/Daft Punk/u);
    expect(result.stderr.trimEnd().split('\n')).toEqual([
      expect.stringMatching(/^musicbrainz: HTTP 500; trying again in \d+ s \(attempt 2 of 4\)$/u),
      expect.stringMatching(/^musicbrainz: HTTP 500; trying again in \d+ s \(attempt 3 of 4\)$/u),
    ]);
  }, 30_000);

  it('`get` does the same, with keys redacted', async () => {
    let calls = 0;
    const server = await startServer({
      '/data.json': (_request, response) => {
        calls += 1;
        if (calls === 1) response.destroy();
        else response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      },
    });
    const cacheDir = await temporaryDirectory();
    const result = await runInProcess(['get', server.url('/data.json?token=s3cr3t'), '--provider', 'example', '--type', 'api', '--retries', '1'], { environment: cliEnvironment(cacheDir) });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^example: .+; trying again in \d+ s \(attempt 2 of 2\)\n$/u);
    expect(result.stderr).not.toContain('s3cr3t');
    expect(result.stdout).toBe('{"ok":true}');
  }, 30_000);
});
