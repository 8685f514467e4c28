import type { AnalyticsReport } from '../analytics/analytics-report.js';
import { html, SafeHtml } from './html.js';

const WIDTH = 960;
const HEIGHT = 240;
const PAD = { left: 44, right: 12, top: 14, bottom: 28 };

/**
 * The hit rate over time as an SVG line (0-100 %), over grey bars of how many lookups each
 * point counted; drawn on the server, so the page needs no script.
 */
export function hitRateChart(report: Pick<AnalyticsReport, 'sinceMs' | 'untilMs' | 'timeline'>, bucketMs: number): SafeHtml {
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  const span = Math.max(1, report.untilMs - report.sinceMs);
  const x = (at: number): number => PAD.left + ((at - report.sinceMs) / span) * plotWidth;
  const y = (ratio: number): number => PAD.top + (1 - ratio) * plotHeight;
  const points = report.timeline.filter((point) => point.hits + point.misses > 0);
  const busiest = Math.max(1, ...points.map((point) => point.hits + point.misses));
  const barWidth = Math.max(1, (bucketMs / span) * plotWidth - 1);
  const bars = points.map((point) => {
    const height = ((point.hits + point.misses) / busiest) * plotHeight;
    return new SafeHtml(`<rect class="volume" x="${x(point.at).toFixed(1)}" y="${(PAD.top + plotHeight - height).toFixed(1)}" width="${barWidth.toFixed(1)}" height="${height.toFixed(1)}"/>`);
  });
  const line = points.map((point) => `${(x(point.at) + barWidth / 2).toFixed(1)},${y(point.hitRate).toFixed(1)}`).join(' ');
  const grid = [0, 0.25, 0.5, 0.75, 1].map(
    (ratio) => new SafeHtml(`<line x1="${PAD.left}" x2="${WIDTH - PAD.right}" y1="${y(ratio)}" y2="${y(ratio)}" class="grid"/><text x="${PAD.left - 6}" y="${y(ratio) + 4}" text-anchor="end">${ratio * 100}%</text>`),
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((share) => {
    const at = report.sinceMs + share * span;
    return new SafeHtml(`<text x="${x(at).toFixed(1)}" y="${HEIGHT - 8}" text-anchor="${share === 0 ? 'start' : share === 1 ? 'end' : 'middle'}">${clock(at)}</text>`);
  });
  const summary = points.length === 0 ? 'no lookups in this period' : `hit rate from ${clock(points[0]!.at)} to ${clock(report.untilMs)}, ${points.length} points`;
  return html`<svg class="chart" id="hit-rate-chart" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="${summary}" data-points="${points.length}">
<style>.grid{stroke:#8884;stroke-width:1}.volume{fill:#8883}.rate{fill:none;stroke:#3b82f6;stroke-width:2.5}.dot{fill:#3b82f6}text{fill:#888;font:11px system-ui,sans-serif}</style>
${grid}${bars}
${points.length > 1 ? new SafeHtml(`<polyline class="rate" points="${line}"/>`) : ''}
${points.map((point) => new SafeHtml(`<circle class="dot" cx="${(x(point.at) + barWidth / 2).toFixed(1)}" cy="${y(point.hitRate).toFixed(1)}" r="3"><title>${clock(point.at)}: ${(point.hitRate * 100).toFixed(1)} % of ${point.hits + point.misses}</title></circle>`))}
${ticks}
${points.length === 0 ? new SafeHtml(`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle">no lookups in this period yet</text>`) : ''}
</svg>`;
}

function clock(at: number): string {
  return new Date(at).toISOString().slice(11, 16);
}
