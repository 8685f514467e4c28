import { parseHostHeader } from '../dashboard/host-check.js';
import { InvalidArgumentError } from '../errors.js';
import type { CachedEntry } from '../storage/cached-entry.js';
import { describeValue, requireString } from '../validation.js';

/**
 * Where the providers keep their images: fanart.tv's and TheAudioDB's CDNs, the Cover Art
 * Archive (which redirects to archive.org; redirects are followed within one fetch), Discogs,
 * Wikimedia Commons and Last.fm. Every URL these providers' answers name for artwork is on one
 * of them, so `/image?url=` works for them even before the proxy has served the answer.
 */
export const BUILT_IN_IMAGE_HOSTS: readonly string[] = [
  'assets.fanart.tv',
  'r2.theaudiodb.com',
  'www.theaudiodb.com',
  'coverartarchive.org',
  'archive.org',
  'i.discogs.com',
  'upload.wikimedia.org',
  'lastfm.freetls.fastly.net',
];

/** How far a hostile or huge answer is read for image hosts, and how many hosts are remembered. */
const MAX_SCANNED_BYTES = 4 * 1024 * 1024;
const MAX_LEARNED_HOSTS = 10_000;
const MAX_SCANNED_ENTRIES = 50_000;

/** `https://host[:port]`, also as JSON writes it with escaped slashes (TheAudioDB: `https:\/\/r2.theaudiodb.com\/…`). */
const URL_HOST = /https?:\\?\/\\?\/([a-z0-9.-]{1,253}(?::\d{1,5})?)/giu;

/** Whether an image URL may be fetched, and whether it may reach a private address (a host the operator or a mirror named). */
export type ImageHostVerdict = { allowed: false } | { allowed: true; trusted: boolean };

/**
 * The relay policy of `/image?url=`: the proxy fetches an image only from a host that an
 * answer it served named (learned as answers pass, per process), that `imageHosts` lists, or
 * that is a provider CDN of BUILT_IN_IMAGE_HOSTS. So it is no open relay: any other host is
 * refused before a connection is made. Hosts named by the operator or by a configured mirror's
 * answers are trusted to be on the local network; the others may not reach private addresses.
 */
export class ImageHostPolicy {
  readonly #configured: ReadonlySet<string>;
  readonly #builtIn: ReadonlySet<string>;
  readonly #learned = new Map<string, boolean>();
  readonly #scanned = new Set<string>();

  constructor(configured: readonly string[] = [], { builtIn = true }: { builtIn?: boolean } = {}) {
    this.#configured = new Set(configured.map((host) => new URL(`http://${host}`).host));
    this.#builtIn = new Set(builtIn ? BUILT_IN_IMAGE_HOSTS : []);
  }

  /** The verdict for an image URL. */
  verdict(url: URL): ImageHostVerdict {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { allowed: false };
    if (this.#configured.has(url.host)) return { allowed: true, trusted: true };
    const learned = this.#learned.get(url.host);
    if (learned !== undefined) return { allowed: true, trusted: learned };
    return this.#builtIn.has(url.host) ? { allowed: true, trusted: false } : { allowed: false };
  }

  /**
   * Remembers the hosts an answer names (each entry read once, at most 4 MiB of it).
   * `trusted`: the answer came from a configured mirror, whose image URLs may be local.
   */
  learnFrom(entry: CachedEntry, trusted: boolean): void {
    if (entry.size > MAX_SCANNED_BYTES || entry.mimeType?.startsWith('image/') === true) return;
    const seen = `${entry.checksum}:${trusted}`;
    if (this.#scanned.has(seen)) return;
    if (this.#scanned.size >= MAX_SCANNED_ENTRIES) this.#scanned.clear();
    this.#scanned.add(seen);
    for (const match of entry.data.toString('latin1').matchAll(URL_HOST)) {
      if (this.#learned.size >= MAX_LEARNED_HOSTS) return;
      let host: string;
      try {
        host = new URL(`http://${match[1]!}`).host;
      } catch {
        continue;
      }
      if (this.#learned.get(host) !== true) this.#learned.set(host, trusted);
    }
  }
}

/**
 * Checks the `imageHosts` option: host names or IP addresses, each optionally with a port
 * (`images.lan:8080`), without scheme, path or wildcard.
 */
export function validateImageHosts(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidArgumentError(`imageHosts must be a list of host names, got ${describeValue(value)}.`);
  return value.map((item: unknown, index) => {
    const host = requireString(`imageHosts[${index}]`, item, { maxLength: 261 }).trim().toLowerCase();
    if (parseHostHeader(host) === null) {
      throw new InvalidArgumentError(`imageHosts[${index}] must be a host name such as images.example.org (optionally with :port; no scheme, path or wildcard), got ${JSON.stringify(host.slice(0, 100))}.`);
    }
    return host;
  });
}
