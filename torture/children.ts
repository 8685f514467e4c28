import { spawn, type ChildProcess } from 'node:child_process';

/** A TypeScript child process of a scenario (run through tsx), with what it printed. */
export interface ScenarioChild {
  process: ChildProcess;
  /** Everything it printed on stdout so far. */
  output(): string;
  /** Resolves once it has printed `text`; rejects if it exits first. */
  printed(text: string): Promise<void>;
  /** Settles when it has exited (listened to from the start, so an early exit is not missed). */
  exited: Promise<void>;
  /** SIGKILL, and wait for the exit. */
  kill(): Promise<void>;
}

export function startScenarioChild(file: URL, args: string[]): ScenarioChild {
  const child = spawn(process.execPath, ['--import', 'tsx', file.pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  let hasExited = false;
  const waiters: { text: string; resolve: () => void }[] = [];
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const waiter of waiters.filter((candidate) => output.includes(candidate.text))) {
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve();
    }
  });
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => {
      hasExited = true;
      resolve();
    });
  });
  return {
    process: child,
    output: () => output,
    printed: (text) =>
      output.includes(text)
        ? Promise.resolve()
        : new Promise<void>((resolve, reject) => {
            waiters.push({ text, resolve });
            void exited.then(() => { reject(new Error(`${file.pathname} exited before printing "${text}"`)); });
          }),
    exited,
    kill: async () => {
      if (!hasExited) child.kill('SIGKILL');
      await exited;
    },
  };
}
