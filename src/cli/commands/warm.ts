import { Command } from 'commander';
import { ArtistSet } from '../../precache/artist-names.js';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';

/**
 * `datacache warm ARTIST…`: the artists an app expects next (the rest of the playlist), their
 * whole chain (MusicBrainz, artwork lookups, images) now at live priority, so the artwork is
 * there when the track starts; `--queue` leaves it to a worker at batch priority instead.
 */
export function warmCommand(context: CliContext): Command {
  return new Command('warm')
    .description('fetch the artists an app expects next, search to images, now (or --queue for a worker)')
    .argument('<artists...>', 'artist fields as a library holds them, e.g. "Daft Punk" "Beyoncé;JAY-Z"')
    .option('--queue', 'queue the chains for a worker at batch priority and return at once')
    .option('--json', 'print what was done as JSON')
    .action(async (fields: string[], options: { queue?: boolean }, command: Command) => {
      const artists = new ArtistSet();
      for (const field of fields) artists.addField(field);
      const results = await withProviders(command, context, async (providers) => {
        const done: { artist: string; fetched: number; failed: number; queued: boolean; error?: string }[] = [];
        for (const artist of artists.values()) {
          const chainArtist = { name: artist.name, ...(artist.parts === undefined ? {} : { parts: artist.parts.map((part) => part.name) }) };
          try {
            if (options.queue === true) {
              await providers.queueArtist(chainArtist);
              done.push({ artist: artist.name, fetched: 0, failed: 0, queued: true });
            } else {
              const report = await providers.warmArtist(chainArtist);
              done.push({ artist: artist.name, ...report, queued: false });
            }
          } catch (error) {
            // One artist that cannot be warmed (the database away, a refused name) does not stop the others.
            done.push({ artist: artist.name, fetched: 0, failed: 1, queued: false, error: error instanceof Error ? error.message : String(error) });
          }
        }
        return done;
      });
      if (globalOptions(command).json === true) writeJson(context, results);
      else {
        for (const result of results) {
          context.write(result.queued ? `${result.artist}: queued\n` : `${result.artist}: ${result.fetched} fetched or cached, ${result.failed} failed${result.error === undefined ? '' : ` (${result.error})`}\n`);
        }
      }
      if (results.some((result) => result.failed > 0 && result.fetched === 0)) process.exitCode = EXIT.network;
    });
}
