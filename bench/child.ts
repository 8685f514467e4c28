import { spawn } from 'node:child_process';

/** Runs a TypeScript file beside the benchmarks as a child process; resolves with the last line it printed. */
export function runChild(file: URL, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file.pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(output.trim().split('\n').at(-1) ?? '');
      else reject(new Error(`${file.pathname} exited with code ${code}`));
    });
  });
}

/** Starts a long-running child (a server); resolves with its first printed line and a way to stop it. */
export function startChild(file: URL, args: string[]): Promise<{ firstLine: string; stop: () => void }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file.pathname, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      const newline = output.indexOf('\n');
      if (newline >= 0) resolve({ firstLine: output.slice(0, newline), stop: () => child.kill() });
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      reject(new Error(`${file.pathname} exited with code ${code} before printing`));
    });
  });
}
