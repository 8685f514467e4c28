import { DataCacheError } from '../errors.js';
import { redactText, redactUrl } from '../redaction.js';

/**
 * Why a download failed, with what a caller needs to decide what to do next: whether trying
 * again can help (`retryable`), and how long the origin asked us to wait (`retryAfterMs`).
 * The URL and the message are redacted (API keys and tokens replaced by `<redacted>`):
 * applications log these errors as they are.
 */
export abstract class DownloadError extends DataCacheError {
  abstract readonly retryable: boolean;
  readonly url: string;

  constructor(code: string, url: string, message: string, options?: { cause?: unknown }) {
    super(code, redactText(message), options);
    this.url = redactUrl(url);
  }
}

/** The origin answered with a status we do not treat as content: 4xx (final, but for 408 and 429) or 5xx (retryable). */
export class HttpStatusError extends DownloadError {
  readonly status: number;
  readonly retryable: boolean;
  /** From Retry-After, when the origin sent one we could read. */
  readonly retryAfterMs: number | undefined;

  constructor(url: string, status: number, retryAfterMs: number | undefined) {
    super('ERR_DATACACHE_HTTP_STATUS', url, `${url} answered HTTP ${status}`);
    this.status = status;
    this.retryAfterMs = retryAfterMs;
    this.retryable = status >= 500 || status === 408 || status === 429;
  }
}

/** The connection failed: refused, reset, cut mid-body, a DNS failure. Worth another try. */
export class NetworkError extends DownloadError {
  readonly retryable = true;

  constructor(url: string, cause: unknown) {
    super('ERR_DATACACHE_NETWORK', url, `${url} could not be fetched: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** No complete answer within the timeout. Worth another try. */
export class DownloadTimeoutError extends DownloadError {
  readonly retryable = true;

  constructor(url: string, timeoutMs: number) {
    super('ERR_DATACACHE_TIMEOUT', url, `${url} did not answer completely within ${timeoutMs} ms`);
  }
}

/** The body was larger than `maxBytes`; the download was stopped and nothing kept. */
export class ResponseTooLargeError extends DownloadError {
  readonly retryable = false;

  constructor(url: string, maxBytes: number) {
    super('ERR_DATACACHE_TOO_LARGE', url, `${url} sent more than maxBytes (${maxBytes} bytes); nothing was kept`);
  }
}

/** The body's SHA-256 differs from `expectedChecksum`; nothing was kept. */
export class ChecksumMismatchError extends DownloadError {
  readonly retryable = false;
  readonly expected: string;
  readonly actual: string;

  constructor(url: string, expected: string, actual: string) {
    super('ERR_DATACACHE_CHECKSUM_MISMATCH', url, `${url} sent content with SHA-256 ${actual}, not the expected ${expected}; nothing was kept`);
    this.expected = expected;
    this.actual = actual;
  }
}

/** The body is not what its data type must hold: an image type got no image (an HTML error page served with 200, say). */
export class UnexpectedContentError extends DownloadError {
  readonly retryable = false;
  readonly contentType: string | undefined;

  constructor(url: string, dataType: string, contentType: string | undefined) {
    super(
      'ERR_DATACACHE_NOT_AN_IMAGE',
      url,
      `${url} sent ${contentType ?? 'content'} that is not an image (PNG, JPEG, GIF, WebP, AVIF, BMP, ICO or SVG); a ${dataType} must be one. Nothing was stored`,
    );
    this.contentType = contentType;
  }
}

/**
 * A JSON type got a body that does not parse (a maintenance page, a cut-off answer). Nothing
 * is stored; worth another try later, and a stale copy is served meanwhile.
 */
export class InvalidJsonError extends DownloadError {
  readonly retryable = true;

  constructor(url: string, contentType: string | undefined, cause: unknown) {
    super('ERR_DATACACHE_INVALID_JSON', url, `${url} sent ${contentType ?? 'content'} that is not valid JSON; nothing was stored`, { cause });
  }
}

/** Redirects went on past the limit (a loop, usually). */
export class TooManyRedirectsError extends DownloadError {
  readonly retryable = false;

  constructor(url: string, maxRedirections: number) {
    super('ERR_DATACACHE_TOO_MANY_REDIRECTS', url, `${url} redirected more than ${maxRedirections} times`);
  }
}

/** The body came with a Content-Encoding datacache cannot undo (only gzip, deflate and br are). Nothing was kept. */
export class ContentEncodingError extends DownloadError {
  readonly retryable = false;

  constructor(url: string, contentEncoding: string) {
    super('ERR_DATACACHE_CONTENT_ENCODING', url, `${url} sent its body with Content-Encoding "${contentEncoding.slice(0, 100)}", which datacache cannot decode (gzip, deflate and br); nothing was kept`);
  }
}

/**
 * The request would have reached a private address (this machine, the local network,
 * link-local, reserved ranges) it is not allowed to: a URL from a third party's answer, or a
 * redirect from a public origin. See `allowPrivateAddresses`.
 */
export class PrivateAddressError extends DownloadError {
  readonly retryable = false;

  constructor(url: string, detail: string) {
    super(
      'ERR_DATACACHE_PRIVATE_ADDRESS',
      url,
      `${url} leads to a private address (${detail}); datacache does not follow a URL from a provider's answer, or a redirect from a public origin, into a private network. Pass allowPrivateAddresses: true if this one is meant`,
    );
  }
}

/** A redirect datacache will not follow: to a scheme other than http(s), or without a Location. */
export class RedirectRefusedError extends DownloadError {
  readonly retryable = false;

  constructor(url: string, reason: string) {
    super('ERR_DATACACHE_REDIRECT_REFUSED', url, `${url} redirected ${reason}; not followed`);
  }
}

/** A JSON body nested deeper than datacache parses (an attack on the parser, not an answer). Nothing was kept. */
export class JsonTooDeepError extends DownloadError {
  readonly retryable = false;

  constructor(url: string, maxDepth: number) {
    super('ERR_DATACACHE_JSON_TOO_DEEP', url, `${url} sent JSON nested more than ${maxDepth} levels deep; no provider answers like that, so it was not parsed or kept`);
  }
}
