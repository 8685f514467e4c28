import type { Duplex } from 'node:stream';

/**
 * The URL of an absolute-form request target (`GET http://musicbrainz.org/ws/2/… HTTP/1.1`, as
 * a client that honours HTTP_PROXY sends it), or null for an origin-form one (`/musicbrainz/…`).
 * A target that starts like a URL but does not parse is null too (then it is no route: 404).
 *
 * @example absoluteTarget('http://musicbrainz.org/ws/2/artist?query=air')?.host // 'musicbrainz.org'
 */
export function absoluteTarget(target: string): URL | null {
  if (!/^https?:\/\//iu.test(target)) return null;
  try {
    const url = new URL(target);
    return url.username === '' && url.password === '' ? url : null;
  } catch {
    return null;
  }
}

const CONNECT_REFUSAL =
  'This proxy does not tunnel HTTPS (CONNECT): it caches what it can read. Send plain http:// URLs through it (HTTP_PROXY), ' +
  'or use its paths, such as http://127.0.0.1:8788/musicbrainz/ws/2/… for https://musicbrainz.org/ws/2/….\n';

/**
 * Answers a CONNECT (HTTPS through the proxy) with 405 and says why, then closes: tunnelling
 * would only relay bytes the proxy cannot cache, and would make it an open relay.
 */
export function refuseConnect(socket: Duplex): void {
  const body = Buffer.from(CONNECT_REFUSAL);
  socket.on('error', () => undefined);
  socket.end(
    `HTTP/1.1 405 Method Not Allowed\r\nAllow: GET, HEAD\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${CONNECT_REFUSAL}`,
  );
}
