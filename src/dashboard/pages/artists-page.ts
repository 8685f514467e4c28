import { formatAge, formatBytes, formatTime, formatTries } from '../../format.js';
import type { ArtistDetails } from '../artist-details.js';
import type { ArtistSummary, ImageSummary } from '../dashboard-data.js';
import { actionButton, breakableUrl, html, page, stackedTable, type PageContext, type SafeHtml } from '../html.js';

const artistLink = (identifier: string): string => `/artists/${encodeURIComponent(identifier)}`;
const imageLink = (cachekey: string): string => `/image/${encodeURIComponent(cachekey)}`;

/** The artist browser: a search box and the cached artists that match. */
export function artistListPage(search: string, artists: readonly ArtistSummary[], context: PageContext): string {
  const body = html`<h1>Artists</h1>
<form class="search" method="get" action="/artists">
  <input type="search" name="q" value="${search}" placeholder="search cached artists" aria-label="search cached artists" autofocus>
  <button type="submit">Search</button>
</form>
${artists.length === 0
  ? html`<p class="muted" id="no-artists">${search === '' ? 'No artist images are cached yet.' : `No cached artist matches “${search}”.`}</p>`
  : html`<table id="artists"><thead><tr><th>artist</th><th>images</th><th class="number">bytes</th><th>last stored (UTC)</th></tr></thead><tbody>
${artists.map(
  (artist) => html`<tr><td><a href="${artistLink(artist.identifier)}">${artist.displayName}</a></td>
<td>${Object.entries(artist.images).map(([type, count]) => `${type} ${count}`).join(' · ')}</td>
<td class="number">${formatBytes(artist.bytes)}</td><td>${formatTime(artist.lastStoredAt)}</td></tr>`,
)}
</tbody></table>`}
<p class="muted">JSON: <a href="/api/artists?q=${encodeURIComponent(search)}">/api/artists</a></p>`;
  return page(search === '' ? 'Artists' : `Artists: ${search}`, 'artists', body, { notice: context.notice });
}

/**
 * One artist: what MusicBrainz says, their bio, overlay addresses to paste into OBS (with a
 * preview), their images by type, every cached answer with its age and expiry, and what is
 * queued or failed for them. `origin` is the dashboard's own address, for the overlay URLs.
 */
export function artistPage(details: ArtistDetails, origin: string, now: number, context: PageContext): string {
  const { identifier, displayName } = details;
  const types = Object.entries(details.images);
  const body = html`<h1>${displayName}</h1>
<p><a href="/artists">← all artists</a>${displayName === identifier ? '' : html` · <span class="muted">filed as “${identifier}”</span>`}</p>
<div class="actions" id="artist-actions">${actionButton(context, 'refresh-artist', { artist: displayName }, 'Refresh: fetch again')}${actionButton(context, 'purge-artist', { artist: identifier }, 'Remove everything cached for this artist', { danger: true })}</div>
${musicBrainzFacts(details)}
${details.bio === null ? '' : html`<h2>Bio${details.bio.language === null ? '' : ` (${details.bio.language})`}</h2><p id="bio">${details.bio.text}</p>`}
${overlaySection(details, origin)}
${types.length === 0 ? html`<p class="muted">No images of this artist are cached.</p>` : ''}
${types.map(
  ([type, list]) => html`<h2>${type} <span class="muted">(${list.length})</span></h2>
<div class="images" data-type="${type}">
${list.map((image) => html`<a href="/view/${encodeURIComponent(image.cachekey)}" title="${image.url}"><img src="${imageLink(image.cachekey)}" alt="${type} of ${displayName}" loading="lazy"></a>`)}
</div>`,
)}
<h2>Cached answers</h2>
${details.answers.length === 0
  ? html`<p class="muted">No answers about this artist are cached.</p>`
  : stackedTable('answers', [
      { label: 'type', cell: (answer) => html`${answer.dataType}${answer.statusCode === 200 ? '' : html` <span class="muted">(${answer.statusCode}: remembered as missing)</span>`}` },
      { label: 'provider', cell: (answer) => answer.provider },
      { label: 'URL', kind: 'url', cell: (answer) => breakableUrl(answer.url) },
      { label: 'stored', title: (answer) => `${formatTime(answer.storedAt)} UTC`, cell: (answer) => `${formatAge(now - answer.storedAt)} ago` },
      { label: 'fresh for', title: (answer) => `${formatTime(answer.expiresAt)} UTC`, cell: (answer) => (answer.expiresAt > now ? formatAge(answer.expiresAt - now) : html`<span class="error">expired ${formatAge(now - answer.expiresAt)} ago</span>`) },
    ], details.answers)}
<h2>Queued and failed</h2>
${details.jobs.length === 0
  ? html`<p class="muted" id="jobs">Nothing queued or failed for this artist.</p>`
  : stackedTable('jobs', [
      { label: 'state', cell: (job) => (job.state === 'failed' ? `failed after ${formatTries(job.attempts)}` : job.state) },
      { label: 'provider', cell: (job) => job.provider },
      { label: 'URL', kind: 'url', cell: (job) => breakableUrl(job.url) },
      { label: 'last error', kind: 'url error', cell: (job) => (job.lastError === null ? '' : breakableUrl(job.lastError)) },
    ], details.jobs)}
<p class="muted">JSON: <a href="/api/artists/${encodeURIComponent(identifier)}">/api/artists/…</a></p>`;
  return page(displayName, 'artists', body, { notice: context.notice });
}

