import { Command } from 'commander';
import { InvalidArgumentError } from '../../errors.js';
import { normalizeArtistIdentifier } from '../../providers/identifiers.js';
import { globalOptions, withProviders, type CliContext } from '../cli-context.js';

/** `datacache purge --provider P | --identifier I | --type T | --all`. */
export function purgeCommand(context: CliContext): Command {
  return new Command('purge')
    .description('delete cached entries that match every filter given')
    .option('--provider <name>', 'entries of this provider')
    .option('--identifier <name>', 'entries about this artist or identifier (artist names are normalised)')
    .option('--type <dataType>', 'entries of this data type')
    .option('--all', 'every entry')
    .option('--json', 'print the count as JSON')
    .action(async (options: { provider?: string; identifier?: string; type?: string; all?: boolean }, command: Command) => {
      if (options.provider === undefined && options.identifier === undefined && options.type === undefined && options.all !== true) {
        throw new InvalidArgumentError('purge needs --provider, --identifier, --type or --all.');
      }
      const removed = await withProviders(command, context, (providers) =>
        providers.storage.purge({
          ...(options.all === true ? { all: true } : {}),
          ...(options.provider === undefined ? {} : { provider: options.provider }),
          ...(options.identifier === undefined ? {} : { identifier: normalizeArtistIdentifier(options.identifier) }),
          ...(options.type === undefined ? {} : { dataType: options.type }),
        }),
      );
      if (globalOptions(command).json === true) context.writeRaw(`${JSON.stringify({ removed })}\n`);
      else context.write(`removed ${removed} entries\n`);
    });
}
