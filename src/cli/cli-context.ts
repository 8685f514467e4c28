import type { Command } from 'commander';
import type { Logger } from '../logger.js';
import { createProviders, type DataCacheProviders } from '../providers/data-cache-providers.js';
import { resolveSettings, type GlobalOptions } from './settings.js';

/** What a command needs from the outside world; tests and the real process differ only here. */
export interface CliContext {
  environment: NodeJS.ProcessEnv;
  write(text: string): void;
  writeError(text: string): void;
  /** stderr when it is a terminal: progress bars are drawn on it. Absent for a pipe or a file (plain lines then). */
  terminal?: NodeJS.WriteStream;
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

/** Opens the cache with the resolved settings, runs `work`, and closes it whatever happens. */
export async function withProviders<T>(command: Command, context: CliContext, work: (providers: DataCacheProviders) => Promise<T>): Promise<T> {
  const options = globalOptions(command);
  const settings = await resolveSettings(options, context.environment, cliLogger(context, options.verbose === true));
  const providers = createProviders(settings);
  try {
    await providers.initialize();
    return await work(providers);
  } finally {
    await providers.close();
  }
}
