import { createHash } from 'node:crypto';
import { pipeline, Transform, type Readable } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate, createInflateRaw } from 'node:zlib';
import { ContentEncodingError, ResponseTooLargeError } from './http-errors.js';

export interface BodyReadOptions {
  url: string;
  /** The body is abandoned past this many bytes, counted after decoding (a gzip bomb stops here). */
  maxBytes: number;
  /** Content-Length, when the origin sent one; lets an unencoded body go straight into one buffer. */
  declaredLength: number | undefined;
  /** The Content-Encoding header, as sent. */
  contentEncoding: string | undefined;
  /** Sees each decoded chunk as it arrives; what it throws stops the download. */
  onChunk?: (chunk: Buffer) => void;
}

export interface ReadBody {
  body: Buffer;
  /** Lower-case hex SHA-256 of the decoded body, computed as it arrived. */
  sha256: string;
}

/**
 * Reads a response body: decoded from gzip, deflate or brotli when the origin compressed it
 * (zlib runs on the thread pool), counted against `maxBytes` after decoding, hashed on the way
 * in, one chunk at a time. An unencoded body of known length is copied chunk by chunk into one
 * buffer of that length, so no whole-body copy happens at the end (a 25 MB image used to be
 * concatenated, then copied again, on the event loop).
 */
export async function readBody(source: Readable, options: BodyReadOptions): Promise<ReadBody> {
  const decoders = decodersFor(options.contentEncoding, options.url);
  const stream: Readable = decoders.length === 0 ? source : (pipeline([source, ...decoders], () => undefined) as unknown as Readable);
  const hash = createHash('sha256');
  const known = decoders.length === 0 && options.declaredLength !== undefined && options.declaredLength <= options.maxBytes ? options.declaredLength : undefined;
  let whole = known === undefined ? undefined : Buffer.allocUnsafe(known);
  const chunks: Buffer[] = [];
  let received = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      if (received + chunk.length > options.maxBytes) throw new ResponseTooLargeError(options.url, options.maxBytes);
      options.onChunk?.(chunk);
      hash.update(chunk);
      if (whole !== undefined && received + chunk.length <= whole.length) chunk.copy(whole, received);
      else {
        // More than the origin declared: keep what arrived as chunks from here on.
        if (whole !== undefined) chunks.push(whole.subarray(0, received));
        whole = undefined;
        chunks.push(chunk);
      }
      received += chunk.length;
    }
  } finally {
    // Leaving early (too large, a check that failed) must close the connection and the decoders.
    if (!source.readableEnded) source.destroy();
    if (stream !== source && !stream.readableEnded) stream.destroy();
  }
  const body = whole !== undefined ? whole.subarray(0, received) : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, received);
  return { body, sha256: hash.digest('hex') };
}

/** The decoders for a Content-Encoding header, in the order to apply them (the last coding applied is undone first). */
function decodersFor(header: string | undefined, url: string): Transform[] {
  if (header === undefined) return [];
  const codings = header
    .split(',')
    .map((coding) => coding.trim().toLowerCase())
    .filter((coding) => coding !== '' && coding !== 'identity');
  if (codings.length > 3) throw new ContentEncodingError(url, header);
  return codings.reverse().map((coding) => {
    switch (coding) {
      case 'gzip':
      case 'x-gzip':
        return createGunzip();
      case 'br':
        return createBrotliDecompress();
      case 'deflate':
        return deflateDecoder();
      default:
        throw new ContentEncodingError(url, header);
    }
  });
}

/**
 * "deflate" is meant to be zlib-wrapped, but some servers send raw deflate: the first byte
 * tells (a zlib header's low nibble is 8).
 */
function deflateDecoder(): Transform {
  let inner: Transform | undefined;
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (inner === undefined) {
        inner = (chunk[0]! & 0x0f) === 8 ? createInflate() : createInflateRaw();
        inner.on('data', (data: Buffer) => this.push(data));
        inner.on('error', (error) => { this.destroy(error); });
      }
      inner.write(chunk, callback);
    },
    flush(callback) {
      if (inner === undefined) {
        callback();
        return;
      }
      inner.once('end', () => { callback(); });
      inner.end();
    },
  });
}
