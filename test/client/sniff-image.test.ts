import { describe, expect, it } from 'vitest';
import { sniffImage } from '../../src/client/sniff-image.js';
import { gif, htmlErrorPage, jpeg, png, svg, webp } from '../helpers/images.js';

describe('sniffImage', () => {
  it('recognises each accepted format, with its MIME type and size', () => {
    expect(sniffImage(png(64, 48))).toEqual({ format: 'png', mimeType: 'image/png', width: 64, height: 48 });
    expect(sniffImage(jpeg(640, 360))).toEqual({ format: 'jpg', mimeType: 'image/jpeg', width: 640, height: 360 });
    expect(sniffImage(webp(300, 200))).toEqual({ format: 'webp', mimeType: 'image/webp', width: 300, height: 200 });
    expect(sniffImage(gif(10, 20))).toEqual({ format: 'gif', mimeType: 'image/gif', width: 10, height: 20 });
    expect(sniffImage(svg(120, 40))).toEqual({ format: 'svg', mimeType: 'image/svg+xml', width: 120, height: 40 });
  });

  it('refuses an HTML error page (even one with an inline SVG icon), JSON, text and empty bodies', () => {
    expect(sniffImage(htmlErrorPage)).toBeNull();
    expect(sniffImage(Buffer.from('{"error":"not found"}'))).toBeNull();
    expect(sniffImage(Buffer.from('Service Unavailable'))).toBeNull();
    expect(sniffImage(Buffer.alloc(0))).toBeNull();
  });

  it('refuses a truncated header', () => {
    expect(sniffImage(png(64, 48).subarray(0, 12))).toBeNull();
  });
});
