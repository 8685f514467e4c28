import type { Dirent, Stats } from 'node:fs';
import { opendir, stat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_LIBRARY_LOCATIONS,
  LIBRARY_APPS,
  type AnyFolder,
  type BaseFolder,
  type LibraryApp,
  type LibraryKind,
  type LibraryLocation,
  type PlatformFamily,
} from './default-library-paths.js';

export type { LibraryApp, LibraryKind } from './default-library-paths.js';

/** A DJ library file found on this computer. */
export interface FoundLibrary {
  app: LibraryApp;
  kind: LibraryKind;
  path: string;
  bytes: number;
  /** Last modified, in ms since the epoch. */
  modifiedAt: number;
  /** What a person should know: the file is encrypted, older history files were left out, … */
  note?: string;
}

/** Whose computer to look at: by default this process's platform, home folder and environment. */
export interface FindLibrariesOptions {
  platform?: NodeJS.Platform;
  home?: string;
  /** On Windows, USERPROFILE, APPDATA and LOCALAPPDATA place the folders; elsewhere HOME. */
  env?: Record<string, string | undefined>;
}

/** History files listed per application, newest first; a DJ who played for years has thousands. */
export const HISTORY_FILES_PER_APP = 200;

/**
 * Entries read from any one folder: the search never walks a tree, but a history folder (or a
 * folder someone filled with other things) can be huge, and the answer should come in a moment.
 */
export const DIRECTORY_ENTRIES_READ = 5000;

/**
 * The DJ libraries in their applications' default places (default-library-paths.ts): every file
 * that exists, with its size and age. Collections come first for each application (Traktor's
 * newest version first), then its history files, newest first. Only the known folders are read,
 * never a tree, and a folder no one can read, or a symbolic link that loops, is simply skipped.
 */
export async function findLibraries(options: FindLibrariesOptions = {}): Promise<FoundLibrary[]> {
  const family = platformFamily(options.platform ?? process.platform);
  const bases = baseFolders(family, options);
  const locations = locationsFor(family);
  const sightings = await Promise.all(locations.map((location) => lookIn(location, bases[location.base])));
  const seen = new Set<string>();
  const found: FoundLibrary[] = [];
  for (const app of LIBRARY_APPS) {
    const ofApp = sightings.filter((sighting) => sighting.location.app === app);
    const collections = ofApp
      .filter((sighting) => sighting.location.kind === 'collection')
      .flatMap(({ location, files }) => files.map((file) => ({ file, note: location.note })));
    // Stable: only versioned folders (Traktor's) move, newest version first across every place.
    collections.sort((a, b) => compareVersions(b.file.version ?? [], a.file.version ?? []));
    for (const { file: { path, bytes, modifiedAt }, note } of collections) {
      if (seen.has(path)) continue;
      seen.add(path);
      found.push({ app, kind: 'collection', path, bytes, modifiedAt, ...(note === undefined ? {} : { note }) });
    }
    found.push(...newestHistory(app, ofApp.filter((sighting) => sighting.location.kind === 'history'), seen));
  }
  return found;
}

/** The folders findLibraries looks in on this platform, for telling a person where nothing was found. */
export function searchedFolders(options: FindLibrariesOptions = {}): string[] {
  const family = platformFamily(options.platform ?? process.platform);
  const bases = baseFolders(family, options);
  const folders = locationsFor(family).flatMap((location) => {
    const base = bases[location.base];
    return base === undefined ? [] : [join(base, ...location.folders.map((part) => (typeof part === 'string' ? part : part.shownAs)))];
  });
  return [...new Set(folders)];
}

interface FileFacts {
  path: string;
  bytes: number;
  modifiedAt: number;
  /** The version in the name of the versioned folder it is in (Traktor's), if any. */
  version?: number[];
}

/** A folder to look in, with the version its name gave when it matched an AnyFolder. */
interface Folder {
  path: string;
  version?: number[];
}

/** What one location held; `cut` when some folder had more entries than were read. */
interface Sighting {
  location: LibraryLocation;
  files: FileFacts[];
  cut: boolean;
}

function platformFamily(platform: NodeJS.Platform): PlatformFamily {
  if (platform === 'darwin') return 'macos';
  if (platform === 'win32') return 'windows';
  return 'linux';
}

function locationsFor(family: PlatformFamily): LibraryLocation[] {
  return DEFAULT_LIBRARY_LOCATIONS.filter((location) => location.platforms.includes(family));
}

/** Where each base folder is for this user; Windows' application-data folders exist only there. */
function baseFolders(family: PlatformFamily, options: FindLibrariesOptions): Record<BaseFolder, string | undefined> {
  const env = options.env ?? process.env;
  const setting = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  if (family === 'windows') {
    const profile = setting('USERPROFILE') ?? options.home ?? homedir();
    return {
      home: profile,
      documents: join(profile, 'Documents'),
      music: join(profile, 'Music'),
      roamingAppData: setting('APPDATA') ?? join(profile, 'AppData', 'Roaming'),
      localAppData: setting('LOCALAPPDATA') ?? join(profile, 'AppData', 'Local'),
    };
  }
  const home = options.home ?? setting('HOME') ?? homedir();
  return { home, documents: join(home, 'Documents'), music: join(home, 'Music'), roamingAppData: undefined, localAppData: undefined };
}

