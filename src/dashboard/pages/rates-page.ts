import { formatRate, formatTime } from '../../format.js';
import { grantsChart } from '../charts.js';
import { html, page, stackedTable, type PageContext } from '../html.js';
import { RATE_NOW_SECONDS, type RatesView } from '../rates-data.js';
import { cooldownCell } from './cooldown.js';

type RateRow = RatesView['providers'][number];

/**
 * The rate limits live, refreshed every 2 s to watch a precache or a worker draining: for each
 * provider, the requests its limit let through in each of the last 60 seconds (every process
 * and machine sharing the cache counts, at the moment each was let through), against the limit
 * drawn as a line; the rate over the last 10 s; what waits in its queue; any cool-down.
 */
export function ratesPage(view: RatesView, context: PageContext): string {
  const body = html`<h1>Rate limits, live</h1>
<p class="muted">Requests each provider's limit let through, per second, over the last ${view.seconds} s (every process on this machine, and every machine of a shared tier); the dashed line is the limit. "Now" is the last ${RATE_NOW_SECONDS} s. Refreshes every 2 s. ${formatTime(view.generatedAt)} UTC</p>
${stackedTable('rates', [
  { label: 'provider', cell: (row) => row.provider },
  { label: 'limit', kind: 'number', cell: (row) => (row.ratePerSecond === 'unlimited' ? 'unlimited' : formatRate(row.ratePerSecond)) },
  { label: 'now', kind: 'number', className: 'now', title: nowTitle, cell: (row) => (row.recentRate === 0 ? '-' : formatRate(row.recentRate)) },
  { label: `last ${view.seconds} s`, kind: 'wide', cell: (row) => (row.ratePerSecond !== 'unlimited' && row.grantsPerSecond !== null
    ? grantsChart(row.provider, row.grantsPerSecond, row.ratePerSecond)
    // On a phone, where "unlimited" is already on the card, the line is left out.
    : html`<span class="muted phone-hidden" title="providers without a limit pass no gate, so are not counted per second">no limit</span>`) },
  { label: 'queued', kind: 'number', cell: (row) => row.queued },
  { label: 'cool-down', cell: (row) => cooldownCell(row.cooldownUntil, row.cooldownReason) },
], view.providers, (row) => ({ 'data-provider': row.provider }))}
<p class="muted">JSON: <a href="/api/rates">/api/rates</a></p>`;
  return page('Rate limits', 'rates', body, { refreshSeconds: 2, notice: context.notice });
}

/** The "now" cell's tooltip: how close to its limit a provider runs, or where an unlimited one's rate comes from. */
function nowTitle(row: RateRow): string {
  if (row.ratePerSecond === 'unlimited') return 'from the fetches counted in the last minute or two';
  return `${Math.round(Math.min(1, row.recentRate / row.ratePerSecond) * 100)} % of the limit`;
}
