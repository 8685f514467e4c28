import type { ClientEvents } from '../client/events.js';
import { formatDuration } from '../format.js';
import { redactText, redactUrl } from '../redaction.js';

/**
 * Why a request failed, as a table cell or a summary shows it: redacted, and without the
 * request's URL (a failure's message starts with it, and the row or the line names the
 * request already), nor the words that only lead to the reason ("could not be fetched:",
 * "answered"). "http://…/x could not be fetched: connect ECONNREFUSED 127.0.0.1:9" becomes
 * "connect ECONNREFUSED 127.0.0.1:9".
 */
export function failureText(message: string, url?: string): string {
  let text = message;
  // The raw form (a message made from the URL as queued) and the redacted one (a DownloadError's).
  if (url !== undefined) for (const form of [url, redactUrl(url)]) text = text.replaceAll(form, '');
  const reason = redactText(text)
    .replace(/^[\s:;,.-]+/u, '')
    .replace(/^could not be fetched:\s*/u, '')
    .replace(/^answered (?=HTTP \d)/u, '')
    .trim();
  return reason === '' ? redactText(message) : reason;
}

/** One line for a wait between attempts: "musicbrainz: HTTP 503; trying again in 2 s (attempt 2 of 4)". */
export function retryLine(event: ClientEvents['retry']): string {
  const wait = formatDuration(Math.max(1000, event.delayMs) / 1000);
  return `${event.provider}: ${failureText(event.reason, event.url)}; trying again in ${wait} (attempt ${event.attempt + 1} of ${event.attempts})`;
}