async function lookIn(location: LibraryLocation, base: string | undefined): Promise<Sighting> {
  if (base === undefined) return { location, files: [], cut: false };
  const { folders, cut: foldersCut } = await expandFolders(base, location.folders);
  const { file } = location;
  if (typeof file === 'string') {
    const files = await Promise.all(folders.map(async (folder) => withVersion(await fileAt(join(folder.path, file)), folder)));
    return { location, files: files.filter((facts) => facts !== undefined), cut: foldersCut };
  }
  const listings = await Promise.all(folders.map((folder) => filesIn(folder.path, file.anyFile)));
  return { location, files: listings.flatMap((listing) => listing.files), cut: foldersCut || listings.some((listing) => listing.cut) };
}

function withVersion(facts: FileFacts | undefined, folder: Folder): FileFacts | undefined {
  return facts === undefined || folder.version === undefined ? facts : { ...facts, version: folder.version };
}

/** The folders a location names, each AnyFolder replaced by its matching subfolders, newest version first. */
async function expandFolders(base: string, parts: LibraryLocation['folders']): Promise<{ folders: Folder[]; cut: boolean }> {
  let folders: Folder[] = [{ path: base }];
  let cut = false;
  for (const part of parts) {
    if (typeof part === 'string') {
      folders = folders.map((folder) => ({ ...folder, path: join(folder.path, part) }));
      continue;
    }
    const expanded = await Promise.all(folders.map((folder) => subfoldersMatching(folder.path, part)));
    cut ||= expanded.some((listing) => listing.cut);
    folders = expanded.flatMap((listing) => listing.folders);
  }
  return { folders, cut };
}

async function subfoldersMatching(folder: string, pattern: AnyFolder): Promise<{ folders: Folder[]; cut: boolean }> {
  const { entries, cut } = await readEntries(folder);
  const candidates = await Promise.all(
    entries
      .filter((entry) => pattern.anyFolder.test(entry.name))
      .map(async (entry) => {
        const path = join(folder, entry.name);
        const facts = await statOrUndefined(path);
        return facts?.isDirectory() === true ? { path, version: versionOf(entry.name), modifiedAt: facts.mtimeMs } : undefined;
      }),
  );
  const folders = candidates.filter((candidate) => candidate !== undefined);
  folders.sort((a, b) => compareVersions(b.version, a.version) || b.modifiedAt - a.modifiedAt);
  return { folders: folders.map(({ path, version }) => ({ path, version })), cut };
}

async function filesIn(folder: string, pattern: RegExp): Promise<{ files: FileFacts[]; cut: boolean }> {
  const { entries, cut } = await readEntries(folder);
  const files = await Promise.all(entries.filter((entry) => pattern.test(entry.name)).map((entry) => fileAt(join(folder, entry.name))));
  return { files: files.filter((facts) => facts !== undefined), cut };
}

/**
 * Up to DIRECTORY_ENTRIES_READ entries of a folder; none when it is missing or unreadable.
 * Entries are looked at with stat afterwards, so a symbolic link counts as what it points to,
 * and one that loops fails there (ELOOP) and is skipped; nothing below a listed folder is read.
 */
async function readEntries(folder: string): Promise<{ entries: Dirent[]; cut: boolean }> {
  const entries: Dirent[] = [];
  try {
    for await (const entry of await opendir(folder)) {
      if (entries.length === DIRECTORY_ENTRIES_READ) return { entries, cut: true };
      entries.push(entry);
    }
  } catch {
    // Missing, not a folder, not readable, a loop: nothing there for us.
  }
  return { entries, cut: false };
}

async function fileAt(path: string): Promise<FileFacts | undefined> {
  const facts = await statOrUndefined(path);
  return facts?.isFile() === true ? { path, bytes: facts.size, modifiedAt: Math.round(facts.mtimeMs) } : undefined;
}

async function statOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await stat(path);
  } catch {
    return undefined;
  }
}

/** The newest HISTORY_FILES_PER_APP history files of one application; the last says what was left out. */
function newestHistory(app: LibraryApp, sightings: readonly Sighting[], seen: Set<string>): FoundLibrary[] {
  const files = sightings.flatMap((sighting) => sighting.files).filter((file) => !seen.has(file.path));
  for (const file of files) seen.add(file.path);
  files.sort((a, b) => b.modifiedAt - a.modifiedAt);
  const listed: FoundLibrary[] = files.slice(0, HISTORY_FILES_PER_APP).map(({ path, bytes, modifiedAt }) => ({ app, kind: 'history', path, bytes, modifiedAt }));
  const left = files.length - listed.length;
  const cut = sightings.some((sighting) => sighting.cut);
  const last = listed.at(-1);
  if (last !== undefined && (left > 0 || cut)) {
    const parts = left > 0 ? [`${left} older history file${left === 1 ? '' : 's'} not listed`] : [];
    if (cut) parts.push(`a folder has more than ${DIRECTORY_ENTRIES_READ} entries: the rest were not read`);
    last.note = parts.join('; ');
  }
  return listed;
}

/** "Traktor 3.11.1" → [3, 11, 1]; a name without digits has no version. */
function versionOf(name: string): number[] {
  return (name.match(/\d+/gu) ?? []).map(Number);
}

/** Negative when `a` is the older version. */
function compareVersions(a: readonly number[], b: readonly number[]): number {
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? -1) - (b[index] ?? -1);
    if (difference !== 0) return difference;
  }
  return 0;
}