function musicBrainzFacts(details: ArtistDetails): SafeHtml {
  const facts = details.musicbrainz;
  if (facts === null) return html``;
  const rows: [string, string | null][] = [['type', facts.type], ['country', facts.country], ['active', facts.lifeSpan], ['note', facts.disambiguation], ['MusicBrainz ID', facts.id]];
  return html`<dl class="facts" id="musicbrainz">${rows.filter(([, value]) => value !== null).map(([label, value]) => html`<dt>${label}</dt><dd>${value}</dd>`)}</dl>`;
}

/** For each cached image type: the overlay's address for an OBS browser source, and a preview. */
function overlaySection(details: ArtistDetails, origin: string): SafeHtml {
  const types = Object.keys(details.images);
  if (types.length === 0) return html``;
  const artist = encodeURIComponent(details.displayName);
  const rows = types.map((type) => ({
    type,
    url: `${origin}/overlay?artist=${artist}&type=${type}&every=15&name=1`,
    preview: `/image/random?artist=${artist}&type=${type}`,
  }));
  return html`<h2>Overlays for OBS</h2>
<p class="muted">Add a Browser source in OBS and paste an address (1920 × 1080; tick nothing else). The image changes every 15 s with a cross-fade; <code>name=0</code> hides the name, <code>every=</code> sets the seconds.</p>
<table class="overlays" id="overlays"><tbody>
${rows.map((row) => html`<tr data-type="${row.type}"><td><img src="${row.preview}" alt="a ${row.type} of ${details.displayName}" loading="lazy"></td><td>${row.type}</td><td><input class="copy" readonly value="${row.url}" aria-label="overlay address for ${row.type}"></td></tr>`)}
<tr data-type="now"><td></td><td>whoever is on air</td><td><input class="copy" readonly value="${origin}/overlay/now?type=fanart&amp;every=15&amp;name=1" aria-label="overlay address for the artist on air"></td></tr>
</tbody></table>`;
}

/** One image, large, with what the cache knows of it. */
export function imagePage(identifier: string, dataType: string, image: ImageSummary, context: PageContext): string {
  const body = html`<h1>${identifier}: ${dataType}</h1>
<div class="actions"><a href="${artistLink(identifier)}">← ${identifier}</a> ${actionButton(context, 'purge-image', { cachekey: image.cachekey }, 'Remove this image', { danger: true })}</div>
<div class="viewer"><img id="viewed-image" src="${imageLink(image.cachekey)}" alt="${dataType} of ${identifier}"></div>
<table>
<tr><th>from</th><td>${image.url}</td></tr>
<tr><th>type</th><td>${image.mimeType ?? 'unknown'}${image.width === null ? '' : `, ${image.width} × ${image.height} px`}, ${formatBytes(image.bytes)}</td></tr>
<tr><th>provider</th><td>${image.provider}</td></tr>
<tr><th>stored</th><td>${formatTime(image.storedAt)} UTC, fresh until ${formatTime(image.expiresAt)} UTC</td></tr>
</table>`;
  return page(`${identifier}: ${dataType}`, 'artists', body, { notice: context.notice });
}
