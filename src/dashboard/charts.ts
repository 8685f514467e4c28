import type { AnalyticsReport, LatencyDistribution } from '../analytics/analytics-report.js';
import { formatMicroseconds } from '../format.js';
import { html, SafeHtml } from './html.js';

/** Server-drawn SVG charts for the overview: the pages run no script. */

const WIDTH = 960;
const STYLE = '<style>.grid{stroke:#8884;stroke-width:1}.fetch{fill:#3b82f6}.error{fill:#dc2626}.bar{fill:#3b82f6}.bar2{fill:#dc2626}.mark{stroke:#3b82f6;stroke-width:3}text{fill:#888;font:12px system-ui,sans-serif}text.label{fill:currentColor}</style>';

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

/**
 * Fetches per timeline point, stacked by provider (a colour each, with a legend), and the
 * point's errors in red on top, over the report's period.
 */
export function fetchesChart(report: Pick<AnalyticsReport, 'sinceMs' | 'untilMs' | 'timeline'>, bucketMs: number): SafeHtml {
  const height = 200;
  const pad = { left: 44, right: 12, top: 28, bottom: 24 };
  const plotWidth = WIDTH - pad.left - pad.right;
  const plotHeight = height - pad.top - pad.bottom;
  const span = Math.max(1, report.untilMs - report.sinceMs);
  const points = report.timeline.filter((point) => point.fetches + point.errors > 0);
  const providers = [...new Set(points.flatMap((point) => Object.keys(point.byProvider)))].sort();
  const colour = (provider: string): string => PROVIDER_COLOURS[providers.indexOf(provider) % PROVIDER_COLOURS.length]!;
  const busiest = Math.max(1, ...points.map((point) => point.fetches + point.errors));
  const barWidth = Math.max(2, (bucketMs / span) * plotWidth - 1);
  const x = (at: number): number => pad.left + ((at - report.sinceMs) / span) * plotWidth;
  const scale = (count: number): number => (count / busiest) * plotHeight;
  const bars = points.map((point) => {
    let top = pad.top + plotHeight;
    const segments: string[] = [];
    for (const provider of providers) {
      const fetches = point.byProvider[provider]?.fetches ?? 0;
      if (fetches === 0) continue;
      top -= scale(fetches);
      segments.push(`<rect fill="${colour(provider)}" x="${x(point.at).toFixed(1)}" y="${top.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${scale(fetches).toFixed(1)}"/>`);
    }
    if (point.errors > 0) segments.push(`<rect class="error" x="${x(point.at).toFixed(1)}" y="${(top - scale(point.errors)).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${scale(point.errors).toFixed(1)}"/>`);
    const detail = providers.filter((provider) => point.byProvider[provider] !== undefined).map((provider) => `${provider} ${point.byProvider[provider]!.fetches}`).join(', ');
    return new SafeHtml(`<g><title>${clock(point.at)}: ${point.fetches} fetches (${escapeText(detail)}), ${point.errors} errors</title>${segments.join('')}</g>`);
  });
  const legend = [...providers.map((provider) => ({ label: provider, fill: colour(provider) })), { label: 'errors', fill: '#dc2626' }].map(
    (item, index) => html`<g data-legend="${item.label}"><rect x="${pad.left + index * 120}" y="6" width="10" height="10" fill="${item.fill}"/><text x="${pad.left + index * 120 + 14}" y="15">${item.label}</text></g>`,
  );
  const ticks = [0, 0.5, 1].map((share) => new SafeHtml(`<text x="${x(report.sinceMs + share * span).toFixed(1)}" y="${height - 6}" text-anchor="${share === 0 ? 'start' : share === 1 ? 'end' : 'middle'}">${clock(report.sinceMs + share * span)}</text>`));
  return html`<svg class="chart" id="fetches-chart" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-label="fetches by provider and errors over time" data-points="${points.length}" data-providers="${providers.join(' ')}">
${new SafeHtml(STYLE)}${points.length === 0 ? '' : legend}<line class="grid" x1="${pad.left}" x2="${WIDTH - pad.right}" y1="${pad.top + plotHeight}" y2="${pad.top + plotHeight}"/>
<text x="${pad.left - 6}" y="${pad.top + 10}" text-anchor="end">${busiest}</text><text x="${pad.left - 6}" y="${pad.top + plotHeight}" text-anchor="end">0</text>
${bars}${ticks}
${points.length === 0 ? html`<text x="${WIDTH / 2}" y="${height / 2}" text-anchor="middle">no fetches in this period</text>` : ''}
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
