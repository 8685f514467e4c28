import type { MusicBrainzEntity, SearchResult } from '../musicbrainz/musicbrainz-provider.js';

/**
 * The MusicBrainz id of the artist a library name means, from an artist search's answer, or
 * null when no answer is safe to take:
 * - an artist whose name or an alias equals the library's name, ignoring case, accents and
 *   spacing ("Beyonce" finds "Beyoncé"); among several, the best-scored;
 * - else, unless `exact`, the first answer when MusicBrainz scores it 100.
 * `exact` is for a name that may be several artists ("Simon & Garfunkel"): only a real
 * artist of that name counts, otherwise the parts are searched.
 */
export function matchArtist(name: string, answer: SearchResult<'artists'>, { exact = false }: { exact?: boolean } = {}): string | null {
  const artists = Array.isArray(answer.artists) ? answer.artists : [];
  const wanted = fold(name);
  for (const artist of artists) {
    if (namesOf(artist).some((candidate) => fold(candidate) === wanted)) return idOf(artist);
  }
  const first = artists[0];
  if (!exact && first !== undefined && first.score === 100) return idOf(first);
  return null;
}

function namesOf(artist: MusicBrainzEntity): string[] {
  const names = typeof artist.name === 'string' ? [artist.name] : [];
  const aliases = artist.aliases;
  if (Array.isArray(aliases)) {
    for (const alias of aliases) {
      if (typeof alias === 'object' && alias !== null && !Array.isArray(alias) && typeof alias.name === 'string') names.push(alias.name);
    }
  }
  return names;
}

function idOf(artist: MusicBrainzEntity): string | null {
  return typeof artist.id === 'string' && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/u.test(artist.id) ? artist.id : null;
}

/** Lower case, accents dropped, white space folded: how two spellings of one name compare. */
function fold(text: string): string {
  return text.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/gu, ' ').trim();
}
