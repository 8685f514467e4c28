import fc from 'fast-check';
import { imageSize } from 'image-size';
import { describe, expect, it } from 'vitest';
import { SNIFF_PREFIX_BYTES, sniffImage } from '../../src/client/sniff-image.js';
import { gif, htmlErrorPage, jpeg, png, svg, webp } from '../helpers/images.js';

/** CPU time one call takes, in ms: unlike the wall clock, another busy process does not inflate it. */
function cpuMilliseconds(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return (used.user + used.system) / 1000;
}

const SVG_ROOT = '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>';

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
    expect(sniffImage(Buffer.from('<'))).toBeNull();
    expect(sniffImage(Buffer.from([0x89]))).toBeNull();
  });

  it('refuses a truncated header', () => {
    expect(sniffImage(png(64, 48).subarray(0, 12))).toBeNull();
    expect(sniffImage(Buffer.from('<svg width="10" height="10"'))).toBeNull();
  });

  it('answers at once for the prologue that froze the old pattern: empty comments, then a stray character before <svg>', () => {
    // 26 comments took seconds and 60 never ended (exponential backtracking).
    const poisoned = Buffer.from(`${'<!---->'.repeat(60)}X${SVG_ROOT}`);
    let result: unknown;
    expect(cpuMilliseconds(() => { result = sniffImage(poisoned); })).toBeLessThan(1000);
    expect(result).toBeNull();
    // Linear: 100,000 comments before a real root element are read, and accepted.
    const longProlog = Buffer.from(`<?xml version="1.0"?>${'<!-- c -->'.repeat(100_000)}${SVG_ROOT}`);
    expect(sniffImage(longProlog)).toEqual({ format: 'svg', mimeType: 'image/svg+xml', width: 1, height: 1 });
  });

  it('accepts a doctype with an internal subset, as Adobe Illustrator writes it', () => {
    const illustrator = Buffer.from(`<?xml version="1.0" encoding="utf-8"?>
<!-- Generator: Adobe Illustrator 16.0.0, SVG Export Plug-In . SVG Version: 6.00 Build 0)  -->
<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd" [
	<!ENTITY ns_extend "http://ns.adobe.com/Extensibility/1.0/">
	<!ENTITY ns_ai "http://ns.adobe.com/AdobeIllustrator/10.0/">
	<!ENTITY quoted "a > b ] c">
	<!-- a comment with ] and > inside -->
]>
<svg version="1.1" id="Layer_1" xmlns="http://www.w3.org/2000/svg" x="0px" y="0px" width="595.28px" height="841.89px" viewBox="0 0 595.28 841.89"><path d="M0 0"/></svg>`);
    expect(sniffImage(illustrator)).toEqual({ format: 'svg', mimeType: 'image/svg+xml', width: 595, height: 842 });
  });

  it('takes the size from the viewBox when width or height is missing or a percentage, in the proportions of the box', () => {
    expect(sniffImage(Buffer.from('<svg viewBox="0 0 300 150"/>'))).toMatchObject({ width: 300, height: 150 });
    expect(sniffImage(Buffer.from('<svg width="600" viewBox="0 0 300 150"/>'))).toMatchObject({ width: 600, height: 300 });
    expect(sniffImage(Buffer.from('<svg width="100%" height="100%" viewBox="0,0,40,20"/>'))).toMatchObject({ width: 40, height: 20 });
    expect(sniffImage(Buffer.from('<svg width="1in" height="2cm"/>'))).toMatchObject({ width: 96, height: 76 });
    expect(sniffImage(Buffer.from('<svg width="100%" height="100%"/>'))).toBeNull();
  });

  it('reads only the first MiB: a 25 MB image costs what its header does, and a root element past the first MiB is not looked for', () => {
    const big = Buffer.alloc(25 * 1024 * 1024, 7);
    png(64, 48).copy(big);
    expect(sniffImage(big)).toMatchObject({ format: 'png', width: 64, height: 48 });
    const lateRoot = Buffer.from(`${'<!-- -->'.repeat(SNIFF_PREFIX_BYTES / 8)}${SVG_ROOT}`);
    expect(sniffImage(lateRoot)).toBeNull();
  });

  it('agrees with image-size on the size of ordinary SVG documents', () => {
    const length = fc.oneof(fc.integer({ min: 1, max: 5000 }).map(String), fc.tuple(fc.integer({ min: 1, max: 500 }), fc.constantFrom('px', 'pt', 'mm', 'in')).map(([value, unit]) => `${value}${unit}`));
    fc.assert(
      fc.property(length, length, fc.constantFrom('', '<?xml version="1.0"?>\n', '<!-- logo -->\n', '<!DOCTYPE svg>\n'), (width, height, prolog) => {
        const document = Buffer.from(`${prolog}<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><g/></svg>`);
        const expected = imageSize(document);
        expect(sniffImage(document)).toEqual({ format: 'svg', mimeType: 'image/svg+xml', width: expected.width, height: expected.height });
      }),
      { numRuns: 300 },
    );
  });

  it('never throws and never takes long, whatever the bytes: random bytes and prologues built from the pieces that break parsers', () => {
    const piece = fc.constantFrom('<!--', '-->', '<!---->', '<?', '?>', '<?xml version="1.0"?>', '<!DOCTYPE svg', '[', ']', '>', '<', '"', "'", ' ', '\n', 'X', '<svg', '<svg ', ' width="1"', ' height="2"', '/>', '<!ENTITY a "b">', '=', '\uFEFF');
    const prologue = fc.array(piece, { maxLength: 400 }).map((pieces) => Buffer.from(pieces.join('')));
    const repeated = fc.tuple(piece, fc.integer({ min: 1, max: 20_000 }), fc.constantFrom(SVG_ROOT, '', 'X')).map(([unit, times, tail]) => Buffer.from(unit.repeat(times) + tail));
    const bytes = fc.uint8Array({ maxLength: 4096 });
    let slowest = 0;
    fc.assert(
      fc.property(fc.oneof(prologue, repeated, bytes), (body) => {
        let result: ReturnType<typeof sniffImage> = null;
        slowest = Math.max(slowest, cpuMilliseconds(() => { result = sniffImage(body); }));
        const sniffed = result as ReturnType<typeof sniffImage>;
        if (sniffed !== null) expect(sniffed.width > 0 && sniffed.height > 0).toBe(true);
      }),
      { numRuns: 1500 },
    );
    // A budget per input: backtracking turns milliseconds into minutes, so a wide margin still tells.
    expect(slowest).toBeLessThan(500);
  });
});
