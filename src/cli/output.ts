/** Plain text output: what may reach a terminal, and aligned tables (sizes and times are formatted by ../format.ts). */

/**
 * C0 controls but tab and newline, DEL, and C1 controls. ESC (and C1's CSI) start the escape
 * sequences that set a window's title, clear the screen or rewrite what was printed; without
 * them a hostile artist name is only odd text.
 */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL_CHARACTERS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/gu;

/** `text` with every control character a terminal would act on taken out (see CONTROL_CHARACTERS). */
export function plainText(text: string): string {
  return text.replace(CONTROL_CHARACTERS, '');
}

/** A body's text when it is UTF-8 without NUL bytes (what a terminal can show), else null: binary. */
export function textOf(body: Uint8Array): string | null {
  if (body.includes(0)) return null;
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch {
    return null;
  }
}

/** Rows as aligned columns under a header line; cells are cut at 60 characters, but for the last, which is never padded. */
export function formatTable(headers: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const last = headers.length - 1;
  const cells = [headers, ...rows].map((row) => row.map((cell, column) => oneLine(String(cell), column === last ? Infinity : 60)));
  const widths = headers.map((_header, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  return cells.map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ').trimEnd()).join('\n');
}

/** Measured as it will be shown: controls out, white space folded, cut at `width`. */
function oneLine(text: string, width: number): string {
  const folded = plainText(text).replace(/\s+/g, ' ');
  return folded.length > width ? `${folded.slice(0, width - 1)}…` : folded;
}
