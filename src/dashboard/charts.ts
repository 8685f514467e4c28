import type { AnalyticsReport, LatencyDistribution } from '../analytics/analytics-report.js';
import { formatMicroseconds, formatRate } from '../format.js';
import { html, SafeHtml } from './html.js';

/** Server-drawn SVG charts for the overview: the pages run no script. */

const WIDTH = 960;
const STYLE = '<style>.grid{stroke:#8884;stroke-width:1}.fetch{fill:#3b82f6}.error{fill:#dc2626}.bar{fill:#3b82f6}.bar2{fill:#dc2626}.mark{stroke:#3b82f6;stroke-width:3}.limit{stroke:#dc2626;stroke-width:1.5;stroke-dasharray:4 3}text{fill:#888;font:12px system-ui,sans-serif}text.label{fill:currentColor}</style>';

export interface BarRow {
  label: string;
  value: number;
  /** A second value drawn after the first in red (errors after fetches). */
  second?: number;
  /** How the row's numbers read: "12 fetches · 1 error", "3.1 MiB". */
  caption: string;
}

/**
 * Horizontal bars, one row each, longest first: "bytes by data type", "fetches and errors by
 * provider". Each row's caption says its numbers, so the chart needs no axis.
 *
 * @example barChart('bytes-by-type', 'bytes by data type', [{ label: 'fanart', value: 3_200_000, caption: '3.1 MiB' }])
 */
export function barChart(id: string, title: string, rows: readonly BarRow[]): SafeHtml {
  const sorted = [...rows].sort((a, b) => b.value + (b.second ?? 0) - (a.value + (a.second ?? 0)));
  // Drawn narrow: these charts sit side by side, and their text must stay readable.
  const width = 480;
  const rowHeight = 26;
  const labelWidth = 100;
  const captionWidth = 170;
  const plot = width - labelWidth - captionWidth;
  const largest = Math.max(1, ...sorted.map((row) => row.value + (row.second ?? 0)));
  const height = Math.max(1, sorted.length) * rowHeight + 8;
  const bars = sorted.map((row, index) => {
    const y = 4 + index * rowHeight;
    const first = (row.value / largest) * plot;
    const second = ((row.second ?? 0) / largest) * plot;
    return html`<g data-label="${row.label}"><text class="label" x="${labelWidth - 8}" y="${y + 16}" text-anchor="end">${row.label}</text>
<rect class="bar" x="${labelWidth}" y="${y + 4}" width="${first.toFixed(1)}" height="${rowHeight - 10}"/>
${second > 0 ? html`<rect class="bar2" x="${(labelWidth + first).toFixed(1)}" y="${y + 4}" width="${Math.max(2, second).toFixed(1)}" height="${rowHeight - 10}"/>` : ''}
<text x="${(labelWidth + first + second + 8).toFixed(1)}" y="${y + 16}">${row.caption}</text></g>`;
  });
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${title}" data-rows="${sorted.length}">
${new SafeHtml(STYLE)}${sorted.length === 0 ? html`<text x="${width / 2}" y="20" text-anchor="middle">nothing yet</text>` : bars}
</svg>`;
}

/** One colour per provider, in the order they first appear; errors are always red. */
const PROVIDER_COLOURS = ['#3b82f6', '#10b981', '#f59e0b', '#8b5cf6', '#06b6d4', '#ec4899', '#84cc16', '#64748b'];

/** One bar of a stacked chart: a segment per provider, and an optional red part on top. */
interface StackedBar {
  at: number;
  byProvider: Record<string, number>;
  red: number;
  /** What the bar's tooltip says, after its time. */
  detail: string;
}

/**
 * Bars over the report's period, one per point, stacked by provider (a colour each, with a
 * legend) with a red part on top: the fetches and errors chart, the queue-depth chart.
 */
function stackedChart(id: string, label: string, period: { sinceMs: number; untilMs: number }, bucketMs: number, bars: readonly StackedBar[], names: { red: string; empty: string }): SafeHtml {
  const height = 200;
  const pad = { left: 44, right: 12, top: 28, bottom: 24 };
  const plotWidth = WIDTH - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const span = Math.max(1, period.untilMs - period.sinceMs);
  const providers = [...new Set(bars.flatMap((bar) => Object.keys(bar.byProvider)))].sort();
  const colour = (provider: string): string => PROVIDER_COLOURS[providers.indexOf(provider) % PROVIDER_COLOURS.length]!;
  const total = (bar: StackedBar): number => Object.values(bar.byProvider).reduce((sum, value) => sum + value, 0) + bar.red;
  const tallest = Math.max(1, ...bars.map(total));
  const barWidth = Math.max(2, (bucketMs / span) * plotWidth - 1);
  const x = (at: number): number => pad.left + ((at - period.sinceMs) / span) * plotWidth;
  const scale = (count: number): number => (count / tallest) * plotHeight;
  const drawn = bars.map((bar) => {
    let top = pad.top + plotHeight;
    const segments: string[] = [];
    for (const provider of providers) {
      const value = bar.byProvider[provider] ?? 0;
      if (value === 0) continue;
      top -= scale(value);
      segments.push(`<rect fill="${colour(provider)}" x="${x(bar.at).toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${scale(value).toFixed(1)}"/>`);
    }
    if (bar.red > 0) segments.push(`<rect class="error" x="${x(bar.at).toFixed(1)}" y="${(top - scale(bar.red)).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${scale(bar.red).toFixed(1)}"/>`);
    return new SafeHtml(`<g><title>${clock(bar.at)}: ${escapeText(bar.detail)}</title>${segments.join('')}</g>`);
  });
  const legend = [...providers.map((provider) => ({ label: provider, fill: colour(provider) })), { label: names.red, fill: '#dc2626' }].map(
    (item, index) => html`<g data-legend="${item.label}"><rect x="${pad.left + index * 120}" y="6" width="10" height="10" fill="${item.fill}"/><text x="${pad.left + index * 120 + 14}" y="15">${item.label}</text></g>`,
  );
  const ticks = [0, 0.5, 1].map((share) => new SafeHtml(`<text x="${x(period.sinceMs + share * span).toFixed(1)}" y="${height - 6}" text-anchor="${share === 0 ? 'start' : share === 1 ? 'end' : 'middle'}">${clock(period.sinceMs + share * span)}</text>`));
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="${label}" data-points="${bars.length}" data-providers="${providers.join(' ')}">
${new SafeHtml(STYLE)}${bars.length === 0 ? '' : legend}<line class="grid" x1="${pad.left}" x2="${WIDTH - pad.right}" y1="${pad.top + plotHeight}" y2="${pad.top + plotHeight}"/>
<text x="${pad.left - 6}" y="${pad.top + 10}" text-anchor="end">${tallest}</text><text x="${pad.left - 6}" y="${pad.top + plotHeight}" text-anchor="end">0</text>
${drawn}${ticks}
${bars.length === 0 ? html`<text x="${WIDTH / 2}" y="${height / 2}" text-anchor="middle">${names.empty}</text>` : ''}
</svg>`;
}

