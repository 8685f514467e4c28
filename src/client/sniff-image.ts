import { imageSize } from 'image-size';
import { svgDimensions } from './svg-dimensions.js';

/** The image formats the image types accept, by what image-size calls them, with their MIME type. */
export const ACCEPTED_IMAGE_FORMATS: Readonly<Record<string, string>> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  bmp: 'image/bmp',
  ico: 'image/x-icon',
  svg: 'image/svg+xml',
};

export interface SniffedImage {
  format: string;
  mimeType: string;
  width: number;
  height: number;
}

/**
 * How much of a body is looked at. Every accepted format states its size near the start (a
 * JPEG after its metadata segments, which a camera keeps well under this), and a bound on the
 * input is a bound on the time: a 25 MB body costs what 1 MiB does.
 */
export const SNIFF_PREFIX_BYTES = 1024 * 1024;

/**
 * What image the bytes hold, read from their header (nothing is decoded), or null when they
 * are not one of the accepted formats: an HTML error page served with status 200, say. Only
 * the first SNIFF_PREFIX_BYTES are read, in time linear in them whatever they hold. An SVG
 * counts only when the document itself is an `<svg>` (after an XML declaration, comments,
 * processing instructions or a doctype, internal subset included), so an HTML page with an
 * inline SVG icon is not mistaken for one.
 *
 * @example sniffImage(pngBytes) // { format: 'png', mimeType: 'image/png', width: 640, height: 360 }
 */
export function sniffImage(data: Uint8Array): SniffedImage | null {
  const prefix = data.subarray(0, SNIFF_PREFIX_BYTES);
  if (looksLikeText(prefix)) {
    const size = svgDimensions(Buffer.from(prefix.buffer, prefix.byteOffset, prefix.byteLength).toString('utf8'));
    return size === null ? null : { format: 'svg', mimeType: ACCEPTED_IMAGE_FORMATS.svg!, ...size };
  }
  if (!hasBinaryImageSignature(prefix)) return null;
  let detected: { type?: string; width?: number; height?: number };
  try {
    detected = imageSize(prefix);
  } catch {
    return null;
  }
  const format = detected.type;
  if (format === undefined || format === 'svg' || !(format in ACCEPTED_IMAGE_FORMATS)) return null;
  if (!detected.width || !detected.height) return null;
  return { format, mimeType: ACCEPTED_IMAGE_FORMATS[format]!, width: detected.width, height: detected.height };
}

/** An SVG starts with `<`, white space or a byte-order mark; no binary format does. */
function looksLikeText(bytes: Uint8Array): boolean {
  const first = bytes[0];
  return first === 0x3c || first === 0x20 || first === 0x09 || first === 0x0a || first === 0x0d || (first === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf);
}

/**
 * The signatures of the accepted binary formats. Checked before image-size, so it only ever
 * parses what claims to be one of them (and never reaches its SVG pattern, or its scan of
 * every other format it knows).
 */
function hasBinaryImageSignature(bytes: Uint8Array): boolean {
  const ascii = (from: number, to: number): string =>
    to > bytes.byteLength ? '' : Buffer.from(bytes.buffer, bytes.byteOffset + from, to - from).toString('latin1');
  return (
    (bytes[0] === 0x89 && ascii(1, 4) === 'PNG') ||
    (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) ||
    ascii(0, 4) === 'GIF8' ||
    (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') ||
    ascii(4, 8) === 'ftyp' ||
    ascii(0, 2) === 'BM' ||
    (bytes[0] === 0 && bytes[1] === 0 && bytes[2] === 1 && bytes[3] === 0)
  );
}
