import { formatBytes, formatMicroseconds, formatRate, formatRatio, formatTime, formatTries } from '../../format.js';
import type { Overview } from '../dashboard-data.js';
import { barChart, fetchesChart, latencyChart, queueDepthChart } from '../charts.js';
import { hitRateChart } from '../hit-rate-chart.js';
import { actionButton, breakableUrl, html, page, stackedTable, type PageContext, type SafeHtml } from '../html.js';
import { cooldownCell } from './cooldown.js';

/** The overview: how the cache is doing now, refreshed every 15 s. */
export function overviewPage(overview: Overview, context: PageContext): string {
  const { stats } = overview;
  const { storage, analytics } = stats;
  const totals = analytics.totals;
  const lookups = totals.hits + totals.misses;
  const used = storage.budget.maxSizeBytes > 0 ? storage.bytes / storage.budget.maxSizeBytes : 0;
  const entriesTable = (title: string, counts: Record<string, { entries: number; bytes: number }>): SafeHtml =>
    html`<table><thead><tr><th>${title}</th><th class="number">entries</th><th class="number">bytes</th></tr></thead><tbody>
${Object.entries(counts)
  .sort(([, a], [, b]) => b.bytes - a.bytes)
  .map(([name, count]) => html`<tr><td>${name}</td><td class="number">${count.entries}</td><td class="number">${formatBytes(count.bytes)}</td></tr>`)}
</tbody></table>`;
  const body = html`<h1>Overview</h1>
<p class="muted">${overview.cacheDir} · last ${Math.round((analytics.untilMs - analytics.sinceMs) / 3_600_000)} h · ${formatTime(overview.generatedAt)} UTC</p>
<section class="cards" id="summary">
  <div class="card"><div class="value" id="hit-rate">${formatRatio(totals.hitRate)}</div><div class="label">hit rate (${lookups} lookups)</div></div>
  <div class="card"><div class="value">${formatRatio(totals.staleRate)}</div><div class="label">answered stale</div></div>
  <div class="card"><div class="value">${totals.fetches}</div><div class="label">fetches · ${formatBytes(totals.bytesFetched)}</div></div>
  <div class="card"><div class="value">${totals.errors}</div><div class="label">errors</div></div>
  <div class="card"><div class="value" id="bytes-used">${formatBytes(storage.bytes)}</div><div class="label">of ${formatBytes(storage.budget.maxSizeBytes)} budget · ${storage.entries} entries</div>
    <div class="meter" title="${formatRatio(used)}"><span style="width:${Math.min(100, used * 100).toFixed(1)}%"></span></div></div>
  <div class="card"><div class="value">${analytics.latency.hit.count === 0 ? '-' : formatMicroseconds(analytics.latency.hit.p50Ms * 1000)}</div><div class="label">hit p50 · p99 ${analytics.latency.hit.count === 0 ? '-' : formatMicroseconds(analytics.latency.hit.p99Ms * 1000)}</div></div>
  <div class="card"><div class="value" id="queue-depth">${stats.queue.byState.pending + stats.queue.byState.running}</div><div class="label">queued · ${stats.queue.byState.failed} failed</div></div>
</section>
<div class="actions" id="workers">Workers: ${overview.workersPaused
  ? html`<strong class="error">paused</strong> ${actionButton(context, 'resume-workers', {}, 'Resume the workers')}`
  : html`<strong>running</strong> ${actionButton(context, 'pause-workers', {}, 'Pause the workers')}`}</div>

<h2>Hit rate (UTC, ${overview.bucketMinutes}-minute points; bars: lookups)</h2>
${hitRateChart(analytics, overview.bucketMinutes * 60_000)}

<h2>Fetches by provider, and errors (red), over time</h2>
${fetchesChart(analytics, overview.bucketMinutes * 60_000)}

<h2>Queue by provider, and failed jobs (red), over time</h2>
${queueDepthChart(analytics, overview.bucketMinutes * 60_000)}
<div class="tables">
  <div><h2>By provider</h2>${barChart('fetches-by-provider', 'fetches and errors by provider', Object.entries(analytics.byProvider).filter(([, counts]) => counts.fetches + counts.errors > 0).map(([provider, counts]) => ({ label: provider, value: counts.fetches, second: counts.errors, caption: `${counts.fetches} fetched · ${counts.errors} ${counts.errors === 1 ? 'error' : 'errors'}` })))}</div>
  <div><h2>Bytes by data type</h2>${barChart('bytes-by-type', 'bytes by data type', Object.entries(storage.byDataType).map(([dataType, counts]) => ({ label: dataType, value: counts.bytes, caption: `${formatBytes(counts.bytes)} · ${counts.entries} entries` })))}</div>
</div>
<h2>Hit latency (logarithmic; the band runs from p50 to p99)</h2>
${latencyChart('hit-latency-chart', analytics.latency.hit)}

<h2>Entries</h2>
<div class="tables">
  <div>${entriesTable('provider', storage.byProvider)}</div>
  <div>${entriesTable('data type', storage.byDataType)}</div>
</div>

${sharedTierSection(storage.shared)}
<h2>Providers: rate limits, cool-downs and queue</h2>
${stackedTable('rate-limits', [
  { label: 'provider', cell: (limit) => limit.provider },
  { label: 'rate', kind: 'number', cell: (limit) => (limit.ratePerSecond === 'unlimited' ? 'unlimited' : formatRate(limit.ratePerSecond)) },
  { label: 'burst', kind: 'number', cell: (limit) => limit.burst },
  { label: 'queued', kind: 'number', cell: (limit) => limit.queued },
  { label: 'cool-down', cell: (limit) => cooldownCell(limit.cooldownUntil, limit.cooldownReason) },
], overview.rateLimits)}

<h2>Recent errors</h2>
${stats.queue.byState.failed === 0 ? '' : html`<div class="actions">${actionButton(context, 'retry-failed', {}, `Retry the ${stats.queue.byState.failed} failed jobs`)}</div>`}
${overview.recentErrors.length === 0
  ? html`<p class="muted" id="recent-errors">No failed fetches.</p>`
  : stackedTable('recent-errors', [
      { label: 'when (UTC)', cell: (error) => formatTime(error.at) },
      { label: 'provider', cell: (error) => error.provider },
      { label: 'URL', kind: 'url', cell: (error) => breakableUrl(error.url) },
      // Messages often hold the URL again: the same break points.
      { label: 'error', kind: 'url error', cell: (error) => breakableUrl(error.error) },
      { label: 'state', cell: (error) => (error.state === 'failed' ? `failed after ${formatTries(error.attempts)}` : `${error.state}, ${formatTries(error.attempts)} so far`) },
    ], overview.recentErrors)}
<p class="muted">JSON: <a href="/api/overview">/api/overview</a> · refreshes every 15 s</p>`;
  return page('Overview', 'overview', body, { refreshSeconds: 15, notice: context.notice });
}

/** The shared tier, when there is one: whether it answers, what it holds, and which machines use it. */
function sharedTierSection(shared: Overview['stats']['storage']['shared']): SafeHtml {
  if (shared === undefined) return html``;
  const state = shared.available ? html`<span>available</span>` : html`<span class="error">not available: ${shared.fault ?? 'unknown'}</span>`;
  return html`<h2>Shared tier</h2>
<p id="shared-tier">${shared.server} · schema ${shared.schema} · ${state}${shared.entries === undefined ? '' : html` · ${shared.entries} entries, ${formatBytes(shared.bytes ?? 0)}${shared.budget.maxSizeBytes === Infinity ? '' : html` of ${formatBytes(shared.budget.maxSizeBytes)}`}`}</p>
<table id="machines"><thead><tr><th>machine</th><th>cache directory</th><th class="number">processes</th><th>last seen (UTC)</th></tr></thead><tbody>
${shared.machines.map((machine) => html`<tr><td>${machine.hostname}</td><td>${machine.cacheDir}</td><td class="number">${machine.processes}</td><td>${formatTime(machine.lastSeen)}</td></tr>`)}
</tbody></table>`;
}
