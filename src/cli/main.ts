#!/usr/bin/env node
/** The `datacache` command; see program.ts for the commands and --help for their options. */
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), {
  environment: process.env,
  write: (text) => process.stdout.write(text),
  writeError: (text) => process.stderr.write(text),
  ...(process.stderr.isTTY ? { terminal: process.stderr } : {}),
});
process.exitCode = code;
