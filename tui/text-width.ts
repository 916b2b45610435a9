/**
 * How many terminal columns text takes, counted by grapheme cluster (what a person sees as one character):
 * East Asian wide and fullwidth characters take 2, emoji take 2 (with their ZWJ sequences, skin tones, variation
 * selector 16, keycaps and flags), combining marks and joiners 0, everything else 1. Cutting and padding go by whole
 * clusters, so a surrogate pair, an accent or a ZWJ sequence is never split. Pure (no blessed): format.ts and the
 * panel text use it, and tui/terminal-cells.ts hands blessed one cell per column computed here.
 */

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Plain ASCII: one column per character, no segmentation needed (the common case, kept fast). */
const ASCII = /^[\x20-\x7e]*$/;

/** A cluster drawn as an emoji (2 columns): emoji presentation, or text presentation turned emoji by VS16 / keycap. */
const EMOJI = /\p{Emoji_Presentation}|\p{Extended_Pictographic}\uFE0F|\uFE0F\u20E3/u;

/** Code points that take no column of their own: marks, format characters (ZWJ, ZWSP), Hangul medial/final jamo. */
const ZERO = /^(?:\p{Mn}|\p{Me}|\p{Cf}|[\u1160-\u11ff\ud7b0-\ud7ff])$/u;

/**
 * East Asian Wide and Fullwidth ranges that are not emoji (those go by EMOJI above): Hangul jamo, CJK radicals,
 * kana, ideographs, Yi, Hangul syllables, compatibility ideographs and forms, fullwidth forms, Tangut, Kana
 * supplements, enclosed ideographic supplement, the supplementary ideographic planes.
 */
const WIDE: readonly (readonly [number, number])[] = [
  [0x1100, 0x115f],
  [0x2329, 0x232a],
  [0x2e80, 0x303e],
  [0x3041, 0x33ff],
  [0x3400, 0x4dbf],
  [0x4e00, 0x9fff],
  [0xa000, 0xa4cf],
  [0xa960, 0xa97f],
  [0xac00, 0xd7a3],
  [0xf900, 0xfaff],
  [0xfe10, 0xfe19],
  [0xfe30, 0xfe6f],
  [0xff00, 0xff60],
  [0xffe0, 0xffe6],
  [0x16fe0, 0x16fe4],
  [0x16ff0, 0x16ff1],
  [0x17000, 0x18cd5],
  [0x18d00, 0x18d08],
  [0x1aff0, 0x1b2fb],
  [0x1f200, 0x1f202],
  [0x1f210, 0x1f23b],
  [0x1f240, 0x1f248],
  [0x1f250, 0x1f251],
  [0x1f260, 0x1f265],
  [0x20000, 0x2fffd],
  [0x30000, 0x3fffd],
];

/** Whether a code point is East Asian Wide or Fullwidth (binary search over WIDE). */
export function isWideCodePoint(cp: number): boolean {
  let lo = 0;
  let hi = WIDE.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [from, to] = WIDE[mid]!;
    if (cp < from) hi = mid - 1;
    else if (cp > to) lo = mid + 1;
    else return true;
  }
  return false;
}

/** Columns of one code point on its own: 0, 1 or 2. */
export function codePointWidth(cp: number): number {
  if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0)) return 0;
  if (cp < 0x300) return 1;
  if (isWideCodePoint(cp)) return 2;
  if (ZERO.test(String.fromCodePoint(cp))) return 0;
  return 1;
}

/** Columns of one grapheme cluster. */
export function clusterWidth(cluster: string): number {
  if (cluster.length === 1) {
    const c = cluster.charCodeAt(0);
    if (c >= 0x20 && c < 0x7f) return 1;
  }
  if (EMOJI.test(cluster)) return 2;
  let width = 0;
  for (const ch of cluster) width += codePointWidth(ch.codePointAt(0)!);
  return width;
}

/** The grapheme clusters of `text`, in order. */
export function graphemes(text: string): string[] {
  if (ASCII.test(text)) return [...text];
  return Array.from(segmenter.segment(text), (s) => s.segment);
}

/** Columns `text` takes in a terminal. */
export function textWidth(text: string): number {
  if (ASCII.test(text)) return text.length;
  let width = 0;
  for (const { segment } of segmenter.segment(text)) width += clusterWidth(segment);
  return width;
}

/** The longest start of `text` made of whole clusters that fits in `width` columns. */
export function takeColumns(text: string, width: number): string {
  if (width <= 0) return '';
  if (ASCII.test(text)) return text.slice(0, width);
  let used = 0;
  let out = '';
  for (const { segment } of segmenter.segment(text)) {
    const w = clusterWidth(segment);
    if (used + w > width) break;
    used += w;
    out += segment;
  }
  return out;
}

/** What is left of `text` after its first `width` columns (a wide cluster straddling the edge goes with the rest). */
export function dropColumns(text: string, width: number): string {
  return text.slice(takeColumns(text, width).length);
}

/** Cuts `text` to at most `width` columns, ending with `mark` (e.g. `…`) when something was cut. */
export function truncateColumns(text: string, width: number, mark: string): string {
  if (width <= 0) return '';
  const total = textWidth(text);
  if (total <= width) return text;
  const markWidth = textWidth(mark);
  if (width <= markWidth) return takeColumns(text, width) || takeColumns(mark, width);
  return takeColumns(text, width - markWidth) + mark;
}

/** Spaces after `text` up to `width` columns. */
export function padEndColumns(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - textWidth(text)));
}

/** Spaces before `text` up to `width` columns. */
export function padStartColumns(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - textWidth(text))) + text;
}
