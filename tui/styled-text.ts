import { escapeTags, printable, truncate } from './format.js';
import { textWidth } from './text-width.js';

/**
 * A piece of a line: plain text, or text with blessed styles (`'bold'`, `'red-fg'`, `'white-fg,red-bg'`).
 * Building lines from parts lets the renderer cut a line to the panel width by visible characters, which is
 * impossible once tags are mixed into the string.
 */
export type Part = string | readonly [text: string, style: string];

/**
 * Joins parts into one blessed-tagged line of at most `width` visible columns (escaped, control chars removed);
 * widths are terminal columns (tui/text-width.ts), so a wide character or emoji counts 2 and is never split.
 */
export function styled(parts: readonly Part[], width: number, unicode = true): string {
  let room = width;
  let out = '';
  for (const part of parts) {
    if (room <= 0) break;
    const [raw, style] = typeof part === 'string' ? [part, ''] : part;
    const text = truncate(printable(raw), room, unicode);
    room -= textWidth(text);
    if (text === '') continue;
    out += style ? wrapStyle(escapeTags(text), style) : escapeTags(text);
  }
  return out;
}

/** Visible width of parts in columns (what `styled` would print without a width limit). */
export function partsLength(parts: readonly Part[]): number {
  return parts.reduce((n, p) => n + textWidth(printable(typeof p === 'string' ? p : p[0])), 0);
}

/**
 * Left parts, then right parts pushed to the right edge; the left side is cut first when both do not fit, so
 * numbers on the right (percent, speed) stay readable.
 */
export function spread(left: readonly Part[], right: readonly Part[], width: number, unicode = true): string {
  const rightLength = Math.min(partsLength(right), width);
  const leftRoom = Math.max(0, width - rightLength - 1);
  const leftText = styled(left, leftRoom, unicode);
  const leftLength = Math.min(partsLength(left), leftRoom);
  const gap = Math.max(width - leftLength - rightLength, leftLength > 0 ? 1 : 0);
  return leftText + ' '.repeat(gap) + styled(right, width - leftLength - gap, unicode);
}

function wrapStyle(text: string, style: string): string {
  const tags = style
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return (
    tags.map((t) => `{${t}}`).join('') +
    text +
    [...tags]
      .reverse()
      .map((t) => `{/${t}}`)
      .join('')
  );
}
