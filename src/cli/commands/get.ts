import { Command } from 'commander';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';
import { parseWholeNumber } from '../arguments.js';
import { writeBody, writeOutFile } from '../body-output.js';
import { EXIT } from '../exit-codes.js';
import { redactUrl } from '../../redaction.js';

/** `datacache get URL --provider P --type T --identifier I [--out FILE]`: any URL through the cache. */
export function getCommand(context: CliContext): Command {
  return new Command('get')
    .description('fetch a URL through the cache (answered from it when cached) and print it or save it')
    .argument('<url>', 'an http(s) URL')
    .requiredOption('--provider <name>', 'whose rate limit and TTL apply (musicbrainz, theaudiodb, cdn …)')
    .requiredOption('--type <dataType>', 'what it is (api, fanart, thumbnail …); image types must be images')
    .option('--identifier <name>', 'what it is about, e.g. the artist', '')
    .option('--out <file>', 'write the body to this file instead of printing it (printed into a pipe byte for byte; on a terminal only text is shown)')
    .option('--queue', 'queue it for a worker instead of fetching now')
    .option('--retries <n>', 'further attempts after a network error, a timeout or a 5xx', '3')
    .option('--json', 'print what is cached about it (without the body) as JSON')
    .action(async (url: string, options: { provider: string; type: string; identifier: string; out?: string; queue?: boolean; retries: string }, command: Command) => {
      const json = globalOptions(command).json === true;
      await withProviders(command, context, async (providers) => {
        // Through the providers: a configured mirror, the key kept out of the cache, artist names normalised.
        const entry = await providers.getOrFetch({ url, provider: options.provider, dataType: options.type, identifier: options.identifier, immediate: options.queue !== true, retries: parseWholeNumber('--retries', options.retries, { max: 10 }) });
        if (entry === null) {
          context.writeError(options.queue === true ? `queued ${redactUrl(url)}\n` : `${redactUrl(url)}: not found (remembered as missing)\n`);
          if (options.queue !== true) process.exitCode = EXIT.failure;
          return;
        }
        if (options.out !== undefined) await writeOutFile(options.out, entry.data);
        if (json) {
          const { url: entryUrl, cachekey, identifier, dataType, provider, mimeType, size, checksum, storedAt, expiresAt, stale } = entry;
          writeJson(context, { url: entryUrl, cachekey, identifier, dataType, provider, mimeType, size, checksum, storedAt, expiresAt, stale, metadata: entry.metadata });
        } else if (options.out === undefined) {
          writeBody(context, entry.data, entry.mimeType);
        } else {
          context.writeError(`wrote ${entry.size} bytes (${entry.mimeType ?? 'unknown type'}) to ${options.out}\n`);
        }
      }, { unusableCache: 'stand-in' });
    });
}
