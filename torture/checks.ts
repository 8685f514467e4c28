import { readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import Database from 'better-sqlite3';

/** `PRAGMA integrity_check` of the cache database, from a separate read-only connection: "ok" or what is wrong. */
export function integrityOf(cacheDir: string): string {
  const database = new Database(join(cacheDir, 'datacache.sqlite'), { readonly: true });
  try {
    return String(database.pragma('integrity_check', { simple: true }));
  } finally {
    database.close();
  }
}

/** Rows whose blob file is missing, and blob files (temporary ones aside) that no row names. */
export async function rowsAndFiles(cacheDir: string): Promise<{ named: number; rowsWithoutFiles: number; filesWithoutRows: number }> {
  const database = new Database(join(cacheDir, 'datacache.sqlite'), { readonly: true });
  const named = new Set(database.prepare('SELECT file_path FROM entries WHERE file_path IS NOT NULL').pluck().all() as string[]);
  database.close();
  const files = (await readdir(join(cacheDir, 'blobs'), { recursive: true, withFileTypes: true }).catch(() => []))
    .filter((file) => file.isFile() && !file.parentPath.endsWith('tmp'))
    .map((file) => relative(cacheDir, join(file.parentPath, file.name)).split('\\').join('/'));
  const present = new Set(files);
  return {
    named: named.size,
    rowsWithoutFiles: [...named].filter((path) => !present.has(path)).length,
    filesWithoutRows: files.filter((path) => !named.has(path)).length,
  };
}
