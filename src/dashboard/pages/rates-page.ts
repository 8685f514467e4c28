import { formatRate, formatTime } from '../../format.js';
import type { Overview } from '../dashboard-data.js';
import { html, page, type PageContext } from '../html.js';

/**
 * The rate limits live: for each provider, the requests every process of the machine made in
 * the last one to two minutes (as a rate) against its limit, what waits in its queue, and any
 * cool-down. Refreshes every 2 s, to watch a precache or a worker draining. Processes report
 * their counts every 5 s, so the figures trail by that much.
 */
export function ratesPage(overview: Overview, windowMs: number, context: PageContext): string {
  const seconds = windowMs / 1000;
  const rows = overview.rateLimits.map((limit) => {
    const counts = overview.stats.analytics.byProvider[limit.provider];
    const requests = (counts?.fetches ?? 0) + (counts?.errors ?? 0);
    const used = requests / seconds;
    const share = limit.ratePerSecond === 'unlimited' ? null : Math.min(1, used / limit.ratePerSecond);
    return { ...limit, requests, used, share };
  });
  const body = html`<h1>Rate limits, live</h1>
<p class="muted">Requests of every process on this machine over the last ${Math.round(seconds)} s, against each provider's limit. Refreshes every 2 s; processes report every 5 s. ${formatTime(overview.generatedAt)} UTC</p>
<table id="rates"><thead><tr><th>provider</th><th class="number">limit</th><th class="number">used</th><th style="width:40%">of the limit</th><th class="number">queued</th><th>cool-down</th></tr></thead><tbody>
${rows.map(
  (row) => html`<tr data-provider="${row.provider}"><td>${row.provider}</td><td class="number">${row.ratePerSecond === 'unlimited' ? 'unlimited' : formatRate(row.ratePerSecond)}</td>
<td class="number" title="${row.requests} requests">${row.requests === 0 ? '-' : formatRate(row.used)}</td>
<td>${row.share === null ? html`<span class="muted">no limit</span>` : html`<div class="meter" title="${Math.round(row.share * 100)} %"><span style="width:${(row.share * 100).toFixed(1)}%"></span></div>`}</td>
<td class="number">${row.queued}</td>
<td>${row.cooldownUntil === null ? html`<span class="muted">none</span>` : html`<span class="error">until ${formatTime(row.cooldownUntil)} UTC${row.cooldownReason === null ? '' : `: ${row.cooldownReason}`}</span>`}</td></tr>`,
)}
</tbody></table>`;
  return page('Rate limits', 'rates', body, { refreshSeconds: 2, notice: context.notice });
}
