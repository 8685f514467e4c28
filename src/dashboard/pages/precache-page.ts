import { formatBytes, formatDuration, formatTime } from '../../format.js';
import type { FoundLibrary } from '../../precache/library/library-locations.js';
import { actionButton, breakableUrl, html, page, type PageContext, type SafeHtml } from '../html.js';
import type { PrecacheRunState } from '../precache-run.js';

/**
 * Pre-caching from the dashboard: the DJ libraries found on this computer, each with a button,
 * and the running pre-cache's progress (the page refreshes every 2 s while it runs).
 */
export function precachePage(libraries: readonly FoundLibrary[], run: PrecacheRunState | null, workersPaused: boolean, context: PageContext): string {
  const running = run !== null && !run.finished;
  const body = html`<h1>Pre-cache a DJ library</h1>
<p class="muted">Queues every artist of the library (MusicBrainz, then their images) for the workers of any process, the artists played most first; what is cached already is skipped. <a href="/rates">Watch the rate limits</a>.</p>
${run === null ? '' : progressSection(run, workersPaused)}
<h2>Libraries found on this computer</h2>
${libraries.length === 0
  ? html`<p class="muted" id="no-libraries">No DJ library was found in the usual places. Run <code>datacache precache FILE</code> with the file instead.</p>`
  : html`<table id="libraries"><thead><tr><th>application</th><th>file</th><th class="number">size</th><th>changed (UTC)</th><th></th></tr></thead><tbody>
${libraries.map((library) => html`<tr><td>${library.app}${library.kind === 'history' ? ' (history)' : ''}</td><td class="url">${breakableUrl(library.path)}${library.note === undefined ? '' : html`<br><span class="muted">${library.note}</span>`}</td><td class="number">${formatBytes(library.bytes)}</td><td>${formatTime(library.modifiedAt)}</td>
<td>${running ? '' : actionButton(context, 'precache', { library: library.path }, 'Pre-cache')}</td></tr>`)}
</tbody></table>`}`;
  return page('Pre-cache', 'precache', body, { notice: context.notice, ...(running ? { refreshSeconds: 2 } : {}) });
}

function progressSection(run: PrecacheRunState, workersPaused: boolean): SafeHtml {
  const progress = run.progress;
  const total = progress?.artists ?? run.artistsRead;
  const done = progress?.artistsDone ?? 0;
  const share = total === 0 ? 0 : done / total;
  const remaining = progress === null ? [] : Object.entries(progress.remaining).filter(([, count]) => count > 0);
  const state = run.error !== null ? html`<span class="error">stopped: ${run.error}</span>` : run.finished ? html`<strong>finished</strong>` : progress === null ? html`reading the library …` : html`running`;
  return html`<section id="precache-progress" data-finished="${run.finished ? '1' : '0'}">
<h2>${run.library.app}: ${state}</h2>
<div class="meter" title="${Math.round(share * 100)} %"><span style="width:${(share * 100).toFixed(1)}%"></span></div>
<p id="precache-counts">${done} of ${total} artists done${progress === null ? '' : html` · ${progress.matched} found, ${progress.notFound} not found, ${progress.failed} failed · ${progress.imagesQueued} images queued`}${progress === null || run.finished ? '' : html` · about ${formatDuration(progress.etaMs / 1000)} left at the rate limits`}</p>
${remaining.length === 0 ? '' : html`<p class="muted">Still to ask: ${remaining.map(([provider, count]) => `${provider} ${count}`).join(' · ')}</p>`}
${!run.finished && workersPaused ? html`<p class="error">The workers are paused: nothing moves until they are resumed (Overview).</p>` : ''}
${!run.finished && !workersPaused && progress !== null && progress.idleMs > 15_000 ? html`<p class="error">Nothing has moved for ${formatDuration(progress.idleMs / 1000)}: is a worker running? Start one with <code>datacache worker</code>.</p>` : ''}
${progress === null || progress.failureReasons.length === 0 ? '' : html`<p>Failed: ${progress.failureReasons.map((reason) => `${reason.provider}: ${reason.reason} (${reason.artists})`).join('; ')}</p>`}
<p class="muted">Started ${formatTime(run.startedAt)} UTC.</p>
</section>`;
}
