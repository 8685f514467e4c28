import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BLOB_DIRECTORY, TEMPORARY_DIRECTORY } from './paths.js';

export interface BlobFile {
  /** Relative to the cache directory, `/`-separated, as rows record it. */
  relativePath: string;
  modifiedAt: number;
}

const TEMPORARY_FOLDER_NAME = TEMPORARY_DIRECTORY.slice(BLOB_DIRECTORY.length + 1);

/**
 * Every blob file (`blobs/xx/yy/*`), one folder at a time, so a sweep of a large cache gives
 * the event loop back between folders. Files that vanish while we look are skipped.
 */
export async function* listBlobFiles(cacheDirectory: string): AsyncGenerator<BlobFile> {
  for (const first of await listDirectory(cacheDirectory, BLOB_DIRECTORY)) {
    if (first === TEMPORARY_FOLDER_NAME) continue;
    for (const second of await listDirectory(cacheDirectory, `${BLOB_DIRECTORY}/${first}`)) {
      yield* listFiles(cacheDirectory, `${BLOB_DIRECTORY}/${first}/${second}`);
    }
  }
}

/** Files in `blobs/tmp`: stores in progress, or left behind by a crash. */
export function listTemporaryFiles(cacheDirectory: string): AsyncGenerator<BlobFile> {
  return listFiles(cacheDirectory, TEMPORARY_DIRECTORY);
}

async function* listFiles(cacheDirectory: string, relativeDirectory: string): AsyncGenerator<BlobFile> {
  for (const name of await listDirectory(cacheDirectory, relativeDirectory)) {
    const relativePath = `${relativeDirectory}/${name}`;
    try {
      const details = await stat(join(cacheDirectory, relativePath));
      if (details.isFile()) yield { relativePath, modifiedAt: details.mtimeMs };
    } catch {
      // Deleted while we looked: nothing to sweep.
    }
  }
}

async function listDirectory(cacheDirectory: string, relativeDirectory: string): Promise<string[]> {
  try {
    return await readdir(join(cacheDirectory, relativeDirectory));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}