/** Fetches per timeline point, stacked by provider, and the point's errors in red on top. */
export function fetchesChart(report: Pick<AnalyticsReport, 'sinceMs' | 'untilMs' | 'timeline'>, bucketMs: number): SafeHtml {
  const bars = report.timeline
    .filter((point) => point.fetches + point.errors > 0)
    .map((point) => {
      const providers = Object.keys(point.byProvider).sort();
      return {
        at: point.at,
        byProvider: Object.fromEntries(providers.map((provider) => [provider, point.byProvider[provider]!.fetches])),
        red: point.errors,
        detail: `${point.fetches} fetches (${providers.map((provider) => `${provider} ${point.byProvider[provider]!.fetches}`).join(', ')}), ${point.errors} errors`,
      };
    });
  return stackedChart('fetches-chart', 'fetches by provider and errors over time', report, bucketMs, bars, { red: 'errors', empty: 'no fetches in this period' });
}

/**
 * The queue's depth over time: jobs waiting or running, stacked by provider, and the failed
 * ones in red on top. A point per sampled bucket; gaps are minutes no process was running.
 */
export function queueDepthChart(report: Pick<AnalyticsReport, 'sinceMs' | 'untilMs' | 'queueDepth'>, bucketMs: number): SafeHtml {
  const bars = report.queueDepth.map((point) => {
    const providers = Object.keys(point.byProvider).sort();
    const queued = (provider: string): number => point.byProvider[provider]!.pending + point.byProvider[provider]!.running;
    return {
      at: point.at,
      byProvider: Object.fromEntries(providers.map((provider) => [provider, queued(provider)])),
      red: point.failed,
      detail: `${point.pending} waiting, ${point.running} running (${providers.map((provider) => `${provider} ${queued(provider)}`).join(', ')}), ${point.failed} failed`,
    };
  });
  return stackedChart('queue-depth-chart', 'queued jobs by provider, and failed jobs, over time', report, bucketMs, bars, { red: 'failed', empty: 'no samples of the queue in this period' });
}

