/**
 * A cheap look at a JSON body before it is parsed: how deeply it nests. One pass over the bytes, stopping at the
 * first byte past the limit, so a body of 100 000 `[` is refused in microseconds instead of being handed to
 * `JSON.parse` (docs/SECURITY.md "Limits"). Sizes are bounded before this, by the frame limit.
 */

/** Deepest nesting of arrays and objects a message may have; the deepest message on the wire needs 4. */
export const MAX_JSON_DEPTH = 16;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/** True when the JSON text in `body` never nests arrays and objects deeper than `max` (strings are skipped). */
export function nestsWithin(body: Buffer, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      if (++depth > max) return false;
    } else if (c === CLOSE_ARRAY || c === CLOSE_OBJECT) depth--;
  }
  return true;
}
