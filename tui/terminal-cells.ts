/**
 * Hands blessed exactly one cell per terminal column, as tui/text-width.ts counts them, whatever the text.
 *
 * blessed cannot be trusted with anything but one-column characters. Without `fullUnicode` it prints wide
 * characters as `??`, surrogate pairs (emoji) as `?` and drops combining accents: a name like `数据.txt` shows as
 * `????.txt`. With `fullUnicode` its width tables (tui/README.md "Unicode") count emoji as one column while the
 * terminal draws two, put a ZWJ sequence or a flag in several cells, and its no-wrap cut counts UTF-16 units, so
 * rows shift or lose their end. So `fullUnicode` stays off and every character blessed would get wrong is handed to
 * it as one private-use code point per column it takes: the first stands for the whole grapheme cluster, the others
 * for nothing. Each of them is a narrow BMP character to blessed, so its layout, clipping and diffing are right; the
 * terminal output is translated back just before it is written (`decode`).
 */
import { createRequire } from 'node:module';
import { clusterWidth, graphemes } from './text-width.js';

/** The part of blessed's own width tables used to decide what it handles correctly by itself. */
interface BlessedUnicode {
  charWidth(point: number): number;
}
const blessedUnicode = createRequire(import.meta.url)('blessed/lib/unicode.js') as BlessedUnicode;

/** The BMP private use area: 6400 codes, none of which blessed treats specially. */
const FIRST_CODE = 0xe000;
const LAST_CODE = 0xf8ff;
const CODE = /[\ue000-\uf8ff]/g;
const SEVEN_BIT = /^[\x00-\x7f]*$/;

/** Whether blessed prints this one-code-unit cluster as one column by itself (most Latin, Greek, Cyrillic, box lines). */
function blessedNarrow(cluster: string): boolean {
  if (cluster.length !== 1) return false;
  const cp = cluster.charCodeAt(0);
  if (cp >= FIRST_CODE && cp <= LAST_CODE) return false;
  if (cp >= 0xd800 && cp <= 0xdfff) return false;
  return clusterWidth(cluster) === 1 && blessedUnicode.charWidth(cp) === 1;
}

export class TerminalCells {
  /** Output text of each code handed out ('' for a second column). */
  private readonly output = new Map<string, string>();
  /** The codes standing for each cluster. */
  private readonly codes = new Map<string, string>();
  private next = FIRST_CODE;
  private full = false;

  /** `unicode: false` (the locale is not UTF-8): any non-ASCII character shows as `?`, one per column it takes. */
  constructor(private readonly unicode: boolean) {}

  /** Text (blessed tags included) as blessed should be given it. */
  encode(text: string): string {
    if (SEVEN_BIT.test(text)) return text;
    let out = '';
    for (const cluster of graphemes(text)) {
      if (SEVEN_BIT.test(cluster) || (this.unicode && blessedNarrow(cluster))) out += cluster;
      else out += this.codesFor(cluster);
    }
    return out;
  }

  /** What blessed writes to the terminal, with every code turned back into its character. */
  decode(written: string): string {
    if (this.output.size === 0) return written;
    return written.replace(CODE, (code) => this.output.get(code) ?? code);
  }

  /**
   * True once the codes ran out during the frames since the last call: the caller `reset()`s, renders again, and
   * has blessed redraw every cell (a code now standing for another character must not be taken as unchanged).
   */
  ranOut(): boolean {
    const full = this.full;
    this.full = false;
    return full;
  }

  /** Forgets every code handed out. */
  reset(): void {
    this.output.clear();
    this.codes.clear();
    this.next = FIRST_CODE;
  }

  private codesFor(cluster: string): string {
    const width = clusterWidth(cluster);
    if (width === 0) return '';
    if (!this.unicode) return '?'.repeat(width);
    const known = this.codes.get(cluster);
    if (known !== undefined) return known;
    if (this.next + width - 1 > LAST_CODE) {
      this.full = true;
      return '?'.repeat(width);
    }
    let codes = '';
    for (let k = 0; k < width; k += 1) {
      const code = String.fromCharCode(this.next++);
      this.output.set(code, k === 0 ? cluster : '');
      codes += code;
    }
    this.codes.set(cluster, codes);
    return codes;
  }
}

/**
 * Whether the terminal's character set is UTF-8, from the locale as the C library reads it: the first of `LC_ALL`,
 * `LC_CTYPE`, `LANG` that is set decides (blessed's own guess accepts UTF-8 in any of them, even under `LC_ALL=C`).
 */
export function localeIsUtf8(env: NodeJS.ProcessEnv = process.env): boolean {
  const locale = env['LC_ALL'] || env['LC_CTYPE'] || env['LANG'] || '';
  return /utf-?8/i.test(locale);
}

/** The part of blessed's program that writes to the terminal. */
interface ProgramOutput {
  _owrite(text: string): unknown;
}

/** Makes blessed's terminal output go through `cells.decode` (every write goes through `_owrite`). */
export function decodeOutput(program: unknown, cells: TerminalCells): void {
  const p = program as ProgramOutput;
  const write = p._owrite.bind(p);
  p._owrite = (text: string) => write(typeof text === 'string' ? cells.decode(text) : text);
}
