/**
 * The library on its own, as an app uses it (`npm start` runs this, then `datacache stats`):
 * stores real data in the cache and reads it back, the way a now-playing app would.
 *
 * - a MusicBrainz-shaped artist answer (JSON, kept in the database row);
 * - three fanart images for the same artist: real PNG files generated here, large enough to
 *   live in blob files;
 * - reads everything back and checks the bytes, picks random fanart like a stream overlay,
 *   prints the statistics and runs maintenance.
 *
 * Uses the default cache directory ($DATACACHE_DIR, else the OS user cache folder). Run it
 * twice: the second run finds everything already cached.
 */
import { DataStorage } from '../src/index.js';
import { noisyPng } from '../support/png.js';

const artist = 'daft punk';
const artistUrl = 'https://musicbrainz.org/ws/2/artist/056e4f3e-d505-4dad-8ec1-d04f521cbb56?fmt=json&inc=aliases+tags';
const fanartUrls = [1, 2, 3].map((index) => `https://assets.fanart.tv/fanart/music/daft-punk/artistbackground/example-${index}.png`);

const storage = await DataStorage.open();
console.log(`cache directory: ${storage.cacheDir}`);

const existing = await storage.retrieveByUrl(artistUrl);
if (existing) {
  console.log(`artist answer: a hit, stored ${Math.round((Date.now() - existing.storedAt) / 1000)} s ago (cachekey ${existing.cachekey})`);
} else {
  const answer = {
    id: '056e4f3e-d505-4dad-8ec1-d04f521cbb56',
    name: 'Daft Punk',
    'sort-name': 'Daft Punk',
    type: 'Group',
    country: 'FR',
    'life-span': { begin: '1993', end: '2021-02-22', ended: true },
    aliases: [{ name: 'Daftpunk', locale: null, primary: null, type: 'Search hint' }],
    tags: [{ count: 12, name: 'french house' }, { count: 9, name: 'electronic' }],
  };
  const stored = await storage.store({
    url: artistUrl,
    identifier: artist,
    dataType: 'musicbrainz',
    provider: 'musicbrainz',
    value: answer,
    ttlSeconds: 30 * 86_400,
    mimeType: 'application/json',
  });
  const readBack = await storage.retrieveByUrl(artistUrl);
  check(JSON.stringify(readBack?.json()) === JSON.stringify(answer), 'the artist answer reads back unchanged');
  console.log(`artist answer: stored ${stored.size} bytes in the database row (cachekey ${stored.cachekey})`);
}

for (const [index, url] of fanartUrls.entries()) {
  if (await storage.retrieveByUrl(url)) continue;
  const png = noisyPng(320, 180, [[255, 64, 64], [64, 200, 255], [255, 210, 64]][index]);
  await storage.store({ url, identifier: artist, dataType: 'fanart', provider: 'fanarttv', value: png, ttlSeconds: 14 * 86_400, mimeType: 'image/png', metadata: { width: 320, height: 180 } });
  const readBack = await storage.retrieveByUrl(url);
  check(readBack?.data.equals(png) === true, `fanart ${index + 1} reads back byte for byte`);
  console.log(`fanart ${index + 1}: stored a ${png.length}-byte PNG in a blob file`);
}

const listed = await storage.retrieveByIdentifier({ identifier: artist, dataType: 'fanart' });
console.log(`fanart cached for "${artist}": ${listed.length} images`);
const rotation: string[] = [];
for (let turn = 0; turn < 6; turn++) {
  const image = await storage.retrieveRandom({ identifier: artist, dataType: 'fanart' });
  check(image !== null && image.data.subarray(1, 4).toString() === 'PNG', 'a random fanart is a PNG');
  rotation.push(image!.url.slice(-5, -4));
}
console.log(`overlay rotation (random picks): ${rotation.join(' ')}`);

const stats = await storage.stats();
console.log(`stats: ${stats.entries} entries, ${stats.bytes} bytes (${stats.inlineBytes} in rows, ${stats.fileBytes} in files), ${(stats.budget.usedRatio * 100).toFixed(4)} % of the budget`);
const report = await storage.runMaintenance();
console.log(`maintenance: ${report.expiredRemoved} expired removed, ${report.orphanFilesRemoved} orphan files removed, ${report.vacuumedPages} pages vacuumed, WAL checkpointed: ${report.walCheckpointed}, ${report.durationMs.toFixed(1)} ms`);
await storage.close();

function check(condition: boolean, what: string): void {
  if (!condition) {
    console.error(`FAILED: ${what}`);
    process.exit(1);
  }
}
