import { Command, Option } from 'commander';
import type { MusicBrainzEntity } from '../../providers/musicbrainz/musicbrainz-provider.js';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';
import { parseWholeNumber } from '../arguments.js';
import { EXIT } from '../exit-codes.js';
import { formatTable } from '../output.js';

/** `datacache search artist|recording|release QUERY`: MusicBrainz through the cache. */
export function searchCommand(context: CliContext): Command {
  return new Command('search')
    .description('search MusicBrainz through the cache (1 request/s shared with every process)')
    .addArgument(new Command().createArgument('<entity>', 'what to search').choices(['artist', 'recording', 'release']))
    .argument('<query...>', 'what to look for, e.g. "Daft Punk"')
    .addOption(new Option('--limit <n>', 'answers to show (1-100)').default('10'))
    .option('--json', 'print MusicBrainz’s answer as JSON')
    .action(async (entity: 'artist' | 'recording' | 'release', words: string[], options: { limit: string }, command: Command) => {
      const query = words.join(' ');
      const limit = parseWholeNumber('--limit', options.limit, { min: 1, max: 100 });
      const result = await withProviders(command, context, async (providers) => {
        if (entity === 'artist') return providers.musicbrainz.searchArtists(query, { limit });
        if (entity === 'recording') return providers.musicbrainz.searchRecordings(query, { limit });
        return providers.musicbrainz.searchReleases(query, { limit });
      }, { unusableCache: 'stand-in' });
      if (globalOptions(command).json === true) {
        writeJson(context, result);
        return;
      }
      const found = ((result as Record<string, unknown> | null)?.[`${entity}s`] ?? []) as MusicBrainzEntity[];
      if (found.length === 0) {
        context.writeError(`no ${entity} found for "${query}"\n`);
        process.exitCode = EXIT.failure;
        return;
      }
      context.write(`${formatTable(['score', entity === 'artist' ? 'name' : 'title', 'detail', 'mbid'], found.map((item) => [item.score ?? '', item.name ?? item.title ?? '', detailOf(entity, item), item.id]))}\n`);
    });
}

function detailOf(entity: string, item: MusicBrainzEntity): string {
  if (entity === 'artist') return texts(item.type, item.country, item.disambiguation);
  if (entity === 'recording') {
    const credit = (item['artist-credit'] as { name?: string }[] | undefined)?.map((part) => part.name).join(', ');
    const length = typeof item.length === 'number' ? `${Math.floor(item.length / 60_000)}:${String(Math.round((item.length % 60_000) / 1000)).padStart(2, '0')}` : '';
    return texts(credit, length);
  }
  return texts(item.date, item.country);
}

/** The non-empty strings among `parts`, comma-separated. */
function texts(...parts: unknown[]): string {
  return parts.filter((part): part is string => typeof part === 'string' && part !== '').join(', ');
}
