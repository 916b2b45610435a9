import { Bitfield } from '../content/bitfield.js';

/**
 * What a source still downloading says it holds (docs/PROTOCOL.md "Swarming"): the bitfield in its offer and the
 * pieces of its later `have`s, checked against the offer's piece count. Anything malformed is a reason to decline.
 */
export function encodeHave(have: Bitfield): string {
  return Buffer.from(have.bytes).toString('base64');
}

/** The offer's `have` as a bitfield of `count` pieces, or why it is not one (wrong length, bits past the end). */
export function decodeHave(text: string, count: number): Bitfield | string {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.toString('base64') !== text) return 'its have bitfield is not plain base64';
  const want = Bitfield.byteLength(count);
  if (bytes.length !== want) return `its have bitfield has ${bytes.length} bytes, not ${want} for ${count} pieces`;
  const spare = want * 8 - count;
  if (spare > 0 && (bytes[want - 1]! & ~(0xff >> spare) & 0xff) !== 0)
    return 'its have bitfield sets bits past the last piece';
  return new Bitfield(count, bytes);
}

/** Why a `have` naming these pieces cannot be taken for a file of `count` pieces, or undefined. */
export function haveProblem(pieces: readonly number[], count: number): string | undefined {
  const bad = pieces.find((p) => p >= count);
  return bad === undefined ? undefined : `announced piece ${bad}, beyond the last (${count - 1})`;
}
