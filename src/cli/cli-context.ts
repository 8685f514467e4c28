import type { Command } from 'commander';
import type { Logger } from '../logger.js';
import { createProviders, type DataCacheProviders } from '../providers/data-cache-providers.js';
import type { DataCacheProvidersOptions } from '../providers/provider-options.js';
import { redactText } from '../redaction.js';
import { retryLine } from './failure-text.js';
import { plainText } from './output.js';
import { resolveSettings, type GlobalOptions } from './settings.js';

/** What a command needs from the outside world; tests and the real process differ only here. */
export interface CliContext {
  environment: NodeJS.ProcessEnv;
  /** Plain text for stdout. Commands get it stripped of control characters (see plainTextContext). */
  write(text: string): void;
  /** Plain text for stderr: messages. Commands get it stripped, and redacted. */
  writeError(text: string): void;
  /** stdout exactly as given: JSON (which escapes controls itself) and a body going into a pipe or a file. */
  writeRaw(data: string | Uint8Array): void;
  /** stdout is a terminal: a body is shown there as text (binary refused), and written byte for byte anywhere else. */
  stdoutIsTerminal?: boolean;
  /** stderr when it is a terminal: progress bars are drawn on it. Absent for a pipe or a file (plain lines then). */
  terminal?: NodeJS.WriteStream;
}

/**
 * The context commands are given: everything written as plain text passes here, so a name from
 * MusicBrainz, a library tag or an error message cannot drive the terminal, and no message on
 * stderr shows a key. JSON and bodies go through `writeRaw` untouched.
 */
export function plainTextContext(context: CliContext): CliContext {
  return {
    ...context,
    write: (text) => {
      context.write(plainText(text));
    },
    writeError: (text) => {
      context.writeError(redactText(plainText(text)));
    },
  };
}

/** Writes `value` as indented JSON on stdout, untouched (JSON.stringify escapes control characters). */
export function writeJson(context: CliContext, value: unknown): void {
  context.writeRaw(`${JSON.stringify(value, null, 2)}\n`);
}

/** The global options of the command that is running. */
export function globalOptions(command: Command): GlobalOptions & { json?: boolean } {
  return command.optsWithGlobals();
}

/** A logger for --verbose: one line per message on stderr; quiet but for warnings otherwise. */
export function cliLogger(context: CliContext, verbose: boolean): Logger {
  const line =
    (level: string) =>
    (message: string, details?: Record<string, unknown>): void => {
      context.writeError(`${level} ${message}${details === undefined ? '' : ` ${JSON.stringify(details)}`}\n`);
    };
  const quiet = (): void => undefined;
  return { debug: verbose ? line('debug') : quiet, info: verbose ? line('info') : quiet, warn: line('warn'), error: line('error') };
}

/**
 * Opens the cache with the resolved settings, runs `work`, and closes it whatever happens.
 * Meanwhile every wait before another attempt at a live fetch is one line on stderr, so a
 * command waiting on a failing service is never silent.
 *
 * `unusableCache`: a command that fetches (`get`, `search`) goes on through a temporary cache
 * when the cache database cannot be used, and says so once; a command about the cache itself
 * (stats, queue, purge, a worker …) ends with the database's error, exit code 4. `overrides`
 * win over the settings (`leaseMs` from `datacache worker --lease`).
 */
export async function withProviders<T>(
  command: Command,
  context: CliContext,
  work: (providers: DataCacheProviders) => Promise<T>,
  overrides: Pick<DataCacheProvidersOptions, 'unusableCache' | 'leaseMs'> = {},
): Promise<T> {
  const options = globalOptions(command);
  const settings = await resolveSettings(options, context.environment, cliLogger(context, options.verbose === true));
  const providers = createProviders({ ...settings, unusableCache: 'throw', ...overrides });
  try {
    await providers.initialize();
    const stopRetries = providers.client.on('retry', (event) => {
      context.writeError(`${retryLine(event)}\n`);
    });
    try {
      return await work(providers);
    } finally {
      stopRetries();
    }
  } finally {
    await providers.close();
  }
}
