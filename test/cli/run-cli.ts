import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { CliContext } from '../../src/cli/cli-context.js';
import { runCli } from '../../src/cli/program.js';
import type { ChildResult } from '../helpers/child-process.js';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const mainScript = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** The environment a CLI run gets in the tests: its own cache, and a User-Agent MusicBrainz would accept. */
export function cliEnvironment(cacheDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { DATACACHE_DIR: cacheDir, DATACACHE_USER_AGENT: 'datacache-tests/1.0 ( tests@example.org )', ...extra };
}

export interface InProcessResult {
  code: number;
  /** stdout as text, and as the bytes written (a body piped to a file must arrive exactly). */
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
}

/**
 * Runs `datacache …` in this process through runCli, with a context that captures stdout and
 * stderr as a pipe would (or as a terminal would, with `stdoutIsTerminal`). For what signals
 * and real pipes do not matter to.
 */
export async function runInProcess(args: string[], options: { environment: NodeJS.ProcessEnv; stdoutIsTerminal?: boolean }): Promise<InProcessResult> {
  const out: Buffer[] = [];
  let stderr = '';
  const context: CliContext = {
    environment: options.environment,
    write: (text) => {
      out.push(Buffer.from(text));
    },
    writeError: (text) => {
      stderr += text;
    },
    writeRaw: (data) => {
      out.push(Buffer.from(data));
    },
    ...(options.stdoutIsTerminal === true ? { stdoutIsTerminal: true } : {}),
  };
  const code = await runCli(args, context);
  const stdoutBytes = Buffer.concat(out);
  return { code, stdout: stdoutBytes.toString('utf8'), stdoutBytes, stderr };
}

/**
 * Runs a shell script (`sh -c`) from the project root with `args` as its "$@", for pipelines
 * such as `datacache … | head -n 1`. Resolves when the shell exits.
 */
export function runShell(script: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', script, 'sh', ...args], { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Runs `datacache …` in a child process whose `closed` stream (stdout or stderr) is a pipe
 * nobody reads: its read end is closed at once, so every write to it fails with EPIPE.
 */
export function runWithClosedPipe(args: string[], closed: 'stdout' | 'stderr', env: NodeJS.ProcessEnv, timeoutMs = 60_000): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const [command, ...rest] = datacacheCommandLine(args);
    const child = spawn(command!, rest, { cwd: projectRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    child[closed].destroy();
    const open = closed === 'stdout' ? child.stderr : child.stdout;
    let text = '';
    open.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: closed === 'stdout' ? '' : text, stderr: closed === 'stderr' ? '' : text });
    });
  });
}

/** The command line that runs `datacache` from source in a child process. */
export function datacacheCommandLine(args: string[]): string[] {
  return [process.execPath, '--import', 'tsx', mainScript, ...args];
}
