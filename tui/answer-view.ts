import type { LogLine } from './feeders/log-feeder.js';
import type { Rect } from './layout.js';
import { keyedRows, lineRows } from './log-view.js';
import type { ScrollState } from './scroll-state.js';
import { styled } from './styled-text.js';

/**
 * A long answer (`help`, `list`, `find`, `where`, `files`, or the welcome) in a view of its own, over the panels: its
 * first line (the answer's header) always on top, the rest scrolled under it, and a last line saying where the view
 * is and how to move and close it. Pure: the dashboard owns the widget and the scroll position.
 */

export interface AnswerContent {
  /** The view's label (`help`, `list`, `find notes`, `welcome`). */
  title: string;
  /** The answer's lines as logged; the first is its header. */
  lines: readonly LogLine[];
}

/** The view's height with its border for `content` in `width` columns: just enough, or `maxHeight`. */
export function answerBoxHeight(content: AnswerContent, width: number, maxHeight: number, unicode: boolean): number {
  const inner = Math.max(1, width - 2);
  const rows = content.lines.reduce((n, line) => n + lineRows(line, inner, unicode, false).length, 0);
  return Math.min(maxHeight, rows + 1 + 2);
}

/** The view's inner rows: header, the body rows scrolled to, blank rows if any, and the footer. */
export function answerLines(
  content: AnswerContent,
  width: number,
  height: number,
  scroll: ScrollState,
  unicode: boolean,
): string[] {
  if (height <= 0 || width <= 0) return [];
  const [head, ...body] = content.lines;
  // The header may take every row but the footer's and, when there is a body, one for it.
  const headerRoom = Math.max(0, height - 1 - (body.length > 0 ? 1 : 0));
  const header = head ? lineRows(head, width, unicode, false).slice(0, headerRoom) : [];
  const rows = keyedRows(body, 0, width, unicode, false);
  const room = Math.max(0, height - header.length - 1);
  const start = scroll.layout(rows, Math.max(1, room));
  const shown = rows.slice(start, start + room).map((r) => r.text);
  const all = start === 0 && shown.length === rows.length;
  const keys = 'PgUp/PgDn, wheel, Home/End scroll';
  const where = all ? '' : `rows ${start + 1}–${start + shown.length} of ${rows.length} · ${keys} · `;
  const footer = styled([[`${where}Esc closes`, 'gray-fg']], width, unicode);
  return [...header, ...shown, ...Array<string>(room - shown.length).fill(''), footer].slice(0, height);
}

/** Whether `lines` show whole in the bordered panel `rect` with `spare` rows left over. */
export function fitsInPanel(lines: readonly LogLine[], rect: Rect, spare: number): boolean {
  if (!rect.visible) return false;
  const rows = lines.reduce((n, line) => n + lineRows(line, Math.max(1, rect.width - 2), true).length, 0);
  return rows + spare <= rect.height - 2;
}

/** An answer's view within `body`: full width, as tall as its rows (at most the whole body), at the bottom. */
export function answerRect(body: Rect, content: AnswerContent): Rect {
  const height = answerBoxHeight(content, body.width, body.height, true);
  return { ...body, top: body.top + body.height - height, height };
}
