/** How deep a JSON answer may nest. Provider answers nest about ten levels (a MusicBrainz release with its tracks and their artists). */
export const MAX_JSON_DEPTH = 64;

/**
 * Follows the nesting of JSON text as its bytes arrive, so that an answer nested deeper than
 * `maxDepth` is refused before anything parses it: `JSON.parse` of 25 MB of `[[[…]]]` held the
 * event loop for 38 s. The bytes are looked at once, chunk by chunk while they stream in, so
 * the check costs no pause of its own. Strings are skipped (a `[` inside one is text).
 *
 * @example
 * const depth = new JsonDepthTracker(64);
 * depth.add(Buffer.from('{"a":[1,[2]]}')); // depth.deepest === 3
 */
export class JsonDepthTracker {
  /** The deepest nesting seen so far. */
  deepest = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;

  constructor(private readonly maxDepth: number) {}

  /** Reads the next bytes; returns false as soon as the nesting passes `maxDepth`. */
  add(chunk: Uint8Array): boolean {
    let { depth, inString, escaped } = this;
    for (let index = 0; index < chunk.length; index++) {
      const byte = chunk[index];
      if (inString) {
        if (escaped) escaped = false;
        else if (byte === 0x5c /* \ */) escaped = true;
        else if (byte === 0x22 /* " */) inString = false;
      } else if (byte === 0x22) inString = true;
      else if (byte === 0x5b /* [ */ || byte === 0x7b /* { */) {
        depth++;
        if (depth > this.deepest) {
          this.deepest = depth;
          if (depth > this.maxDepth) return false;
        }
      } else if (byte === 0x5d /* ] */ || byte === 0x7d /* } */) depth--;
    }
    this.depth = depth;
    this.inString = inString;
    this.escaped = escaped;
    return true;
  }
}
