import { encodePng } from '../../support/png.js';
import sharp from 'sharp';

/**
 * Small image files made in the tests. The PNG is a complete, decodable file (support/png.ts);
 * the others are the headers each format starts with (what sniffing reads), and filler bytes.
 */
export function png(width: number, height: number): Buffer {
  return encodePng(width, height, () => [128, 128, 128]);
}

export function jpeg(width: number, height: number): Buffer {
  const sof = Buffer.from([0xff, 0xc0, 0x00, 0x11, 0x08, height >> 8, height & 0xff, width >> 8, width & 0xff, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01]);
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]), Buffer.from('JFIF\0\x01\x01\0\0\x01\0\x01\0\0', 'latin1'), sof, Buffer.alloc(64), Buffer.from([0xff, 0xd9])]);
}

export function webp(width: number, height: number): Buffer {
  // Lossless (VP8L): 14 bits each for width - 1 and height - 1.
  const bits = (width - 1) | ((height - 1) << 14);
  const payload = Buffer.from([0x2f, bits & 0xff, (bits >> 8) & 0xff, (bits >> 16) & 0xff, (bits >> 24) & 0xff, 0, 0, 0]);
  const vp8l = Buffer.concat([Buffer.from('VP8L'), u32le(payload.length), payload]);
  return Buffer.concat([Buffer.from('RIFF'), u32le(4 + vp8l.length), Buffer.from('WEBP'), vp8l]);
}

export function gif(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.write('GIF89a', 0, 'latin1');
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  return Buffer.concat([header, Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b])]);
}

export function svg(width: number, height: number): Buffer {
  return Buffer.from(`<?xml version="1.0"?>\n<!-- a logo -->\n<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect width="1" height="1"/></svg>`);
}

export const htmlErrorPage = Buffer.from(
  '<!doctype html><html><head><title>502 Bad Gateway</title></head><body><svg width="16" height="16"></svg><h1>Bad Gateway</h1></body></html>',
);

function u32le(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value >>> 0);
  return buffer;
}

/**
 * A complete image file of `format`, encoded by sharp (libvips), with a noisy pattern so that
 * every call with a different `seed` gives different bytes.
 */
export async function encodedImage(format: 'png' | 'jpeg' | 'webp' | 'gif' | 'avif', width: number, height: number, seed = 0): Promise<Buffer> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let index = 0; index < pixels.length; index++) pixels[index] = (index * 31 + seed * 97) & 0xff;
  return sharp(pixels, { raw: { width, height, channels: 3 } }).toFormat(format).toBuffer();
}

/** A BMP header (BITMAPINFOHEADER) and a row of filler pixels. */
export function bmp(width: number, height: number): Buffer {
  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + 64, 2);
  header.writeUInt32LE(54, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(24, 28);
  return Buffer.concat([header, Buffer.alloc(64, 0x80)]);
}
