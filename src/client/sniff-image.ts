import { imageSize } from 'image-size';

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
 * What image the bytes hold, read from their header (nothing is decoded), or null when they
 * are not one of the accepted formats: an HTML error page served with status 200, say. An SVG
 * counts only when the document itself is an `<svg>` (after an XML declaration, comments or a
 * doctype), so an HTML page with an inline SVG icon is not mistaken for one.
 *
 * @example sniffImage(pngBytes) // { format: 'png', mimeType: 'image/png', width: 640, height: 360 }
 */
export function sniffImage(data: Uint8Array): SniffedImage | null {
  let detected: { type?: string; width?: number; height?: number };
  try {
    detected = imageSize(data);
  } catch {
    return null;
  }
  const format = detected.type;
  if (format === undefined || !(format in ACCEPTED_IMAGE_FORMATS)) return null;
  if (format === 'svg' && !startsAsSvgDocument(data)) return null;
  if (!detected.width || !detected.height) return null;
  return { format, mimeType: ACCEPTED_IMAGE_FORMATS[format]!, width: detected.width, height: detected.height };
}

const SVG_PROLOGUE = /^(?:\uFEFF)?(?:\s|<\?xml[^>]*\?>|<!--[\s\S]*?-->|<!DOCTYPE[^>]*>)*<svg[\s>]/i;

function startsAsSvgDocument(data: Uint8Array): boolean {
  return SVG_PROLOGUE.test(Buffer.from(data.buffer, data.byteOffset, Math.min(data.byteLength, 4096)).toString('utf8'));
}
