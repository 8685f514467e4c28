/**
 * MusicBrainz-shaped ws/2 JSON answers (artist and recording searches, release and recording
 * lookups) of 1-20 KB, deterministic for a seed: the compression tests and benchmark need
 * realistic repetition (the same keys, type ids and areas everywhere) and realistic noise
 * (fresh UUIDs, names, dates, lengths) without the public internet.
 */
export function musicBrainzAnswers(count: number, seed = 1): Buffer[] {
  const random = seeded(seed);
  const answers: Buffer[] = [];
  for (let index = 0; index < count; index++) {
    const kind = index % 4;
    const answer =
      kind === 0 ? artistSearch(random) : kind === 1 ? recordingSearch(random) : kind === 2 ? releaseLookup(random) : recordingLookup(random);
    answers.push(Buffer.from(JSON.stringify(answer)));
  }
  return answers;
}

type Random = () => number;

function seeded(seed: number): Random {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

function uuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random() * 16).toString(16)).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20)}`;
}

const SYLLABLES = ['da', 'ft', 'pun', 'k', 'lo', 'ra', 'mi', 'son', 'ne', 'vel', 'tor', 'an', 'bel', 'cha', 'ris', 'mo', 'ka', 'zu', 'lin', 'dor', 'the', 'wave', 'sun', 'night'];
const WORDS = ['Love', 'Night', 'Dance', 'Light', 'Heart', 'Dream', 'Fire', 'Time', 'Home', 'Blue', 'Gold', 'Summer', 'City', 'Lost', 'Electric', 'One', 'Again', 'Forever', 'Remix', 'Live'];
const name = (random: Random): string => {
  const word = Array.from({ length: between(random, 2, 4) }, () => pick(random, SYLLABLES)).join('');
  return word[0]!.toUpperCase() + word.slice(1);
};
const title = (random: Random): string => Array.from({ length: between(random, 1, 4) }, () => pick(random, WORDS)).join(' ');
const date = (random: Random): string => `${between(random, 1960, 2025)}-${String(between(random, 1, 12)).padStart(2, '0')}-${String(between(random, 1, 28)).padStart(2, '0')}`;

const AREAS = [
  ['France', 'FR', '08310658-51eb-3801-80de-5a0739207115'],
  ['United Kingdom', 'GB', '8a754a16-0027-3a29-b6d7-2b40ea0481ed'],
  ['United States', 'US', '489ce91b-6658-3307-9877-795b68554c98'],
  ['Germany', 'DE', '85752fda-13c4-31a3-bee5-0e5cb1f51dad'],
  ['Japan', 'JP', '2db42837-c832-3c27-b4a3-08198f75693c'],
  ['Sweden', 'SE', '23d10872-f5ae-3f0c-bf55-332788a16ecb'],
  ['Netherlands', 'NL', 'ef1b7cc0-cd26-36f4-8ea0-04d9623786c7'],
] as const;
const GENRES = ['electronic', 'house', 'french house', 'rock', 'pop', 'disco', 'techno', 'ambient', 'hip hop', 'jazz', 'indie', 'synth-pop'];
const ARTIST_TYPES = [
  ['Group', 'e431f5f6-b5d2-343d-8b36-72607fffb74b'],
  ['Person', 'b6e035f4-3ce9-331c-97df-83397230b0df'],
] as const;

function area(random: Random): object {
  const [areaName, code, id] = pick(random, AREAS);
  return { id, type: 'Country', 'type-id': '06dd0ae4-8c74-30bb-b43d-95dcedf961de', name: areaName, 'sort-name': areaName, 'iso-3166-1-codes': [code], 'life-span': { ended: null } };
}

function tags(random: Random): object[] {
  return Array.from({ length: between(random, 0, 5) }, () => ({ count: between(random, 1, 20), name: pick(random, GENRES) }));
}

function artist(random: Random, withDetails: boolean): Record<string, unknown> {
  const artistName = name(random);
  const [type, typeId] = pick(random, ARTIST_TYPES);
  const base = { id: uuid(random), name: artistName, 'sort-name': artistName, disambiguation: random() < 0.3 ? `${pick(random, GENRES)} artist` : '' };
  if (!withDetails) return base;
  return {
    ...base,
    type,
    'type-id': typeId,
    score: between(random, 40, 100),
    country: (pick(random, AREAS) as readonly string[])[1],
    area: area(random),
    'begin-area': area(random),
    'life-span': { begin: String(between(random, 1950, 2020)), ended: null },
    aliases: Array.from({ length: between(random, 0, 3) }, () => ({ 'sort-name': name(random), name: name(random), locale: null, type: 'Artist name', primary: null, 'begin-date': null, 'end-date': null })),
    tags: tags(random),
  };
}

/** An artist credit: mostly the artist the search was about (as in a real `artist:… AND recording:…` search), sometimes another. */
function credit(random: Random, main?: Record<string, unknown>): object[] {
  const credited = main !== undefined && random() < 0.85 ? main : artist(random, false);
  return [{ name: credited.name, artist: credited }];
}

function release(random: Random, trackCount: number, main?: Record<string, unknown>): Record<string, unknown> {
  return {
    id: uuid(random),
    'status-id': '4e304316-386d-3409-af2e-78857eec5cfe',
    count: 1,
    title: title(random),
    status: 'Official',
    'artist-credit': credit(random, main),
    'release-group': { id: uuid(random), 'type-id': 'f529b476-6e62-324f-b0aa-1f3e33d313fc', 'primary-type-id': 'f529b476-6e62-324f-b0aa-1f3e33d313fc', title: title(random), 'primary-type': 'Album' },
    date: date(random),
    country: 'XW',
    'release-events': [{ date: date(random), area: { id: '525d4e18-3d00-31b9-a58b-a146a916de8f', name: '[Worldwide]', 'sort-name': '[Worldwide]', 'iso-3166-1-codes': ['XW'] } }],
    'track-count': trackCount,
    media: [{ position: 1, format: pick(random, ['CD', 'Digital Media', '12" Vinyl']), 'track-count': trackCount, 'track-offset': 0, track: Array.from({ length: Math.min(trackCount, 3) }, (_, index) => ({ id: uuid(random), number: String(index + 1), title: title(random), length: between(random, 120_000, 480_000) })) }],
  };
}

function recording(random: Random, releases: number, main?: Record<string, unknown>): Record<string, unknown> {
  return {
    id: uuid(random),
    score: between(random, 40, 100),
    title: title(random),
    length: between(random, 120_000, 480_000),
    video: null,
    'artist-credit': credit(random, main),
    'first-release-date': date(random),
    releases: Array.from({ length: releases }, () => release(random, between(random, 8, 16), main)),
    isrcs: random() < 0.5 ? [`FR${between(random, 100, 999)}0${between(random, 1_000_000, 9_999_999)}`] : [],
    tags: tags(random),
  };
}

const created = (random: Random): string => `2026-${String(between(random, 1, 12)).padStart(2, '0')}-${String(between(random, 1, 28)).padStart(2, '0')}T12:00:00.000Z`;

function artistSearch(random: Random): object {
  const artists = Array.from({ length: between(random, 2, 20) }, () => artist(random, true));
  return { created: created(random), count: between(random, artists.length, 500), offset: 0, artists };
}

function recordingSearch(random: Random): object {
  const main = artist(random, false);
  const recordings = Array.from({ length: between(random, 2, 10) }, () => recording(random, between(random, 1, 2), main));
  return { created: created(random), count: between(random, recordings.length, 900), offset: 0, recordings };
}

function releaseLookup(random: Random): object {
  const trackCount = between(random, 8, 40);
  const lookup = release(random, trackCount);
  (lookup.media as { track: object[] }[])[0]!.track = Array.from({ length: trackCount }, (_, index) => ({
    id: uuid(random),
    position: index + 1,
    number: String(index + 1),
    title: title(random),
    length: between(random, 120_000, 480_000),
    recording: { id: uuid(random), title: title(random), length: between(random, 120_000, 480_000), video: false, disambiguation: '' },
  }));
  return { ...lookup, asin: null, barcode: String(between(random, 100_000_000, 999_999_999)), quality: 'normal', 'text-representation': { language: 'eng', script: 'Latn' } };
}

function recordingLookup(random: Random): object {
  return recording(random, 1);
}
