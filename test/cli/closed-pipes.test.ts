import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { temporaryDirectory } from '../helpers/temporary-directory.js';
import { cliEnvironment, datacacheCommandLine, runShell, runWithClosedPipe } from './run-cli.js';

/** What Node prints when an 'error' event nobody handles kills it. */
const CRASH = /EPIPE|Error|^\s+at /mu;

/** A library far larger than a pipe's buffer, so the writer is still writing when the reader goes. */
async function bigLibrary(directory: string): Promise<string> {
  const path = join(directory, 'big.txt');
  await writeFile(path, Array.from({ length: 50_000 }, (_, index) => `Artist Number ${index}`).join('\n'));
  return path;
}

describe('output into a closed pipe', () => {
  it('`datacache precache LIBRARY --dry-run | head -n 1` stops writing quietly and exits 0', async () => {
    const cacheDir = await temporaryDirectory();
    const library = await bigLibrary(cacheDir);
    const result = await runShell('{ "$@"; echo "datacache exited with $?" >&2; } | head -n 1', datacacheCommandLine(['precache', library, '--dry-run']), cliEnvironment(cacheDir));
    expect(result.stdout).toBe('Artist Number 0\n');
    expect(result.stderr).toMatch(/datacache exited with 0/);
    expect(result.stderr.replace(/datacache exited with \d+\n/u, '')).toBe('');
    expect(result.stderr).not.toMatch(CRASH);
  }, 60_000);

  it('a closed stdout: the command finishes normally, with nothing on stderr', async () => {
    const cacheDir = await temporaryDirectory();
    const library = await bigLibrary(cacheDir);
    const result = await runWithClosedPipe(['precache', library, '--dry-run'], 'stdout', cliEnvironment(cacheDir));
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toBe('');
  }, 60_000);

  it('a closed stderr: the error is dropped, and the exit code still tells what happened', async () => {
    const cacheDir = await temporaryDirectory();
    const result = await runWithClosedPipe(['get', 'http://127.0.0.1:9/nothing', '--provider', 'test', '--type', 'api', '--retries', '0'], 'stderr', cliEnvironment(cacheDir));
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
  }, 60_000);

  it.runIf(existsSync('/dev/full'))('a full disk under stdout: one line saying so, and exit 1, not a stack trace', async () => {
    const cacheDir = await temporaryDirectory();
    const library = await bigLibrary(cacheDir);
    const result = await runShell('"$@" > /dev/full; echo "datacache exited with $?" >&2', datacacheCommandLine(['precache', library, '--dry-run']), cliEnvironment(cacheDir));
    expect(result.stderr).toBe('datacache: the output could not be written: ENOSPC: no space left on device, write\ndatacache exited with 1\n');
  }, 60_000);
});
