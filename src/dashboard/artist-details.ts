import type { DataCacheProviders } from '../providers/data-cache-providers.js';
import { normalizeArtistIdentifier } from '../providers/identifiers.js';
import { shownJob, type ShownJob } from '../queue/shown-job.js';
import { redactUrl } from '../redaction.js';
import { isPlainObject, type JsonValue } from '../validation.js';
import { artistImages, type ImageSummary } from './dashboard-data.js';
import { cachedAnswers, nameIn } from './cached-answers.js';

/** The most queue rows looked through for an artist's jobs. */
const JOBS_SCANNED = 1000;

/** One cached answer about the artist: where from, how old, until when. */
export interface AnswerSummary {
  dataType: string;
  provider: string;
  url: string;
  statusCode: number;
  bytes: number;
  storedAt: number;
  expiresAt: number;
}

/** Everything the cache holds about one artist, for the artist page and `/api/artists/NAME`. */
export interface ArtistDetails {
  identifier: string;
  /** The artist's own spelling, from a cached answer ("Daft Punk"), else the identifier. */
  displayName: string;
  images: Record<string, ImageSummary[]>;
  answers: AnswerSummary[];
  /** From the cached MusicBrainz answer, where there is one. */
  musicbrainz: { id: string | null; name: string; type: string | null; country: string | null; disambiguation: string | null; lifeSpan: string | null } | null;
  /** A biography's summary (Last.fm), as text. */
  bio: { language: string | null; text: string } | null;
  /** Queued, running and failed fetches for this artist (of the newest queue rows). */
  jobs: ShownJob[];
}

/** Reads what the cache holds about an artist; a name in any spelling is normalised first. */
export async function artistDetails(providers: DataCacheProviders, artist: string): Promise<ArtistDetails> {
  const identifier = normalizeArtistIdentifier(artist);
  const images = await artistImages(providers, identifier);
  const answers: AnswerSummary[] = [];
  let displayName: string | null = null;
  let musicbrainz: ArtistDetails['musicbrainz'] = null;
  let bio: ArtistDetails['bio'] = null;
  for await (const { dataType, summary, answer } of cachedAnswers(providers, identifier)) {
    answers.push({ dataType, provider: summary.provider, url: redactUrl(summary.url), statusCode: summary.statusCode, bytes: summary.size, storedAt: summary.storedAt, expiresAt: summary.expiresAt });
    if (answer === null) continue;
    displayName ??= nameIn(answer, identifier) ?? null;
    if (dataType === 'musicbrainz') musicbrainz ??= musicBrainzFacts(answer, identifier);
    if (dataType === 'bio') bio ??= bioText(answer, summary.metadata.language);
  }
  const jobs = (await providers.client.queue.list({ limit: JOBS_SCANNED }))
    .filter((job) => job.state !== 'done' && typeof job.request.identifier === 'string' && normalizeArtistIdentifier(job.request.identifier) === identifier)
    .map(shownJob);
  return { identifier, displayName: displayName ?? musicbrainz?.name ?? identifier, images, answers, musicbrainz, bio, jobs };
}

/** The artist itself from a lookup (`{ id, name, … }`) or the best match of a search (`{ artists: [...] }`). */
function musicBrainzFacts(answer: JsonValue, identifier: string): ArtistDetails['musicbrainz'] {
  if (!isPlainObject(answer)) return null;
  const candidates = Array.isArray(answer.artists) ? answer.artists : [answer];
  const artist = candidates.find((candidate) => isPlainObject(candidate) && typeof candidate.name === 'string' && normalizeArtistIdentifier(candidate.name) === identifier);
  if (!isPlainObject(artist) || typeof artist.name !== 'string') return null;
  const text = (value: JsonValue | undefined): string | null => (typeof value === 'string' && value.trim() !== '' ? value : null);
  const span = isPlainObject(artist['life-span']) ? artist['life-span'] : {};
  const begin = text(span.begin);
  const end = text(span.end);
  return {
    id: text(artist.id),
    name: artist.name,
    type: text(artist.type),
    country: text(artist.country),
    disambiguation: text(artist.disambiguation),
    lifeSpan: begin === null && end === null ? null : `${begin ?? '?'} – ${end ?? ''}`.trim(),
  };
}

/** Last.fm's `artist.bio.summary`, without its markup (it is shown as text). */
function bioText(answer: JsonValue, language: unknown): ArtistDetails['bio'] {
  if (!isPlainObject(answer) || !isPlainObject(answer.artist) || !isPlainObject(answer.artist.bio)) return null;
  const summary = answer.artist.bio.summary;
  if (typeof summary !== 'string' || summary.trim() === '') return null;
  return { language: typeof language === 'string' ? language : null, text: summary.replace(/<[^>]*>/gu, '').trim().slice(0, 4000) };
}

