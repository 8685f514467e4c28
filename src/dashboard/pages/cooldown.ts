import { formatTime } from '../../format.js';
import { breakableUrl, html, type SafeHtml } from '../html.js';

/**
 * A provider's cool-down as the overview and the rates page show it: "none", or until when and
 * why (the reason, already redacted, often holds the URL that answered 429: it wraps at its
 * separators).
 */
export function cooldownCell(until: number | null, reason: string | null): SafeHtml {
  if (until === null) return html`<span class="muted">none</span>`;
  return html`<span class="error">until ${formatTime(until)} UTC${reason === null ? '' : html`: ${breakableUrl(reason)}`}</span>`;
}
