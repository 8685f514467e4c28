import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { FoundLibrary } from '../../src/precache/library/library-locations.js';
import { runTypeScript, type ChildResult } from '../helpers/child-process.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const cli = '../../src/cli/main.ts';
const HOUR = 3_600_000;

/** Runs `datacache …` in a child process whose home folder (and Windows profile) is `home`. */
function datacache(home: string, args: string[]): Promise<ChildResult> {
  const env = { ...process.env, HOME: home, USERPROFILE: home, APPDATA: join(home, 'AppData', 'Roaming'), LOCALAPPDATA: join(home, 'AppData', 'Local') };
  return runTypeScript(cli, args, { env });
}

/** A library file with a note, in a place this platform's search looks at. */
const libraryHere =
  process.platform === 'linux'
    ? { app: 'mixxx', path: '.var/app/org.mixxx.Mixxx/.mixxx/mixxxdb.sqlite', note: /the Flatpak install/u }
    : { app: 'itunes', path: 'Music/iTunes/iTunes Music Library.xml', note: /iTunes before 10\.8/u };

describe('datacache libraries', () => {
  it('lists the libraries it finds as a table with size and age, then their notes, and as JSON', async () => {
    const home = await temporaryDirectory();
    const path = join(home, libraryHere.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, Buffer.alloc(1536));
    const modifiedAt = Date.now() - 3 * 24 * HOUR - HOUR;
    await utimes(path, modifiedAt / 1000, modifiedAt / 1000);

    const table = await datacache(home, ['libraries']);
    expect(table.code, table.stderr).toBe(0);
    const [header, row, blank, note, ...rest] = table.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^app\s+kind\s+size\s+age\s+path$/u);
    expect(row).toMatch(new RegExp(`^${libraryHere.app}\\s+collection\\s+1\\.5 KiB\\s+3 days\\s+${path.replace(/[.*+?^${}()|[\]\\]/gu, '\\$&')}$`, 'u'));
    expect(blank).toBe('');
    expect(note).toMatch(libraryHere.note);
    expect(rest).toEqual([]);

    const json = await datacache(home, ['libraries', '--json']);
    expect(json.code, json.stderr).toBe(0);
    const libraries = JSON.parse(json.stdout) as FoundLibrary[];
    expect(libraries).toHaveLength(1);
    expect(libraries[0]).toMatchObject({ app: libraryHere.app, kind: 'collection', path, bytes: 1536 });
    expect(Math.abs(libraries[0]!.modifiedAt - modifiedAt)).toBeLessThan(1000);
  }, 60_000);

  it('says where it looked when it finds nothing, and exits 0; with --json, an empty array', async () => {
    const home = await temporaryDirectory();

    const text = await datacache(home, ['libraries']);
    expect(text.code, text.stderr).toBe(0);
    const [first, ...folders] = text.stdout.trimEnd().split('\n');
    expect(first).toBe('No DJ libraries found in the usual places (these folders):');
    expect(folders.length).toBeGreaterThan(0);
    for (const folder of folders) expect(folder.startsWith(`  ${home}`), folder).toBe(true);

    const json = await datacache(home, ['libraries', '--json']);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([]);
  }, 60_000);
});
