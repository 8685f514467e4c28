import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a TypeScript file in a real child process (through tsx), as another process of a
 * DJ's app would use the cache (or, with `uid`, another user would). Resolves when it exits.
 */
export function runTypeScript(script: string, args: string[] = [], options: { timeoutMs?: number; env?: NodeJS.ProcessEnv; uid?: number } = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
      cwd: projectRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: options.env ?? process.env,
      // As another user (needs root): its uid, and a group of the same number.
      ...(options.uid === undefined ? {} : { uid: options.uid, gid: options.uid }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Parses the last line a child printed as JSON: how children report what they did. */
export function lastJsonLine<T>(result: ChildResult): T {
  const lines = result.stdout.trim().split('\n');
  const last = lines[lines.length - 1];
  if (result.code !== 0 || last === undefined || last === '') {
    throw new Error(`child failed (code ${result.code}, signal ${result.signal}):\n${result.stderr}\n${result.stdout}`);
  }
  return JSON.parse(last) as T;
}

/** A child still running, for tests that act while it holds a lock or does work. */
export interface RunningChild {
  /** Resolves once the child has printed `text` (on stdout or stderr). */
  printed(text: string): Promise<void>;
  /** What it has printed on stdout so far. */
  stdout(): string;
  exited: Promise<ChildResult>;
  kill(signal?: NodeJS.Signals): void;
}

export function startTypeScript(script: string, args: string[] = [], options: { env?: NodeJS.ProcessEnv } = {}): RunningChild {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(script, import.meta.url)), ...args], {
    cwd: projectRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: options.env ?? process.env,
  });
  let stdout = '';
  let stderr = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const wake = (): void => {
    for (const waiter of waiters.filter((candidate) => stdout.includes(candidate.text) || stderr.includes(candidate.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    wake();
  });
  const exited = new Promise<ChildResult>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal, stdout, stderr });
    });
  });
  return {
    printed: (text) =>
      stdout.includes(text) || stderr.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void exited.then((result) => {
              reject(new Error(`child exited before printing "${text}": ${result.stderr}`));
            });
          }),
    stdout: () => stdout,
    exited,
    kill: (signal = 'SIGKILL') => child.kill(signal),
  };
}
