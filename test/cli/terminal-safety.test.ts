import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startServer } from '../helpers/http-server.js';
import { png } from '../helpers/images.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { cliEnvironment, runInProcess } from './run-cli.js';

/** Sequences a hostile name could carry: set the window title, clear the screen, ring, C1 CSI, overwrite the line. */
const HOSTILE = '\u001b]0;pwned\u0007\u001b[2J\u0007\u009b31m\r\u007f';
/** Any C0 control but newline and tab, DEL, or C1: what must never reach a terminal from plain output. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/u;

const searchAnswer = {
  created: '2026-11-24T10:00:00.000Z',
  count: 1,
  offset: 0,
  artists: [{ id: '00000000-0000-4000-8000-000000000001', name: `Evil${HOSTILE} Band`, score: 100, type: 'Group', country: 'XX', disambiguation: `not${HOSTILE} nice` }],
};

describe('untrusted text in plain output', () => {
  it('strips control characters from MusicBrainz names in a table, and leaves --json byte for byte as JSON.stringify makes it', async () => {
    const server = await startServer({ '/ws/2/artist': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(searchAnswer)) });
    const cacheDir = await temporaryDirectory();
    const environment = cliEnvironment(cacheDir, { DATACACHE_MUSICBRAINZ_URL: server.url('') });
    const table = await runInProcess(['search', 'artist', 'Evil Band'], { environment, stdoutIsTerminal: true });
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).not.toMatch(CONTROL);
    expect(table.stdout).toMatch(/100\s+Evil\]0;pwned\[2J31m Band\s+Group, XX, not\]0;pwned\[2J31m nice/u);
    const json = await runInProcess(['search', 'artist', 'Evil Band', '--json'], { environment, stdoutIsTerminal: true });
    expect(json.stdout).toBe(`${JSON.stringify(searchAnswer, null, 2)}\n`);
  });

  it('strips them from library tags in a dry run, and from what commander echoes in an error', async () => {
    const cacheDir = await temporaryDirectory();
    const library = join(cacheDir, 'artists.txt');
    // A carriage return would end the line in a text library: the rest of HOSTILE stays in the name.
    await writeFile(library, `Good Artist\nBad${HOSTILE.replace('\r', '')} Artist\n`);
    const environment = cliEnvironment(cacheDir);
    const dryRun = await runInProcess(['precache', library, '--dry-run'], { environment });
    expect(dryRun.code, dryRun.stderr).toBe(0);
    // Control characters become spaces, and ";" joins two artists (issue 15's rule): no escape sequence survives.
    expect(dryRun.stdout).toBe('Good Artist\nBad ]0\npwned [2J 31m Artist\n');
    const unknown = await runInProcess([`frob${HOSTILE}`], { environment });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown command 'frob\]0;pwned\[2J31m'/u);
    expect(unknown.stderr).not.toMatch(CONTROL);
  });

  it('`get URL` on a terminal shows a text body stripped and refuses a binary one; into a pipe it writes the bytes exactly', async () => {
    const text = `plain ${HOSTILE} text`;
    const image = png(4, 3);
    const server = await startServer({
      '/text': (_request, response) => response.writeHead(200, { 'content-type': 'text/plain' }).end(text),
      '/image.png': (_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(image),
    });
    const cacheDir = await temporaryDirectory();
    const environment = cliEnvironment(cacheDir);
    const get = (path: string, type: string, stdoutIsTerminal: boolean): ReturnType<typeof runInProcess> =>
      runInProcess(['get', server.url(path), '--provider', 'test', '--type', type, '--identifier', 'air'], { environment, stdoutIsTerminal });

    const shown = await get('/text', 'api', true);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toBe('plain ]0;pwned[2J31m text\n');
    const piped = await get('/text', 'api', false);
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdoutBytes).toEqual(Buffer.from(text));

    const refused = await get('/image.png', 'fanart', true);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toMatch(/binary .*image\/png.*--out FILE/u);
    const imageBytes = await get('/image.png', 'fanart', false);
    expect(imageBytes.code, imageBytes.stderr).toBe(0);
    expect(imageBytes.stdoutBytes).toEqual(image);
  });

  it('strips them from error messages too', async () => {
    const cacheDir = await temporaryDirectory();
    const result = await runInProcess(['precache', join(cacheDir, `missing${HOSTILE}.nml`)], { environment: cliEnvironment(cacheDir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^datacache: .*missing\]0;pwned\[2J31m\.nml/u);
    expect(result.stderr).not.toMatch(CONTROL);
  });

  it('never shows a key in plain output: the URL a random image came from, a queued URL', async () => {
    const server = await startServer({ '/image.png': (_request, response) => response.writeHead(200, { 'content-type': 'image/png' }).end(png(4, 3)) });
    const cacheDir = await temporaryDirectory();
    const environment = cliEnvironment(cacheDir);
    const url = server.url('/image.png?api_key=s3cr3t');
    const saved = await runInProcess(['get', url, '--provider', 'cdn', '--type', 'fanart', '--identifier', 'air', '--out', join(cacheDir, 'air.png')], { environment });
    expect(saved.code, saved.stderr).toBe(0);
    const random = await runInProcess(['image', 'random', 'Air'], { environment });
    expect(random.code, random.stderr).toBe(0);
    expect(random.stdout).toMatch(/^image\/png \d+ bytes .* from http:\/\/127\.0\.0\.1:\d+\/image\.png\?api_key=<redacted>\n$/u);
    const queued = await runInProcess(['get', server.url('/other.png?token=s3cr3t'), '--provider', 'cdn', '--type', 'fanart', '--identifier', 'air', '--queue'], { environment });
    expect(queued.stderr).toMatch(/^queued http:\/\/127\.0\.0\.1:\d+\/other\.png\?token=<redacted>\n$/u);
  });
});
