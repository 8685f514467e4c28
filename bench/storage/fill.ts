import type { DataStorage, JsonObject } from '../../src/index.js';

/** A 2 KB JSON document shaped like a MusicBrainz artist answer. */
export function artistJson(index: number): JsonObject {
  return {
    id: `${index.toString(16).padStart(8, '0')}-0000-4000-8000-000000000000`,
    name: `Artist ${index}`,
    'sort-name': `${index}, Artist`,
    country: 'FR',
    'life-span': { begin: '1993', ended: false },
    tags: Array.from({ length: 12 }, (_, tag) => ({ count: tag, name: `tag-${tag}-${index}` })),
    aliases: Array.from({ length: 8 }, (_, alias) => ({ name: `Alias ${alias} of ${index}`, locale: 'en', primary: alias === 0 })),
    disambiguation: 'French electronic duo'.repeat(20),
  };
}

export const apiUrl = (index: number): string => `https://musicbrainz.org/ws/2/artist/${index}?fmt=json&inc=aliases+tags`;

/** Stores `count` API answers of about 2 KB each, `concurrency` at a time. */
export async function fillWithApiAnswers(storage: DataStorage, count: number, concurrency = 32): Promise<void> {
  for (let start = 0; start < count; start += concurrency) {
    const batch = [];
    for (let index = start; index < Math.min(count, start + concurrency); index++) {
      batch.push(
        storage.store({ url: apiUrl(index), identifier: `artist ${index}`, dataType: 'musicbrainz', provider: 'musicbrainz', value: artistJson(index), ttlSeconds: 86_400 }),
      );
    }
    await Promise.all(batch);
  }
}
