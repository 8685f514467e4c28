/**
 * Reads an SVG document's size from its root element, in one pass over the text that never
 * looks back: a hand tokeniser instead of regular expressions, because the prologue (comments,
 * processing instructions, a doctype with an internal subset) is exactly where a backtracking
 * pattern explodes. Sixty empty comments before a stray character froze the old pattern for
 * good; here every character is looked at a bounded number of times, whatever the input.
 *
 * The document counts as SVG only when its root element is `<svg>` (after an optional BOM, an
 * XML declaration, comments, processing instructions and a doctype, internal subset included,
 * as Adobe Illustrator writes it), so an HTML page with an inline SVG icon is not one.
 *
 * @example svgDimensions('<?xml version="1.0"?><svg width="120" height="40"/>') // { width: 120, height: 40 }
 */
export function svgDimensions(text: string): { width: number; height: number } | null {
  const start = skipProlog(text, text.charCodeAt(0) === 0xfeff ? 1 : 0);
  if (start < 0 || !text.startsWith('<svg', start) || !isTagNameEnd(text.charCodeAt(start + 4))) return null;
  const attributes = readAttributes(text, start + 4);
  if (attributes === null) return null;
  return sizeFrom(attributes);
}

/** Where the root element starts after the prolog, or -1 when the prolog is broken or unfinished. */
function skipProlog(text: string, from: number): number {
  let position = from;
  for (;;) {
    position = skipWhitespace(text, position);
    if (text.startsWith('<!--', position)) position = after(text, '-->', position + 4);
    else if (text.startsWith('<?', position)) position = after(text, '?>', position + 2);
    else if (startsWithIgnoringCase(text, '<!DOCTYPE', position)) position = skipDoctype(text, position + 9);
    else return position;
    if (position < 0) return -1;
  }
}

/**
 * Skips a doctype: quoted identifiers and an internal subset in brackets, whose declarations
 * may hold quoted `>` and `]`, comments and processing instructions.
 */
function skipDoctype(text: string, from: number): number {
  let position = from;
  let inSubset = false;
  while (position >= 0 && position < text.length) {
    const char = text[position];
    if (char === '"' || char === "'") position = after(text, char, position + 1);
    else if (inSubset && text.startsWith('<!--', position)) position = after(text, '-->', position + 4);
    else if (inSubset && text.startsWith('<?', position)) position = after(text, '?>', position + 2);
    else if (char === '[' && !inSubset) {
      inSubset = true;
      position++;
    } else if (char === ']' && inSubset) {
      inSubset = false;
      position++;
    } else if (char === '>' && !inSubset) return position + 1;
    else position++;
  }
  return -1;
}

/** The attributes of a start tag whose name ends at `from`, or null when the tag never closes. */
function readAttributes(text: string, from: number): Map<string, string> | null {
  const attributes = new Map<string, string>();
  let position = from;
  for (;;) {
    position = skipWhitespace(text, position);
    if (position >= text.length) return null;
    const char = text[position];
    if (char === '>' || text.startsWith('/>', position)) return attributes;
    const nameStart = position;
    while (position < text.length && !isNameEnd(text.charCodeAt(position))) position++;
    if (position === nameStart) return null; // a stray character where a name should be
    const name = text.slice(nameStart, position);
    position = skipWhitespace(text, position);
    if (text[position] !== '=') continue; // a bare attribute: no value
    position = skipWhitespace(text, position + 1);
    const quote = text[position];
    if (quote !== '"' && quote !== "'") return null;
    const valueEnd = text.indexOf(quote, position + 1);
    if (valueEnd < 0) return null;
    if (!attributes.has(name)) attributes.set(name, text.slice(position + 1, valueEnd));
    position = valueEnd + 1;
  }
}

/** Pixels per unit, as browsers count them (96 per inch). */
const PIXELS_PER_UNIT: Readonly<Record<string, number>> = {
  '': 1,
  px: 1,
  in: 96,
  cm: 96 / 2.54,
  mm: 96 / 25.4,
  m: 9600 / 2.54,
  pt: 96 / 72,
  pc: 16,
  em: 16,
  ex: 8,
};

// No nested quantifiers: it cannot backtrack more than linearly.
const LENGTH = /^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(px|in|cm|mm|m|pt|pc|em|ex)?\s*$/i;

/** A length in pixels, or undefined for a percentage, `auto` or anything unreadable. */
function pixels(value: string | undefined): number | undefined {
  if (value === undefined || value.length > 64) return undefined;
  const match = LENGTH.exec(value);
  if (match === null) return undefined;
  const result = Math.round(Number(match[1]) * PIXELS_PER_UNIT[(match[2] ?? '').toLowerCase()]!);
  return Number.isFinite(result) && result > 0 ? result : undefined;
}

/** Width and height from the attributes, else completed from the viewBox's proportions. */
function sizeFrom(attributes: Map<string, string>): { width: number; height: number } | null {
  const width = pixels(attributes.get('width'));
  const height = pixels(attributes.get('height'));
  if (width !== undefined && height !== undefined) return { width, height };
  const box = (attributes.get('viewBox') ?? '').trim().split(/[\s,]+/);
  const boxWidth = box.length === 4 ? Number(box[2]) : NaN;
  const boxHeight = box.length === 4 ? Number(box[3]) : NaN;
  if (!(boxWidth > 0 && boxHeight > 0 && Number.isFinite(boxWidth) && Number.isFinite(boxHeight))) return null;
  const ratio = boxWidth / boxHeight;
  if (width !== undefined) return { width, height: Math.max(1, Math.floor(width / ratio)) };
  if (height !== undefined) return { width: Math.max(1, Math.floor(height * ratio)), height };
  return { width: Math.max(1, Math.round(boxWidth)), height: Math.max(1, Math.round(boxHeight)) };
}

function skipWhitespace(text: string, from: number): number {
  let position = from;
  while (position < text.length && isWhitespace(text.charCodeAt(position))) position++;
  return position;
}

/** The position just past the next `token` at or after `from`, or -1 when there is none. */
function after(text: string, token: string, from: number): number {
  const found = text.indexOf(token, from);
  return found < 0 ? -1 : found + token.length;
}

function startsWithIgnoringCase(text: string, token: string, at: number): boolean {
  return text.slice(at, at + token.length).toUpperCase() === token;
}

function isWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function isTagNameEnd(code: number): boolean {
  return isWhitespace(code) || code === 0x3e /* > */ || code === 0x2f /* / */;
}

function isNameEnd(code: number): boolean {
  return isTagNameEnd(code) || code === 0x3d /* = */ || Number.isNaN(code);
}
