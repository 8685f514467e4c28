/**
 * A small PNG encoder for the example, the tests and the benchmarks (not part of the library):
 * real, decodable files made on the spot, since no image encoder is installed.
 */
import { randomBytes } from 'node:crypto';
import { deflateSync } from 'node:zlib';

/** An 8-bit RGB PNG whose pixel at (x, y) is `pixel(x, y)`. */
export function encodePng(width: number, height: number, pixel: (x: number, y: number) => readonly [number, number, number]): Buffer {
  const rowLength = width * 3 + 1; // each row starts with filter type 0
  const rows = Buffer.alloc(rowLength * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) rows.set(pixel(x, y), y * rowLength + 1 + x * 3);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8 bits per channel, truecolour
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

/** A PNG of `tint` with noise in every channel, so it does not compress away (about 3 bytes a pixel). */
export function noisyPng(width: number, height: number, [red, green, blue]: readonly number[] = [255, 255, 255]): Buffer {
  const noise = randomBytes(width * height * 3);
  return encodePng(width, height, (x, y) => {
    const at = (y * width + x) * 3;
    return [Math.round((red! * noise[at]!) / 255), Math.round((green! * noise[at + 1]!) / 255), Math.round((blue! * noise[at + 2]!) / 255)];
  });
}

function chunk(type: string, data: Buffer): Buffer {
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
