import { formatBytes, formatTime } from '../../format.js';
import type { ArtistSummary, ImageSummary } from '../dashboard-data.js';
import { html, page } from '../html.js';

const artistLink = (identifier: string): string => `/artists/${encodeURIComponent(identifier)}`;
const imageLink = (cachekey: string): string => `/image/${encodeURIComponent(cachekey)}`;

/** The artist browser: a search box and the cached artists that match. */
export function artistListPage(search: string, artists: readonly ArtistSummary[]): string {
  const body = html`<h1>Artists</h1>
<form class="search" method="get" action="/artists">
  <input type="search" name="q" value="${search}" placeholder="search cached artists" aria-label="search cached artists" autofocus>
  <button type="submit">Search</button>
</form>
${artists.length === 0
  ? html`<p class="muted" id="no-artists">${search === '' ? 'No artist images are cached yet.' : `No cached artist matches “${search}”.`}</p>`
  : html`<table id="artists"><thead><tr><th>artist</th><th>images</th><th class="number">bytes</th><th>last stored (UTC)</th></tr></thead><tbody>
${artists.map(
  (artist) => html`<tr><td><a href="${artistLink(artist.identifier)}">${artist.identifier}</a></td>
<td>${Object.entries(artist.images).map(([type, count]) => `${type} ${count}`).join(' · ')}</td>
<td class="number">${formatBytes(artist.bytes)}</td><td>${formatTime(artist.lastStoredAt)}</td></tr>`,
)}
</tbody></table>`}
<p class="muted">JSON: <a href="/api/artists?q=${encodeURIComponent(search)}">/api/artists</a></p>`;
  return page(search === '' ? 'Artists' : `Artists: ${search}`, 'artists', body);
}

/** One artist: their cached images, by type. */
export function artistPage(identifier: string, images: Readonly<Record<string, readonly ImageSummary[]>>): string {
  const types = Object.entries(images);
  const body = html`<h1>${identifier}</h1>
<p><a href="/artists">← all artists</a> · random fanart for an overlay: <a href="/image/random?artist=${encodeURIComponent(identifier)}&amp;type=fanart">/image/random?artist=…&amp;type=fanart</a></p>
${types.length === 0 ? html`<p class="muted">No images of this artist are cached.</p>` : ''}
${types.map(
  ([type, list]) => html`<h2>${type} <span class="muted">(${list.length})</span></h2>
<div class="images" data-type="${type}">
${list.map((image) => html`<a href="/view/${encodeURIComponent(image.cachekey)}" title="${image.url}"><img src="${imageLink(image.cachekey)}" alt="${type} of ${identifier}" loading="lazy"></a>`)}
</div>`,
)}`;
  return page(identifier, 'artists', body);
}

/** One image, large, with what the cache knows of it. */
export function imagePage(identifier: string, dataType: string, image: ImageSummary): string {
  const body = html`<h1>${identifier}: ${dataType}</h1>
<p><a href="${artistLink(identifier)}">← ${identifier}</a></p>
<div class="viewer"><img id="viewed-image" src="${imageLink(image.cachekey)}" alt="${dataType} of ${identifier}"></div>
<table>
<tr><th>from</th><td>${image.url}</td></tr>
<tr><th>type</th><td>${image.mimeType ?? 'unknown'}${image.width === null ? '' : `, ${image.width} × ${image.height} px`}, ${formatBytes(image.bytes)}</td></tr>
<tr><th>provider</th><td>${image.provider}</td></tr>
<tr><th>stored</th><td>${formatTime(image.storedAt)} UTC, fresh until ${formatTime(image.expiresAt)} UTC</td></tr>
</table>`;
  return page(`${identifier}: ${dataType}`, 'artists', body);
}
