import { basename } from 'node:path';
import { Command } from 'commander';
import { formatBytes, formatDuration } from '../../format.js';
import { findLibraries, searchedFolders, type FoundLibrary } from '../../precache/library/library-locations.js';
import { globalOptions, writeJson, type CliContext } from '../cli-context.js';
import { formatTable } from '../output.js';

/**
 * `datacache libraries`: the DJ libraries in their applications' usual places, to pick one for
 * `datacache precache`. Finding none is an answer, not a failure: exit 0, saying where it looked.
 */
export function librariesCommand(context: CliContext): Command {
  return new Command('libraries')
    .description("list the DJ libraries on this computer: Traktor, rekordbox, Serato, VirtualDJ, Engine DJ, Mixxx and iTunes, in their applications' usual places")
    .option('--json', 'print them as a JSON array')
    .addHelpText('after', `
Only the usual places are looked in; a library kept elsewhere is given to precache by its path.
Apple's Music app keeps no XML library: export one with File › Library › Export Library.`)
    .action(async (_options: unknown, command: Command) => {
      const options = { env: context.environment };
      const libraries = await findLibraries(options);
      if (globalOptions(command).json === true) {
        writeJson(context, libraries);
        return;
      }
      if (libraries.length === 0) {
        context.write(`No DJ libraries found in the usual places (these folders):\n${searchedFolders(options).map((folder) => `  ${folder}\n`).join('')}`);
        return;
      }
      context.write(renderLibraries(libraries, Date.now()));
    });
}

/** The libraries as a table (app, kind, size, age, path), then one line per note. */
export function renderLibraries(libraries: readonly FoundLibrary[], now: number): string {
  const table = formatTable(
    ['app', 'kind', 'size', 'age', 'path'],
    libraries.map((library) => [library.app, library.kind, formatBytes(library.bytes), formatAge(now - library.modifiedAt), library.path]),
  );
  const notes = libraries.flatMap((library) => (library.note === undefined ? [] : [`${library.app} ${basename(library.path)}: ${library.note}`]));
  return `${table}\n${notes.length === 0 ? '' : `\n${notes.join('\n')}\n`}`;
}

/** How long ago a file changed: "3 min 05 s", "5 h 02 min", then whole days. */
function formatAge(milliseconds: number): string {
  const seconds = Math.max(0, milliseconds / 1000);
  const days = Math.floor(seconds / 86_400);
  return days >= 2 ? `${days} days` : formatDuration(seconds);
}
