import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, LibraryFormatError } from '../../src/errors.js';
import { ArtistSet } from '../../src/precache/artist-names.js';
import { readLibraryArtists, type ReadLibraryOptions } from '../../src/precache/library/read-library.js';
import { temporaryDirectory } from '../helpers/temporary-directory.js';

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/libraries/${name}`, import.meta.url));

async function fieldsOf(input: string | PassThrough, options?: ReadLibraryOptions): Promise<string[]> {
  const fields: string[] = [];
  for await (const field of readLibraryArtists(input, options)) fields.push(field);
  return fields;
}

describe('reading DJ libraries', () => {
  it('reads the artists of a Traktor collection.nml, not its playlists', async () => {
    expect(await fieldsOf(fixture('collection.nml'))).toEqual(['Daft Punk', 'Daft Punk feat. Pharrell Williams & Nile Rodgers', 'Sigur Rós', '  BJÖRK   ', 'Various Artists', 'daft  punk']);
  });

  it('reads the artists of a Rekordbox XML export, not its playlists', async () => {
    expect(await fieldsOf(fixture('rekordbox.xml'))).toEqual(['Simon & Garfunkel', 'Röyksopp', 'Beyonce ft. Jay-Z', 'Earth, Wind & Fire', 'DAFT PUNK']);
  });

  it('reads the artists of a VirtualDJ database.xml, entities decoded', async () => {
    expect(await fieldsOf(fixture('database.xml'))).toEqual(['Sigur Ros', 'Ro\u0308yksopp', 'Nobody Knows Me']);
  });

  it('reads an M3U8 playlist: #EXTART, #EXTINF "Artist - Title", and "Artist - Title" file names', async () => {
    expect(await fieldsOf(fixture('playlist.m3u8'))).toEqual(['Daft Punk', 'Björk', 'Röyksopp', 'Paul Simon']);
  });

  it('reads a text file with one artist per line, without its byte-order mark or blank lines', async () => {
    expect(await fieldsOf(fixture('artists.txt'))).toEqual(['Daft Punk', '   daft \t punk  ', 'Sigur Rós', 'Various Artists', 'Earth, Wind & Fire', 'Pharrell Williams & Nile Rodgers']);
  });

  it('tells the format from the content, whatever the file is called', async () => {
    const directory = await temporaryDirectory();
    const renamed = join(directory, 'my-export.dat');
    await writeFile(renamed, '<?xml version="1.0"?>\n<DJ_PLAYLISTS Version="1.0.0"><COLLECTION><TRACK Artist="Björk"/></COLLECTION></DJ_PLAYLISTS>');
    expect(await fieldsOf(renamed)).toEqual(['Björk']);
    const playlist = join(directory, 'gig.txt');
    await writeFile(playlist, '#EXTM3U\n#EXTINF:1,Röyksopp - Eple\neple.mp3\n');
    expect(await fieldsOf(playlist)).toEqual(['Röyksopp']);
  });

  it('refuses a library of another format than the one asked for', async () => {
    await expect(fieldsOf(fixture('rekordbox.xml'), { format: 'traktor' })).rejects.toThrow(/rekordbox library, not traktor/);
    await expect(fieldsOf(fixture('rekordbox.xml'), { format: 'nml' as never })).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('refuses a binary file that is no library, and an SQLite database of another application, before reading a single artist', async () => {
    const directory = await temporaryDirectory();
    const binary = join(directory, 'database V3');
    await writeFile(binary, Buffer.concat([Buffer.from('vrsn'), Buffer.alloc(64, 0), Buffer.from('Daft Punk\u0000\u0000')]));
    const first = await fieldsOf(binary).catch((caught: unknown) => caught);
    expect(first).toBeInstanceOf(LibraryFormatError);
    expect(String(first)).toMatch(/a binary file that is not a DJ library/);
    const Database = (await import('better-sqlite3')).default;
    const other = join(directory, 'notes.sqlite');
    const database = new Database(other);
    database.exec("CREATE TABLE notes (artist TEXT); INSERT INTO notes VALUES ('Daft Punk')");
    database.close();
    await expect(fieldsOf(other)).rejects.toThrow(/not the library of a DJ application/);
  });

  it('says which line is broken in malformed XML', async () => {
    const directory = await temporaryDirectory();
    const broken = join(directory, 'collection.nml');
    await writeFile(broken, '<NML VERSION="19">\n<COLLECTION>\n<ENTRY ARTIST="Daft Punk">\n<ENTRY ARTIST="Björk" </COLLECTION>\n');
    const error = await fieldsOf(broken).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(LibraryFormatError);
    expect((error as LibraryFormatError).code).toBe('ERR_DATACACHE_LIBRARY_FORMAT');
    expect((error as Error).message).toMatch(/collection\.nml: not well-formed XML near line 4/);
  });

  it('refuses XML that is no DJ library, and a file that is not there', async () => {
    const directory = await temporaryDirectory();
    const feed = join(directory, 'feed.xml');
    await writeFile(feed, '<rss version="2.0"><channel/></rss>');
    await expect(fieldsOf(feed)).rejects.toThrow(/root element <rss>, which is not a Traktor/);
    await expect(fieldsOf(join(directory, 'missing.nml'))).rejects.toThrow(/missing\.nml: cannot be read \(ENOENT/);
    await expect(fieldsOf(42 as never)).rejects.toBeInstanceOf(InvalidArgumentError);
  });

  it('hands on artists while the file is still arriving: a stream, not a whole file', async () => {
    const input = new PassThrough();
    const iterator = readLibraryArtists(input, { name: 'stream.nml' })[Symbol.asyncIterator]();
    input.write('<?xml version="1.0"?><NML VERSION="19"><COLLECTION>');
    input.write('<ENTRY ARTIST="Daft Punk"></ENTRY><ENTRY ARTIST="Björk"></ENTRY>');
    // The rest of the file has not been written: the first artists are there already.
    expect((await iterator.next()).value).toBe('Daft Punk');
    expect((await iterator.next()).value).toBe('Björk');
    // A multi-byte character split across two chunks arrives whole.
    const bytes = Buffer.from('<ENTRY ARTIST="Sigur Rós"></ENTRY></COLLECTION></NML>');
    const split = bytes.indexOf(Buffer.from('ó')) + 1;
    input.write(bytes.subarray(0, split));
    input.end(bytes.subarray(split));
    expect((await iterator.next()).value).toBe('Sigur Rós');
    expect((await iterator.next()).done).toBe(true);
  });

  it('reads a 100,000-track library written as a stream', async () => {
    const directory = await temporaryDirectory();
    const path = join(directory, 'collection.nml');
    const out = createWriteStream(path);
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n<NML VERSION="19"><COLLECTION ENTRIES="100000">\n');
    for (let track = 0; track < 100_000; track += 1) {
      out.write(`<ENTRY TITLE="Track ${track}" ARTIST="Artist ${track % 5000} feat. Guest ${track % 7}"><LOCATION DIR="/:Music/:" FILE="${track}.mp3" VOLUME="HD"></LOCATION><INFO BITRATE="320000" GENRE="House"></INFO></ENTRY>\n`);
    }
    out.end('</COLLECTION></NML>\n');
    await new Promise<void>((resolve) => out.on('close', () => { resolve(); }));
    const artists = new ArtistSet();
    const started = performance.now();
    for await (const field of readLibraryArtists(path)) artists.addField(field);
    console.log(`100,000 tracks read in ${(performance.now() - started).toFixed(0)} ms`);
    expect(artists.fields).toBe(100_000);
    expect(artists.size).toBe(5000 + 7);
  });
});
