import { mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DIRECTORY_ENTRIES_READ, HISTORY_FILES_PER_APP, findLibraries, searchedFolders, type FoundLibrary } from '../../../src/precache/library/library-locations.js';
import { temporaryDirectory } from '../../helpers/temporary-directory.js';

const DAY = 86_400_000;
const JANUARY = Date.UTC(2024, 0, 1);

/** Writes `bytes` bytes at `root`/`path` (folders made as needed), last modified `modifiedAt`. */
async function place(root: string, path: string, { bytes = 10, modifiedAt = JANUARY }: { bytes?: number; modifiedAt?: number } = {}): Promise<string> {
  const file = join(root, path);
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, Buffer.alloc(bytes, 0x61));
  await utimes(file, modifiedAt / 1000, modifiedAt / 1000);
  return file;
}

/** What was found, as [app, kind, path under `root`]: the shape most assertions care about. */
function summary(found: readonly FoundLibrary[], root: string): [string, string, string][] {
  return found.map((library) => [library.app, library.kind, relative(root, library.path)]);
}

describe('finding DJ libraries in their default places', () => {
  it('finds every application on macOS: collections first, newest Traktor first, then history newest first', async () => {
    const home = await temporaryDirectory();
    const newerSession = JANUARY + 2 * DAY;
    for (const [path, modifiedAt] of [
      ['Documents/Native Instruments/Traktor 3.5.0/collection.nml', JANUARY],
      ['Documents/Native Instruments/Traktor 3.11.1/collection.nml', JANUARY],
      ['Documents/Native Instruments/Traktor 3.5.0/History/history_2023y12m31d.nml', JANUARY - DAY],
      ['Documents/Native Instruments/Traktor 3.11.1/History/history_2024y01m03d.nml', newerSession],
      ['Library/Pioneer/rekordbox/master.db', JANUARY],
      ['Music/_Serato_/database V2', JANUARY],
      ['Library/Application Support/Serato/Library/master.sqlite', JANUARY],
      ['Music/_Serato_/History/Sessions/12.session', JANUARY],
      ['Documents/VirtualDJ/database.xml', JANUARY],
      ['Documents/VirtualDJ/VirtualDJ Database v6.xml', JANUARY],
      ['Documents/VirtualDJ/History/2024-01-01.m3u', JANUARY],
      ['Documents/VirtualDJ/History/tracklist.txt', newerSession],
      ['Library/Application Support/VirtualDJ/database.xml', JANUARY],
      ['Music/Engine Library/Database2/m.db', JANUARY],
      ['Music/Engine Library/m.db', JANUARY],
      ['Library/Containers/org.mixxx.mixxx/Data/Library/Application Support/Mixxx/mixxxdb.sqlite', JANUARY],
      ['Library/Application Support/Mixxx/mixxxdb.sqlite', JANUARY],
      ['Music/iTunes/iTunes Library.xml', JANUARY],
      ['Music/iTunes/iTunes Music Library.xml', JANUARY],
    ] as const) {
      await place(home, path, { modifiedAt });
    }

    const found = await findLibraries({ platform: 'darwin', home, env: {} });

    expect(summary(found, home)).toEqual([
      ['traktor', 'collection', 'Documents/Native Instruments/Traktor 3.11.1/collection.nml'],
      ['traktor', 'collection', 'Documents/Native Instruments/Traktor 3.5.0/collection.nml'],
      ['traktor', 'history', 'Documents/Native Instruments/Traktor 3.11.1/History/history_2024y01m03d.nml'],
      ['traktor', 'history', 'Documents/Native Instruments/Traktor 3.5.0/History/history_2023y12m31d.nml'],
      ['rekordbox', 'collection', 'Library/Pioneer/rekordbox/master.db'],
      ['serato', 'collection', 'Music/_Serato_/database V2'],
      ['serato', 'collection', 'Library/Application Support/Serato/Library/master.sqlite'],
      ['serato', 'history', 'Music/_Serato_/History/Sessions/12.session'],
      ['virtualdj', 'collection', 'Documents/VirtualDJ/database.xml'],
      ['virtualdj', 'collection', 'Documents/VirtualDJ/VirtualDJ Database v6.xml'],
      ['virtualdj', 'collection', 'Library/Application Support/VirtualDJ/database.xml'],
      ['virtualdj', 'history', 'Documents/VirtualDJ/History/tracklist.txt'],
      ['virtualdj', 'history', 'Documents/VirtualDJ/History/2024-01-01.m3u'],
      ['engine-dj', 'collection', 'Music/Engine Library/Database2/m.db'],
      ['engine-dj', 'collection', 'Music/Engine Library/m.db'],
      ['mixxx', 'collection', 'Library/Containers/org.mixxx.mixxx/Data/Library/Application Support/Mixxx/mixxxdb.sqlite'],
      ['mixxx', 'collection', 'Library/Application Support/Mixxx/mixxxdb.sqlite'],
      ['itunes', 'collection', 'Music/iTunes/iTunes Library.xml'],
      ['itunes', 'collection', 'Music/iTunes/iTunes Music Library.xml'],
    ]);
    expect(found.find((library) => library.app === 'rekordbox')?.note).toMatch(/encrypted.*export.*xml/iu);
  });

  it('finds every application on Windows through USERPROFILE, APPDATA and LOCALAPPDATA, not the home given', async () => {
    const root = await temporaryDirectory();
    const env = { USERPROFILE: join(root, 'Users', 'dj'), APPDATA: join(root, 'Roaming'), LOCALAPPDATA: join(root, 'Local') };
    for (const path of [
      'Users/dj/Documents/Native Instruments/Traktor 2.11.3/collection.nml',
      'Local/Native Instruments/Traktor 4.0.0/collection.nml',
      'Local/Native Instruments/Traktor 4.0.0/History/history_2024y01m01d.nml',
      'Roaming/Pioneer/rekordbox/master.db',
      'Users/dj/Music/_Serato_/database V2',
      'Users/dj/Music/_Serato_/History/Sessions/3.session',
      'Users/dj/Documents/VirtualDJ/database.xml',
      'Local/VirtualDJ/History/tracklist.txt',
      'Users/dj/Music/Engine Library/Database2/m.db',
      'Local/Mixxx/mixxxdb.sqlite',
      'Users/dj/Music/iTunes/iTunes Music Library.xml',
      // Not where this environment says: the default APPDATA, a Mac-only place, the home given.
      'Users/dj/AppData/Roaming/Pioneer/rekordbox/master.db',
      'Users/dj/Library/Pioneer/rekordbox/master.db',
      'elsewhere/Documents/VirtualDJ/database.xml',
    ]) {
      await place(root, path);
    }

    const found = await findLibraries({ platform: 'win32', home: join(root, 'elsewhere'), env });

    expect(summary(found, root)).toEqual([
      ['traktor', 'collection', 'Local/Native Instruments/Traktor 4.0.0/collection.nml'],
      ['traktor', 'collection', 'Users/dj/Documents/Native Instruments/Traktor 2.11.3/collection.nml'],
      ['traktor', 'history', 'Local/Native Instruments/Traktor 4.0.0/History/history_2024y01m01d.nml'],
      ['rekordbox', 'collection', 'Roaming/Pioneer/rekordbox/master.db'],
      ['serato', 'collection', 'Users/dj/Music/_Serato_/database V2'],
      ['serato', 'history', 'Users/dj/Music/_Serato_/History/Sessions/3.session'],
      ['virtualdj', 'collection', 'Users/dj/Documents/VirtualDJ/database.xml'],
      ['virtualdj', 'history', 'Local/VirtualDJ/History/tracklist.txt'],
      ['engine-dj', 'collection', 'Users/dj/Music/Engine Library/Database2/m.db'],
      ['mixxx', 'collection', 'Local/Mixxx/mixxxdb.sqlite'],
      ['itunes', 'collection', 'Users/dj/Music/iTunes/iTunes Music Library.xml'],
    ]);
  });

  it('falls back to the AppData folders under USERPROFILE when APPDATA and LOCALAPPDATA are not set', async () => {
    const profile = await temporaryDirectory();
    await place(profile, 'AppData/Roaming/Pioneer/rekordbox/master.db');
    await place(profile, 'AppData/Local/Mixxx/mixxxdb.sqlite');

    const found = await findLibraries({ platform: 'win32', env: { USERPROFILE: profile, APPDATA: '' } });

    expect(summary(found, profile)).toEqual([
      ['rekordbox', 'collection', 'AppData/Roaming/Pioneer/rekordbox/master.db'],
      ['mixxx', 'collection', 'AppData/Local/Mixxx/mixxxdb.sqlite'],
    ]);
  });

  it('finds only Mixxx on Linux, installed natively or as a Flatpak, and ignores the Mac and Windows places', async () => {
    const home = await temporaryDirectory();
    await place(home, '.mixxx/mixxxdb.sqlite');
    await place(home, '.var/app/org.mixxx.Mixxx/.mixxx/mixxxdb.sqlite');
    await place(home, 'Documents/Native Instruments/Traktor 3.11.1/collection.nml');
    await place(home, 'Music/_Serato_/database V2');
    await place(home, 'Library/Pioneer/rekordbox/master.db');

    const found = await findLibraries({ platform: 'linux', home, env: {} });

    expect(summary(found, home)).toEqual([
      ['mixxx', 'collection', '.mixxx/mixxxdb.sqlite'],
      ['mixxx', 'collection', '.var/app/org.mixxx.Mixxx/.mixxx/mixxxdb.sqlite'],
    ]);
    expect(found[1]?.note).toMatch(/flatpak/iu);
  });

  it('takes the home folder from HOME when no home is given', async () => {
    const home = await temporaryDirectory();
    await place(home, '.mixxx/mixxxdb.sqlite');

    expect(summary(await findLibraries({ platform: 'linux', env: { HOME: home } }), home)).toEqual([['mixxx', 'collection', '.mixxx/mixxxdb.sqlite']]);
  });

  it('gives each file its size in bytes and its modification time', async () => {
    const home = await temporaryDirectory();
    const modifiedAt = Date.UTC(2023, 5, 15, 21, 30);
    const path = await place(home, 'Music/Engine Library/Database2/m.db', { bytes: 4096, modifiedAt });

    expect(await findLibraries({ platform: 'darwin', home, env: {} })).toEqual([{ app: 'engine-dj', kind: 'collection', path, bytes: 4096, modifiedAt }]);
  });

  it('orders Traktor versions by number, not by name: 3.11 is newer than 3.9', async () => {
    const home = await temporaryDirectory();
    for (const version of ['2.11.3', '3.9.0', '3.11.1', '3.10']) await place(home, `Documents/Native Instruments/Traktor ${version}/collection.nml`);

    const found = await findLibraries({ platform: 'darwin', home, env: {} });

    expect(found.map((library) => relative(join(home, 'Documents/Native Instruments'), dirname(library.path)))).toEqual(['Traktor 3.11.1', 'Traktor 3.10', 'Traktor 3.9.0', 'Traktor 2.11.3']);
  });

  it('lists only history files, not other files or folders that share the folder or the name', async () => {
    const home = await temporaryDirectory();
    await place(home, 'Music/_Serato_/History/Sessions/1.session');
    await place(home, 'Music/_Serato_/History/Sessions/.DS_Store');
    await place(home, 'Music/_Serato_/History/Sessions/notes.txt');
    await mkdir(join(home, 'Music/_Serato_/History/Sessions/old.session'));
    await mkdir(join(home, 'Documents/Native Instruments/Traktor 3.11.1/collection.nml'), { recursive: true });

    const found = await findLibraries({ platform: 'darwin', home, env: {} });

    expect(summary(found, home)).toEqual([['serato', 'history', 'Music/_Serato_/History/Sessions/1.session']]);
  });

  it(`lists the newest ${HISTORY_FILES_PER_APP} history files of an application and says how many older ones it left out`, async () => {
    const home = await temporaryDirectory();
    const sessions = HISTORY_FILES_PER_APP + 5;
    for (let index = 0; index < sessions; index++) {
      await place(home, `Music/_Serato_/History/Sessions/${index}.session`, { modifiedAt: JANUARY + index * DAY });
    }

    const found = await findLibraries({ platform: 'darwin', home, env: {} });

    expect(found).toHaveLength(HISTORY_FILES_PER_APP);
    expect(relative(home, found[0]!.path)).toBe(`Music/_Serato_/History/Sessions/${sessions - 1}.session`);
    expect(relative(home, found.at(-1)!.path)).toBe('Music/_Serato_/History/Sessions/5.session');
    expect(found.at(-1)?.note).toBe('5 older history files not listed');
    expect(found.slice(0, -1).every((library) => library.note === undefined)).toBe(true);
  });

  it(`reads no more than ${DIRECTORY_ENTRIES_READ} entries of a folder, and says the rest were not read`, async () => {
    const home = await temporaryDirectory();
    const folder = join(home, 'Documents/VirtualDJ/History');
    await mkdir(folder, { recursive: true });
    // Names that are not history files still count: a folder is read only so far.
    await Promise.all(Array.from({ length: DIRECTORY_ENTRIES_READ + 1 }, (_unused, index) => writeFile(join(folder, `${index}.m3u`), '')));

    const found = await findLibraries({ platform: 'darwin', home, env: {} });

    expect(found.length).toBeLessThanOrEqual(HISTORY_FILES_PER_APP);
    expect(found.at(-1)?.note).toMatch(new RegExp(`more than ${DIRECTORY_ENTRIES_READ} entries: the rest were not read`, 'u'));
  });

  it('follows a symbolic link to a real folder and skips links that loop', async () => {
    const home = await temporaryDirectory();
    const drive = await temporaryDirectory();
    await place(drive, '_Serato_/database V2');
    await mkdir(join(home, 'Music'), { recursive: true });
    await symlink(join(drive, '_Serato_'), join(home, 'Music', '_Serato_'));
    const natives = join(home, 'Documents/Native Instruments');
    await mkdir(natives, { recursive: true });
    await symlink(join(natives, 'Traktor 9 loop b'), join(natives, 'Traktor 9 loop a'));
    await symlink(join(natives, 'Traktor 9 loop a'), join(natives, 'Traktor 9 loop b'));
    const history = join(home, 'Documents/VirtualDJ/History');
    await place(history, '2024-01-01.m3u');
    await symlink(join(history, 'b.m3u'), join(history, 'a.m3u'));
    await symlink(join(history, 'a.m3u'), join(history, 'b.m3u'));

    const found = await findLibraries({ platform: 'darwin', home, env: {} });

    expect(found.map((library) => library.path)).toEqual([join(home, 'Music/_Serato_/database V2'), join(history, '2024-01-01.m3u')]);
    expect(found[0]?.bytes).toBe(10);
  });

  it('finds nothing, without failing, in an empty or missing home folder', async () => {
    const home = await temporaryDirectory();

    for (const platform of ['darwin', 'win32', 'linux'] as const) {
      expect(await findLibraries({ platform, home, env: { USERPROFILE: home } })).toEqual([]);
      expect(await findLibraries({ platform, home: join(home, 'missing'), env: { USERPROFILE: join(home, 'missing') } })).toEqual([]);
    }
  });

  it('names the folders it looks in, from the environment on Windows', () => {
    const folders = searchedFolders({ platform: 'win32', home: '/ignored', env: { USERPROFILE: '/p', APPDATA: '/roaming', LOCALAPPDATA: '/local' } });

    expect(folders).toContain(join('/p', 'Documents', 'Native Instruments', 'Traktor *'));
    expect(folders).toContain(join('/roaming', 'Pioneer', 'rekordbox'));
    expect(folders).toContain(join('/local', 'Mixxx'));
    expect(folders).toContain(join('/p', 'Music', '_Serato_', 'History', 'Sessions'));
    expect(folders.some((folder) => folder.startsWith('/ignored'))).toBe(false);
    expect(new Set(folders).size).toBe(folders.length);
    expect(searchedFolders({ platform: 'linux', home: '/h', env: {} })).toEqual([join('/h', '.mixxx'), join('/h', '.var', 'app', 'org.mixxx.Mixxx', '.mixxx')]);
  });
});
