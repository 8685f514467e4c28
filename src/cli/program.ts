import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { plainTextContext, type CliContext } from './cli-context.js';
import { getCommand } from './commands/get.js';
import { imageCommand } from './commands/image.js';
import { importWnpCommand } from './commands/import-wnp.js';
import { librariesCommand } from './commands/libraries.js';
import { maintainCommand } from './commands/maintain.js';
import { precacheCommand } from './commands/precache.js';
import { proxyCommand } from './commands/proxy.js';
import { warmCommand } from './commands/warm.js';
import { purgeCommand } from './commands/purge.js';
import { queueCommand } from './commands/queue.js';
import { searchCommand } from './commands/search.js';
import { serveCommand } from './commands/serve.js';
import { statsCommand } from './commands/stats.js';
import { workerCommand } from './commands/worker.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

/** The `datacache` program: global options, then one command per file in commands/. */
export function buildProgram(context: CliContext): Command {
  const program = new Command('datacache')
    .description('one cache for music data: MusicBrainz, artist images and music APIs, shared by every process of your app')
    .version(version, '-v, --version')
    .option('--cache-dir <dir>', 'the cache directory (default: $DATACACHE_DIR, else the OS user cache folder)')
    .option('--user-agent <text>', 'your application and a contact, as MusicBrainz asks: "MyApp/1.0 ( me@example.org )" (or $DATACACHE_USER_AGENT)')
    .option('--shared <url>', 'the shared tier every machine of a station uses: postgres://user:password@host/database (or $DATACACHE_SHARED_URL)')
    .option('--verbose', 'say what happens in the background')
    .showHelpAfterError('(add --help for usage)')
    .addHelpText(
      'after',
      `
Settings also come from the environment (DATACACHE_DIR, DATACACHE_USER_AGENT, DATACACHE_SHARED_URL, DATACACHE_<PROVIDER>_URL,
DATACACHE_<PROVIDER>_API_KEY) and from config.json in the cache directory.
Exit codes: 0 ok, 1 nothing found or failed, 2 bad arguments, 3 network or service failure, 4 database unusable,
130 interrupted (run the command again to resume).`,
    )
    .configureOutput({ writeOut: (text) => { context.write(text); }, writeErr: (text) => { context.writeError(text); } })
    .exitOverride();
  for (const make of [searchCommand, getCommand, imageCommand, statsCommand, queueCommand, purgeCommand, maintainCommand, workerCommand, precacheCommand, warmCommand, librariesCommand, importWnpCommand, serveCommand, proxyCommand]) {
    program.addCommand(make(context));
  }
  inheritSettings(program);
  return program;
}

/**
 * Gives every command under `parent`, however deep, the program's exit override and output:
 * commander copies them only into commands made with `.command()` on a command that already
 * had them, and without the override a usage error deep down exits 1 from inside commander.
 */
function inheritSettings(parent: Command): void {
  for (const command of parent.commands) {
    command.copyInheritedSettings(parent);
    inheritSettings(command);
  }
}

/**
 * Runs the command line and resolves to the exit code; errors become one clear line on stderr.
 * Everything the commands print as plain text is stripped of control characters on the way
 * (see plainTextContext).
 */
export async function runCli(argv: readonly string[], outside: CliContext): Promise<number> {
  const context = plainTextContext(outside);
  const program = buildProgram(context);
  // Commands report "nothing found" and the like through process.exitCode; each run starts clean and leaves it so.
  process.exitCode = undefined;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    context.writeError(`datacache: ${error instanceof Error ? error.message : String(error)}\n`);
    return exitCodeFor(error);
  } finally {
    process.exitCode = undefined;
  }
}