/**
 * A provider's grants per second over the last minute, oldest on the left, with its limit as a
 * dashed line: small enough for a table cell, so a precache can be watched against the limits.
 *
 * @example grantsChart('musicbrainz', [1, 1, 0, 1], 1) // four bars, the line at 1/s
 */
export function grantsChart(provider: string, perSecond: readonly number[], ratePerSecond: number): SafeHtml {
  const width = 240;
  const height = 44;
  const top = 4;
  const plot = height - top - 2;
  const ceiling = Math.max(1, ratePerSecond, ...perSecond) * 1.25;
  const step = width / Math.max(1, perSecond.length);
  const y = (value: number): number => top + plot - (value / ceiling) * plot;
  const bars = perSecond.map((count, index) =>
    count === 0 ? '' : `<rect class="bar" x="${(index * step).toFixed(1)}" y="${y(count).toFixed(1)}" width="${Math.max(1, step - 1).toFixed(1)}" height="${(top + plot - y(count)).toFixed(1)}"/>`,
  );
  const total = perSecond.reduce((sum, count) => sum + count, 0);
  return html`<svg class="sparkline" viewBox="0 0 ${width} ${height}" role="img" aria-label="${provider}: ${total} requests in the last ${perSecond.length} s" data-provider="${provider}" data-grants="${total}">
${new SafeHtml(STYLE)}<title>${total} requests in the last ${perSecond.length} s; limit ${formatRate(ratePerSecond)} (dashed)</title>
<line class="grid" x1="0" x2="${width}" y1="${top + plot}" y2="${top + plot}"/>${new SafeHtml(bars.join(''))}
<line class="limit" x1="0" x2="${width}" y1="${y(ratePerSecond).toFixed(1)}" y2="${y(ratePerSecond).toFixed(1)}"/>
</svg>`;
}

/** Text for inside an SVG element built as a string: provider names come from settings. */
function escapeText(text: string): string {
  return text.replace(/[&<>"']/gu, (character) => `&#${character.charCodeAt(0)};`);
}

/**
 * Hit latency on a logarithmic scale from 10 µs to 1 s, with marks at p50, p90, p99 and the
 * slowest: where most hits fall, and how long the tail is.
 */
export function latencyChart(id: string, latency: LatencyDistribution): SafeHtml {
  const height = 90;
  const pad = { left: 20, right: 20 };
  const low = Math.log10(10);
  const high = Math.log10(1_000_000);
  const x = (microseconds: number): number => pad.left + ((Math.min(high, Math.max(low, Math.log10(Math.max(1, microseconds)))) - low) / (high - low)) * (WIDTH - pad.left - pad.right);
  const decades = [10, 100, 1000, 10_000, 100_000, 1_000_000].map((microseconds) => new SafeHtml(`<line class="grid" x1="${x(microseconds)}" x2="${x(microseconds)}" y1="20" y2="60"/><text x="${x(microseconds)}" y="78" text-anchor="middle">${formatMicroseconds(microseconds)}</text>`));
  if (latency.count === 0) {
    return html`<svg class="chart" id="${id}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="no hits yet">${new SafeHtml(STYLE)}${decades}<text x="${WIDTH / 2}" y="14" text-anchor="middle">no hits in this period</text></svg>`;
  }
  const marks: [string, number][] = [['p50', latency.p50Ms * 1000], ['p90', latency.p90Ms * 1000], ['p99', latency.p99Ms * 1000], ['max', latency.maxMs * 1000]];
  const span = html`<rect class="bar" opacity=".25" x="${x(latency.p50Ms * 1000).toFixed(1)}" y="30" width="${Math.max(2, x(latency.p99Ms * 1000) - x(latency.p50Ms * 1000)).toFixed(1)}" height="20"/>`;
  return html`<svg class="chart" id="${id}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="hit latency: p50 ${formatMicroseconds(latency.p50Ms * 1000)}, p99 ${formatMicroseconds(latency.p99Ms * 1000)}">
${new SafeHtml(STYLE)}${decades}${span}
${marks.map(([name, microseconds]) => html`<line class="mark" x1="${x(microseconds).toFixed(1)}" x2="${x(microseconds).toFixed(1)}" y1="26" y2="54"><title>${name} ${formatMicroseconds(microseconds)}</title></line>`)}
<text class="label" x="${pad.left}" y="14">${marks.map(([name, microseconds]) => `${name} ${formatMicroseconds(microseconds)}`).join(' · ')} (${latency.count} hits)</text>
</svg>`;
}

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}
