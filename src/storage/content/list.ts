import type { Dirent } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { folderKind } from './folders.js';
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
 *
 * Only real folders are entered and only regular files listed: a link (to a folder or a file)
 * is never followed, so a sweep can never delete anything outside the cache directory, and a
 * FIFO or socket is not a blob file.
 */
export async function* listBlobFiles(cacheDirectory: string): AsyncGenerator<BlobFile> {
  for (const first of await listFolder(cacheDirectory, BLOB_DIRECTORY)) {
    if (!first.isDirectory() || first.name === TEMPORARY_FOLDER_NAME) continue;
    for (const second of await listFolder(cacheDirectory, `${BLOB_DIRECTORY}/${first.name}`)) {
      if (second.isDirectory()) yield* listFiles(cacheDirectory, `${BLOB_DIRECTORY}/${first.name}/${second.name}`);
    }
  }
}

/** Files in `blobs/tmp`: stores in progress, or left behind by a crash. */
export function listTemporaryFiles(cacheDirectory: string): AsyncGenerator<BlobFile> {
  return listFiles(cacheDirectory, TEMPORARY_DIRECTORY);
}

async function* listFiles(cacheDirectory: string, relativeDirectory: string): AsyncGenerator<BlobFile> {
  for (const entry of await listFolder(cacheDirectory, relativeDirectory)) {
    if (!entry.isFile()) continue;
    const relativePath = `${relativeDirectory}/${entry.name}`;
    try {
      const details = await lstat(join(cacheDirectory, relativePath));
      if (details.isFile()) yield { relativePath, modifiedAt: details.mtimeMs };
    } catch {
      // Deleted while we looked: nothing to sweep.
    }
  }
}

/**
 * The entries of a folder, typed without following links. `blobs` and `blobs/tmp` are looked
 * at first (the levels below come from their parent's entries, where a link is not a folder):
 * a link put there after the cache was opened is not listed through.
 */
async function listFolder(cacheDirectory: string, relativeDirectory: string): Promise<Dirent[]> {
  const path = join(cacheDirectory, relativeDirectory);
  try {
    if (relativeDirectory === BLOB_DIRECTORY || relativeDirectory === TEMPORARY_DIRECTORY) {
      if ((await folderKind(path)) !== 'directory') return [];
    }
    return await readdir(path, { withFileTypes: true });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw error;
  }
}
