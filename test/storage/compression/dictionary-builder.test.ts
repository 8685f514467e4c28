import { describe, expect, it } from 'vitest';
import { buildDictionary } from '../../../src/storage/compression/dictionary-builder.js';
import { musicBrainzAnswers } from '../../helpers/musicbrainz-answers.js';

describe('building a dictionary', () => {
  it('makes one of the size asked for, out of the samples own bytes', async () => {
    const samples = musicBrainzAnswers(60, 11);
    const dictionary = await buildDictionary(samples, { sizeBytes: 16 * 1024 });
    expect(dictionary.length).toBe(16 * 1024);
    // Raw content: every 64-byte stretch of it (away from segment joins) is somewhere in a sample.
    const corpus = Buffer.concat(samples);
    expect(corpus.includes(dictionary.subarray(dictionary.length - 64))).toBe(true);
    expect(dictionary.toString('utf8')).toContain('"artist-credit"');
  });

  it('is as small as its samples allow, and empty for none', async () => {
    expect((await buildDictionary([])).length).toBe(0);
    const tiny = await buildDictionary([Buffer.from('{"a":1}'), Buffer.from('{"a":2}')]);
    expect(tiny.length).toBeLessThanOrEqual(14);
  });

  it('gives the event loop turns while it works on megabytes', async () => {
    const samples = musicBrainzAnswers(100, 12);
    let turns = 0;
    const ticker = setInterval(() => turns++, 1);
    try {
      await buildDictionary(samples);
    } finally {
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(5);
  });
});
