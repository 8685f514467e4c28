import { Command, InvalidArgumentError as CommanderArgumentError } from 'commander';
import { ArtistSet } from '../../precache/artist-names.js';
import { ARTWORK_TYPES, DEFAULT_ARTWORK_LIMITS, type ArtworkType } from '../../providers/artist-chain/artwork-sources.js';
import { InvalidArgumentError, LibraryFormatError } from '../../errors.js';
import { findLibraries, searchedFolders } from '../../precache/library/library-locations.js';
import { LibraryReadReport } from '../../precache/library/library-track.js';
import { LIBRARY_FORMATS, readLibraryTracks, type LibraryFormat } from '../../precache/library/read-library.js';
import { precacheArtists } from '../../precache/precache.js';
import { parseWholeNumber } from '../arguments.js';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';
import { describeFailures, describeProgress, progressDisplay } from '../progress-display.js';

interface PrecacheCommandOptions {
  format?: LibraryFormat;
  work?: boolean;
  follow?: boolean;
  concurrency: string;
  images?: Partial<Record<ArtworkType, number>>;
  dryRun?: boolean;
}

/**
 * `datacache precache LIBRARY`: queues every artist's chain (MusicBrainz search, artwork
 * lookups, images), those the DJ plays most first, and exits: any worker on the cache carries
 * the chains to their end. `--follow` follows them to the end, `--work` also does the work;
 * both can be stopped and run again. Exits 3 when any artist failed (a request failed for
 * good: the network, the service), after saying why; 130 when stopped.
 */
