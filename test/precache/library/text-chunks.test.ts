import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { LibraryReadReport } from '../../../src/precache/library/library-track.js';
import { lines, MAX_LINE_LENGTH, textChunks } from '../../../src/precache/library/text-chunks.js';

async function textOf(chunks: Buffer[], report?: LibraryReadReport): Promise<string> {
  let text = '';
  for await (const chunk of textChunks(Readable.from(chunks), report)) text += chunk;
  return text;
}

async function linesOf(text: string[], report?: LibraryReadReport): Promise<string[]> {
  const found: string[] = [];
  for await (const line of lines(Readable.from(text), report)) found.push(line);
  return found;
}

describe('text encodings', () => {
  it('reads UTF-8, without its byte-order mark, keeping a character split across chunks whole', async () => {
    const bytes = Buffer.from('\uFEFFBjörk\nSigur Rós\n');
    expect(await textOf([bytes.subarray(0, 5), bytes.subarray(5, 7), bytes.subarray(7)])).toBe('Björk\nSigur Rós\n');
  });

  it('reads a line that is not UTF-8 as Windows-1252, never as U+FFFD, and counts it', async () => {
    const report = new LibraryReadReport();
    const text = await textOf([Buffer.from('Björk\n'), Buffer.from([0x42, 0x65, 0x79, 0x6f, 0x6e, 0x63, 0xe9, 0x0a]), Buffer.from('Sigur Rós\n')], report);
    expect(text).toBe('Björk\nBeyoncé\nSigur Rós\n');
    expect(report.repaired.get('line read as Windows-1252 (not valid UTF-8)')).toBe(1);
  });

  it('decides per line even when the bad byte comes late, after a chunk boundary', async () => {
    const latin1 = Buffer.from([0x43, 0x61, 0x66, 0xe9, 0x20, 0x44, 0x65, 0x6c, 0x20, 0x4d, 0x61, 0x72, 0x0a]);
    expect(await textOf([Buffer.from('a\nC'), latin1.subarray(1, 3), latin1.subarray(3)])).toBe('a\nCafé Del Mar\n');
  });

  it('reads UTF-16 with a byte-order mark, little- or big-endian', async () => {
    const little = Buffer.from('\uFEFFRöyksopp\n', 'utf16le');
    expect(await textOf([little.subarray(0, 5), little.subarray(5)])).toBe('Röyksopp\n');
    const big = Buffer.from(little);
    big.swap16();
    expect(await textOf([big])).toBe('Röyksopp\n');
  });

  it('reads files of one or two bytes', async () => {
    expect(await textOf([Buffer.from('a')])).toBe('a');
    expect(await textOf([Buffer.from([0xe9])])).toBe('é');
  });

  it('streams a line too long to hold in pieces, without splitting a character', async () => {
    const long = `${'é'.repeat(MAX_LINE_LENGTH)}\nx\n`;
    const bytes = Buffer.from(long);
    const chunks = [];
    for (let start = 0; start < bytes.length; start += 1001) chunks.push(bytes.subarray(start, start + 1001));
    expect(await textOf(chunks)).toBe(long);
  });
});

describe('lines', () => {
  it('splits on \\n, \\r\\n and \\r, also when \\r\\n is split across chunks', async () => {
    expect(await linesOf(['a\r', '\nb\rc\n', 'd'])).toEqual(['a', 'b', 'c', 'd']);
  });

  it('skips a line longer than the cap, counted, and goes on with the next', async () => {
    const report = new LibraryReadReport();
    const long = 'x'.repeat(MAX_LINE_LENGTH + 10);
    expect(await linesOf(['a\n', long.slice(0, 40_000), long.slice(40_000), '\nb\n'], report)).toEqual(['a', 'b']);
    expect(await linesOf([`${long}\nc`], report)).toEqual(['c']);
    expect(report.skippedCount).toBe(2);
  });
});
