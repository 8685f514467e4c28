import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '../errors.js';

/** A request the dashboard refuses for where it came from (403), not for what it said. */
export class ForbiddenRequest extends Error {}

/** A now-playing report or an action is a few dozen bytes. */
const MAX_BODY_BYTES = 4096;
/** A client that starts a body and stalls is dropped after this. */
const BODY_TIMEOUT_MS = 5000;

/**
 * Refuses a POST that a web page on another site made the browser send (cross-site request
 * forgery): a browser names the page's origin, which must be this dashboard. An app or curl
 * sends no Origin and may post. With the Host check that runs first, a page cannot reach the
 * dashboard under another name either.
 */
export function requireSameOrigin(request: IncomingMessage): void {
  const origin = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  // The dashboard's pages send no referrer, so a browser names their origin "null" on a form
  // post: then the browser's own Sec-Fetch-Site says whether the form was this site's.
  if (origin === undefined || origin === 'null') {
    if (site !== undefined && site !== 'same-origin' && site !== 'none') throw new ForbiddenRequest('This request came from another site; the dashboard takes changes only from its own pages and from apps.');
    return;
  }
  let host: string;
  try {
    host = new URL(origin).host;
  } catch {
    throw new ForbiddenRequest('This request names an origin that is not a web address.');
  }
  if (host !== request.headers.host) throw new ForbiddenRequest("This request came from a page of another origin; the dashboard takes changes only from its own pages and from apps.");
}

/**
 * The request's JSON body: `Content-Type: application/json` (which a plain HTML form on another
 * site cannot send), at most 4 KiB, within 5 s.
 */
export async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  if (mediaTypeOf(request) !== 'application/json') throw new InvalidArgumentError('Send the body as JSON, with Content-Type: application/json.');
  try {
    return JSON.parse((await readBody(request)).toString('utf8')) as unknown;
  } catch (error) {
    if (error instanceof InvalidArgumentError) throw error;
    throw new InvalidArgumentError('The body is not valid JSON.');
  }
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) throw new InvalidArgumentError(`The body is ${declared} bytes; at most ${MAX_BODY_BYTES} are taken.`);
  const chunks: Buffer[] = [];
  let length = 0;
  const timer = setTimeout(() => request.destroy(), BODY_TIMEOUT_MS);
  try {
    for await (const chunk of request as AsyncIterable<Buffer>) {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) throw new InvalidArgumentError(`The body is longer than ${MAX_BODY_BYTES} bytes.`);
      chunks.push(chunk);
    }
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

/** A form's fields (`application/x-www-form-urlencoded`, at most 4 KiB, within 5 s). */
export async function readFormBody(request: IncomingMessage): Promise<URLSearchParams> {
  if (mediaTypeOf(request) !== 'application/x-www-form-urlencoded') throw new InvalidArgumentError('Send the form as application/x-www-form-urlencoded.');
  return new URLSearchParams((await readBody(request)).toString('utf8'));
}

/** The body's media type, without parameters: "application/json; charset=utf-8" → "application/json". */
function mediaTypeOf(request: IncomingMessage): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}
