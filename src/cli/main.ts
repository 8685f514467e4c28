#!/usr/bin/env node
/**
 * The `datacache` command. Its commands (search, get, stats, worker, precache, serve …)
 * arrive with the command-line release; until then it answers --version and --help and
 * says plainly that anything else is not available yet.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const { values, positionals } = parseArgs({
  options: { version: { type: 'boolean', short: 'v' }, help: { type: 'boolean', short: 'h' } },
  allowPositionals: true,
  strict: false,
});

if (values.version === true) {
  console.log(version);
} else if (values.help === true || positionals.length === 0) {
  console.log(`datacache ${version}: one cache for music data.

This release ships the storage library (import { DataStorage } from 'datacache').
The command line tool's commands arrive with a later release.

Options:
  -v, --version  print the version
  -h, --help     print this help`);
} else {
  console.error(`datacache: "${positionals.join(' ')}" is not available yet; this release ships the storage library only. See datacache --help.`);
  process.exitCode = 2;
}