export function precacheCommand(context: CliContext): Command {
  return new Command('precache')
    .description('pre-cache the artists of a DJ library before a gig: MusicBrainz search, then artist images, queued at batch priority')
    .argument('[libraries...]', 'library files (Traktor, rekordbox, Serato, VirtualDJ, Engine DJ, Mixxx, iTunes, M3U, tracklist.txt, a text file of artists); none: every library `datacache libraries` finds')
    .option('--format <format>', `${LIBRARY_FORMATS.join(', ')} (default: told from the file)`, (value: string) => {
      if (!(LIBRARY_FORMATS as readonly string[]).includes(value)) throw new CommanderArgumentError(`use one of ${LIBRARY_FORMATS.join(', ')}.`);
      return value;
    })
    .option('--work', 'fetch in this process instead of leaving the queue to a running `datacache worker` (implies --follow)')
    .option('--follow', 'follow the queued chains to their end and report, instead of exiting once they are queued')
    .option('--concurrency <n>', 'fetches at once with --work', '3')
    .option('--images <limits>', `images kept per artist and type, e.g. "fanart=10,logo=1" (default ${ARTWORK_TYPES.map((type) => `${type}=${DEFAULT_ARTWORK_LIMITS[type]}`).join(',')})`, parseImageLimits)
    .option('--dry-run', 'list the artists found in the library, in the order they would be queued (plays first), and stop; nothing is queued')
    .option('--json', 'print the final report as JSON')
    .addHelpText('after', `
Names are tidied and split: "A feat. B", "A ft. B", "A vs. B" are two artists; "A & B" and "A, B" are
one artist when MusicBrainz knows one by that name (Simon & Garfunkel), else two. "Various Artists" is
skipped. Ctrl-C stops; running the same command again skips what is cached or queued already.`)
    .action(async (given: string[], options: PrecacheCommandOptions, command: Command) => {
      const json = globalOptions(command).json === true;
      const artists = new ArtistSet();
      const read = new LibraryReadReport();
      const libraries = given.length > 0 ? given : await foundLibraries(context);
      for (const path of libraries) {
        try {
          for await (const track of readLibraryTracks(path, { format: options.format, report: read })) artists.addTrack(track);
        } catch (error) {
          // A library named on the command line must be read; one found on the computer is skipped, saying why.
          if (given.length > 0 || !(error instanceof LibraryFormatError)) throw error;
          context.writeError(`skipped ${error.message}\n`);
        }
      }
      const library = libraries.length === 1 ? libraries[0]! : `${libraries.length} libraries`;
      if (options.dryRun === true) {
        if (json) {
          writeJson(context, {
            tracks: artists.fields,
            unreadable: Object.fromEntries(read.skipped),
            artists: artists.values().map((artist) => {
              const { count, lastPlayedAt } = artists.playsOf(artist.identifier);
              return { name: artist.name, parts: artist.parts?.map((part) => part.name) ?? null, plays: count, lastPlayedAt };
            }),
          });
        } else {
          for (const artist of artists.values()) {
            const plays = artists.playsOf(artist.identifier).count;
            context.write(`${artist.name}${artist.parts === undefined ? '' : `  (or: ${artist.parts.map((part) => part.name).join(' | ')})`}${plays > 0 ? `  [${plays} ${plays === 1 ? 'play' : 'plays'}]` : ''}\n`);
          }
        }
        return;
      }
      const unreadable = read.skippedCount;
      context.writeError(`${library}: ${artists.fields} tracks with an artist, ${artists.size} artists${unreadable > 0 ? `; ${unreadable} tracks could not be read (${[...read.skipped].map(([reason, count]) => `${count} ${reason}`).join(', ')})` : ''}\n`);
      const work = options.work === true;
      const follow = work || options.follow === true;
      const concurrency = parseWholeNumber('--concurrency', options.concurrency, { min: 1, max: 64 });
      await withProviders(command, context, async (providers) => {
        const stop = new AbortController();
        const onSignal = (): void => { stop.abort(); };
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        const display = progressDisplay(context, { work });
        try {
          const report = await precacheArtists(providers, artists, {
            work,
            follow,
            concurrency,
            artworkLimits: options.images,
            signal: stop.signal,
            onProgress: (progress) => { display.update(progress); },
          });
          display.stop();
          if (json) writeJson(context, report);
          else if (!follow) context.write(`queued ${report.artists} artists; any worker on this cache carries them on (datacache worker), and the same command with --follow shows the progress\n`);
          else context.write(`${report.interrupted ? 'interrupted' : 'done'}: ${describeProgress(report)}\n`);
          if (!follow) return;
          // A failed request is queued again by the next run, so a script can simply run it again.
          if (report.failed > 0) context.writeError(`${describeFailures(report)}${report.interrupted ? '' : '; run the same command again to try them again'}\n`);
          if (report.interrupted) {
            context.writeError('stopped; run the same command again to go on where it stopped\n');
            process.exitCode = EXIT.interrupted;
          } else if (report.failed > 0) {
            process.exitCode = EXIT.network;
          }
        } finally {
          display.stop();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      });
    });
}

function parseImageLimits(text: string): Partial<Record<ArtworkType, number>> {
  const limits: Partial<Record<ArtworkType, number>> = {};
  for (const item of text.split(',')) {
    const match = /^\s*([a-z]+)\s*=\s*(\d{1,4})\s*$/u.exec(item);
    if (match === null || !(ARTWORK_TYPES as readonly string[]).includes(match[1] ?? '')) {
      throw new CommanderArgumentError(`give type=count pairs such as "fanart=10,logo=1"; the types are ${ARTWORK_TYPES.join(', ')}.`);
    }
    limits[match[1] as ArtworkType] = Number(match[2]);
  }
  return limits;
}

/** Every library `datacache libraries` finds (collections and histories), said on stderr; a usage error when there is none. */
async function foundLibraries(context: CliContext): Promise<string[]> {
  const options = { env: context.environment };
  const found = await findLibraries(options);
  if (found.length === 0) {
    throw new InvalidArgumentError(`no library given, and none found in the usual places:\n${searchedFolders(options).map((folder) => `  ${folder}`).join('\n')}\ngive the library file: datacache precache PATH`);
  }
  context.writeError(`found ${found.length} libraries: ${found.map((library) => `${library.app} ${library.kind} ${library.path}`).join('; ')}\n`);
  return found.map((library) => library.path);
}
