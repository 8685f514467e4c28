import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { EntryCodec, MIN_COMPRESSIBLE_BYTES } from '../../../src/storage/compression/entry-codec.js';
import { zstdBinding } from '../../../src/storage/compression/zstd-binding.js';
import { buildDictionary } from '../../../src/storage/compression/dictionary-builder.js';
import { musicBrainzAnswers } from '../../helpers/musicbrainz-answers.js';

describe('the entry codec', () => {
  it('has the zstd binding on this platform (the optional dependency installed)', () => {
    expect(zstdBinding).not.toBeNull();
  });

  it('gives back every answer byte for byte, with zstd and with deflate, with and without a dictionary', async () => {
    const answers = musicBrainzAnswers(20, 7);
    const dictionary = { id: 1, content: await buildDictionary(musicBrainzAnswers(40, 8), { sizeBytes: 16 * 1024 }) };
    for (const codec of [new EntryCodec(), new EntryCodec(null)]) {
      for (const chosen of [null, dictionary]) {
        for (const answer of answers) {
          const compressed = codec.compress(answer, chosen);
          expect(compressed).not.toBeNull();
          expect(compressed!.data.length).toBeLessThan(answer.length);
          expect(codec.decompress(compressed!.codec, compressed!.data, chosen, answer.length)).toEqual(answer);
        }
      }
    }
  });

  it('is smaller with a dictionary trained on answers of the same kind', async () => {
    const answers = musicBrainzAnswers(20, 7);
    const dictionary = { id: 1, content: await buildDictionary(musicBrainzAnswers(80, 8), { sizeBytes: 32 * 1024 }) };
    const codec = new EntryCodec();
    const total = (chosen: typeof dictionary | null): number => answers.reduce((sum, answer) => sum + codec.compress(answer, chosen)!.data.length, 0);
    expect(total(dictionary)).toBeLessThan(total(null) * 0.85);
  });

  it('packs smaller than the store-time level: level 15 with a dictionary (12 for large answers), 9 without', async () => {
    const codec = new EntryCodec();
    const answers = musicBrainzAnswers(20, 3);
    const dictionary = { id: 1, content: await buildDictionary(musicBrainzAnswers(40, 4), { sizeBytes: 16 * 1024 }) };
    for (const chosen of [null, dictionary]) {
      let stored = 0;
      let packed = 0;
      for (const answer of answers) {
        stored += codec.compress(answer, chosen)!.data.length;
        const result = codec.pack(answer, chosen)!;
        expect(result.codec).toBe(chosen === null ? 'zstd-9' : answer.length <= 24 * 1024 ? 'zstd-15' : 'zstd-12');
        expect(codec.decompress(result.codec, result.data, chosen, answer.length)).toEqual(answer);
        packed += result.data.length;
      }
      expect(packed).toBeLessThan(stored);
    }
    expect(new EntryCodec(null).pack(answers[0]!, null)).toBeNull();
  });

  it('leaves small and incompressible payloads as they are', () => {
    const codec = new EntryCodec();
    expect(codec.compress(Buffer.from('x'.repeat(MIN_COMPRESSIBLE_BYTES - 1)), null)).toBeNull();
    const noise = randomBytes(4096);
    expect(codec.compress(noise, null)).toBeNull();
  });

  it('says unreadable for zstd in a process without the binding, corrupt for bytes that do not decode to their size', () => {
    const answer = musicBrainzAnswers(1, 5)[0]!;
    const zstd = new EntryCodec().compress(answer, null)!;
    expect(new EntryCodec(null).decompress(zstd.codec, zstd.data, null, answer.length)).toBe('unreadable');
    expect(new EntryCodec().decompress(zstd.codec, zstd.data, null, answer.length + 1)).toBe('corrupt');
    const damaged = Buffer.from(zstd.data);
    damaged.fill(0x41, 4, 40);
    expect(new EntryCodec().decompress(zstd.codec, damaged, null, answer.length)).toBe('corrupt');
    const deflate = new EntryCodec(null).compress(answer, null)!;
    expect(new EntryCodec().decompress(deflate.codec, deflate.data.subarray(0, 50), null, answer.length)).toBe('corrupt');
    expect(new EntryCodec().decompress('brotli-11', deflate.data, null, answer.length)).toBe('unreadable');
  });
});
