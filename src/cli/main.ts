#!/usr/bin/env node
/** The `datacache` command; see program.ts for the commands and --help for their options. */
import { setImmediate as nextTurn } from 'node:timers/promises';
import { EXIT } from './exit-codes.js';
import { outputStream } from './output-stream.js';
import { runCli } from './program.js';

// Output that could not be written (a full disk) is a failure, even when the work succeeded.
const lostOutput: Error[] = [];
const lost = (error: Error): void => {
  lostOutput.push(error);
  stderr.write(`datacache: the output could not be written: ${error.message}\n`);
  if (process.exitCode === EXIT.ok) process.exitCode = EXIT.failure;
};
const stdout = outputStream(process.stdout, lost);
const stderr = outputStream(process.stderr, lost);
const code = await runCli(process.argv.slice(2), {
  environment: process.env,
  write: (text) => {
    stdout.write(text);
  },
  writeError: (text) => {
    stderr.write(text);
  },
  writeRaw: (data) => {
    stdout.write(data);
  },
  stdoutIsTerminal: process.stdout.isTTY,
  ...(process.stderr.isTTY ? { terminal: process.stderr } : {}),
});
// A failed write says so in an 'error' event a moment later.
await nextTurn();
process.exitCode = code === EXIT.ok && lostOutput.length > 0 ? EXIT.failure : code;
