import { formatRate, formatTime } from '../../format.js';
import { grantsChart } from '../charts.js';
import { html, page, type PageContext } from '../html.js';
import { RATE_NOW_SECONDS, type RatesView } from '../rates-data.js';

/**
 * The rate limits live, refreshed every 2 s to watch a precache or a worker draining: for each
 * provider, the requests its limit let through in each of the last 60 seconds (every process
 * and machine sharing the cache counts, at the moment each was let through), against the limit
 * drawn as a line; the rate over the last 10 s; what waits in its queue; any cool-down.
 */
export function ratesPage(view: RatesView, context: PageContext): string {
  const body = html`<h1>Rate limits, live</h1>
<p class="muted">Requests each provider's limit let through, per second, over the last ${view.seconds} s (every process on this machine, and every machine of a shared tier); the dashed line is the limit. "Now" is the last ${RATE_NOW_SECONDS} s. Refreshes every 2 s. ${formatTime(view.generatedAt)} UTC</p>
<table id="rates"><thead><tr><th>provider</th><th class="number">limit</th><th class="number">now</th><th>last ${view.seconds} s</th><th class="number">queued</th><th>cool-down</th></tr></thead><tbody>
${view.providers.map((row) => {
  const limited = row.ratePerSecond !== 'unlimited' && row.grantsPerSecond !== null;
  const share = row.ratePerSecond === 'unlimited' ? null : Math.min(1, row.recentRate / row.ratePerSecond);
  return html`<tr data-provider="${row.provider}"><td>${row.provider}</td><td class="number">${row.ratePerSecond === 'unlimited' ? 'unlimited' : formatRate(row.ratePerSecond)}</td>
<td class="number now" title="${share === null ? 'from the fetches counted in the last minute or two' : `${Math.round(share * 100)} % of the limit`}">${row.recentRate === 0 ? '-' : formatRate(row.recentRate)}</td>
<td>${limited ? grantsChart(row.provider, row.grantsPerSecond!, row.ratePerSecond as number) : html`<span class="muted" title="providers without a limit pass no gate, so are not counted per second">no limit</span>`}</td>
<td class="number">${row.queued}</td>
<td>${row.cooldownUntil === null ? html`<span class="muted">none</span>` : html`<span class="error">until ${formatTime(row.cooldownUntil)} UTC${row.cooldownReason === null ? '' : `: ${row.cooldownReason}`}</span>`}</td></tr>`;
})}
</tbody></table>
<p class="muted">JSON: <a href="/api/rates">/api/rates</a></p>`;
  return page('Rate limits', 'rates', body, { refreshSeconds: 2, notice: context.notice });
}
