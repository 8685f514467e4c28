import { describe, expect, it } from 'vitest';
import { runTypeScript, type ChildResult } from '../helpers/child-process.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { startServer } from '../helpers/http-server.js';
import { cliEnvironment, runInProcess } from './run-cli.js';

function datacache(cacheDir: string, args: string[]): Promise<ChildResult> {
  return runTypeScript('../../src/cli/main.ts', args, { env: { ...process.env, ...cliEnvironment(cacheDir) }, timeoutMs: 30_000 });
}

describe('usage errors in subcommands of subcommands', () => {
  it('exit 2 with commander’s message, however deep the command', async () => {
    const cacheDir = await temporaryDirectory();
    for (const [args, message] of [
      [['image', 'random'], /error: missing required argument 'artist'/],
      [['image', 'random', 'Air', '--bogus'], /error: unknown option '--bogus'/],
      [['image'], /Usage: datacache image/],
      [['queue', 'list', '--state', 'bogus'], /argument 'bogus' is invalid\. Allowed choices are pending, running, failed, done/],
      [['queue', 'retry', 'now'], /error: too many arguments for 'retry'/],
    ] as const) {
      const result = await datacache(cacheDir, [...args]);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(2);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).toMatch(/--help/);
    }
  }, 120_000);

  it('names an unknown word after `queue` as an unknown command of queue, and still lists the queue with no word', async () => {
    const cacheDir = await temporaryDirectory();
    const frob = await datacache(cacheDir, ['queue', 'frob']);
    expect(frob.code, frob.stderr).toBe(2);
    expect(frob.stderr).toMatch(/error: unknown command 'frob' for 'queue' \(its commands are list, retry, clear\)/);
    expect(frob.stderr).not.toMatch(/too many arguments/);
    const list = await datacache(cacheDir, ['queue']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe('the queue is empty\n');
    const options = await datacache(cacheDir, ['queue', '--state', 'failed', '--json']);
    expect(options.code, options.stderr).toBe(0);
    expect(JSON.parse(options.stdout)).toEqual([]);
    const help = await datacache(cacheDir, ['queue', 'help', 'list']);
    expect(help.code, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/Usage: datacache queue list/);
  }, 120_000);

  it('exit 2 when --out names a file that cannot be written (no such folder), saying which', async () => {
    const server = await startServer({ '/data.json': (_request, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{}') });
    const cacheDir = await temporaryDirectory();
    const out = `${cacheDir}/no/such/folder/data.json`;
    const result = await runInProcess(['get', server.url('/data.json'), '--provider', 'test', '--type', 'api', '--out', out], { environment: cliEnvironment(cacheDir) });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`datacache: --out ${out} cannot be written (ENOENT).\n`);
  });
});
