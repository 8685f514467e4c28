import { writeFile } from 'node:fs/promises';
import { InvalidArgumentError } from '../errors.js';
import type { CliContext } from './cli-context.js';
import { textOf } from './output.js';

/**
 * A cached body on stdout. Into a pipe or a file it goes byte for byte, as curl writes it (a
 * JSON answer piped into jq, an image into a file). On a terminal it is shown as text, stripped
 * of control characters like all plain output, and a binary body is refused (exit 2) rather
 * than garbling the screen: --out saves it.
 */
export function writeBody(context: CliContext, body: Buffer, mimeType: string | null): void {
  if (context.stdoutIsTerminal !== true) {
    context.writeRaw(body);
    return;
  }
  const text = textOf(body);
  if (text === null) {
    throw new InvalidArgumentError(`the body is binary (${mimeType ?? 'unknown type'}, ${body.length} bytes) and stdout is a terminal: save it with --out FILE, or pipe it into a file or a program (it is cached now, so that asks nothing again).`);
  }
  context.write(text.endsWith('\n') ? text : `${text}\n`);
}

/** Errors that say the --out path itself is wrong, not the disk. */
const BAD_PATH = new Set(['ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'EROFS', 'ENAMETOOLONG']);

/** Writes the --out file. A path that cannot be written (no such folder, a folder, no permission) is a bad argument, exit 2. */
export async function writeOutFile(path: string, data: Uint8Array): Promise<void> {
  try {
    await writeFile(path, data);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== undefined && BAD_PATH.has(code)) throw new InvalidArgumentError(`--out ${path} cannot be written (${code}).`);
    throw error;
  }
}
