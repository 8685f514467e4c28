import { Command } from 'commander';
import { redactUrl } from '../../redaction.js';
import { writeOutFile } from '../body-output.js';
import { globalOptions, withProviders, writeJson, type CliContext } from '../cli-context.js';
import { EXIT } from '../exit-codes.js';

/** `datacache image random ARTIST --type fanart --out FILE`: one cached image, as an overlay would get it. */
export function imageCommand(context: CliContext): Command {
  const image = new Command('image').description('cached artist images');
  image
    .command('random')
    .description('write a random cached image of an artist (only what is cached; nothing is fetched)')
    .argument('<artist>', 'the artist, any spelling ("Daft Punk", " daft  punk")')
    .option('--type <imageType>', 'thumbnail, logo, banner, fanart, cover …', 'fanart')
    .option('--provider <name>', 'only images downloaded for this provider')
    .option('--out <file>', 'write the image here')
    .option('--json', 'print what was chosen as JSON')
    .action(async (artist: string, options: { type: string; provider?: string; out?: string }, command: Command) => {
      await withProviders(command, context, async (providers) => {
        const chosen = await providers.images.getRandomImage({ artistIdentifier: artist, imageType: options.type, ...(options.provider === undefined ? {} : { provider: options.provider }) });
        if (chosen === null) {
          context.writeError(`no cached ${options.type} for "${artist}"\n`);
          process.exitCode = EXIT.failure;
          return;
        }
        if (options.out !== undefined) await writeOutFile(options.out, chosen.data);
        const summary = { url: chosen.url, cachekey: chosen.cachekey, mimeType: chosen.mimeType, bytes: chosen.data.length, metadata: chosen.metadata, out: options.out ?? null };
        if (globalOptions(command).json === true) writeJson(context, summary);
        else context.write(`${chosen.mimeType ?? '?'} ${chosen.data.length} bytes ${JSON.stringify(chosen.metadata)} from ${redactUrl(chosen.url)}${options.out === undefined ? '' : ` → ${options.out}`}\n`);
      });
    });
  return image;
}
