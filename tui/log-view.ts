import type { LogLevel, LogLine, LogView } from './feeders/log-feeder.js';
import { formatClock, printable, wrap } from './format.js';
import type { RowKey, ScrollState } from './scroll-state.js';
import { styled } from './styled-text.js';
import { takeColumns } from './text-width.js';

/**
 * The log panel's text: every line wrapped at word boundaries with its continuation rows indented, the newest rows
 * that fit while following, or the rows scrolled to with a line saying what is below. Pure (the wrapped rows of a
 * line are cached per width, lines being immutable once logged).
 */

export const LEVEL_STYLE: Record<LogLevel, string> = {
  dim: 'gray-fg',
  info: '',
  ok: 'green-fg',
  warn: 'yellow-fg',
  error: 'bold,red-fg',
};

/** Below this many columns the log leaves the clock out. */
const CLOCK_FROM_WIDTH = 60;
/** A table row's continuation goes under its last column only if that leaves at least this much room. */
const MIN_COLUMN_ROOM = 16;

/**
 * `text` in rows of at most `width` columns, broken at spaces (format.ts `wrap`); the rows after the first start
 * `indent` columns in (a table's last column) when that leaves room, else two columns further in than the text
 * itself. A table row whose last column has no room starts that column on a row of its own, further in.
 */
export function wrapIndented(raw: string, width: number, indent?: number): string[] {
  if (width <= 0) return [];
  // Measured as it will be drawn: a control character (from a name or a reason off the network) shows as `?`.
  const text = printable(raw);
  const lead = text.length - text.trimStart().length;
  const roomy = indent !== undefined && width - indent >= Math.max(MIN_COLUMN_ROOM, Math.ceil(width / 3));
  const whole = wrap(text, width);
  if (whole.length <= 1) return whole;
  let first = whole[0]!;
  let hang = roomy ? indent : Math.min(lead + 2, Math.floor(width / 4));
  // `indent` counts columns: the table's cells before it may hold wide characters.
  const head = indent === undefined ? '' : takeColumns(text, indent);
  if (!roomy && indent !== undefined && head.length < text.length && wrap(head, width).length === 1) {
    first = head.trimEnd();
    hang = Math.min(lead + 4, Math.floor(width / 4));
  }
  // wrap's rows are cut from the text; anything else (a future wrap that rewrites them) is taken as it comes.
  if (!text.startsWith(first)) return whole;
  const rest = text.slice(first.length).trimStart();
  if (rest === '') return [first];
  return [first, ...wrap(rest, width - hang).map((row) => ' '.repeat(hang) + row)];
}

const cache = new WeakMap<LogLine, { width: number; clock: boolean; rows: string[] }>();

/** One log line as the tagged rows of a panel `width` columns wide (a clock first when it is wide enough). */
export function lineRows(line: LogLine, width: number, unicode: boolean, clock = width >= CLOCK_FROM_WIDTH): string[] {
  const hit = cache.get(line);
  if (hit && hit.width === width && hit.clock === clock) return hit.rows;
  const prefix = clock ? `${formatClock(line.t)} ` : '';
  const rows = wrapIndented(line.text, Math.max(1, width - prefix.length), line.indent).map((text, k) =>
    styled(
      [
        [k === 0 ? prefix : ' '.repeat(prefix.length), 'gray-fg'],
        [text, LEVEL_STYLE[line.level]],
      ],
      width,
      unicode,
    ),
  );
  cache.set(line, { width, clock, rows });
  return rows;
}

interface Row extends RowKey {
  text: string;
}

/** Every row of `lines`, keyed by line number from `first`. */
export function keyedRows(
  lines: readonly LogLine[],
  first: number,
  width: number,
  unicode: boolean,
  clock = width >= CLOCK_FROM_WIDTH,
): Row[] {
  const rows: Row[] = [];
  lines.forEach((line, i) => {
    lineRows(line, width, unicode, clock).forEach((text, sub) => rows.push({ key: first + i, sub, text }));
  });
  return rows;
}

/**
 * The log panel's rows. Following (no `scroll`, or at rest): the newest rows, under the `pinned` line (the welcome)
 * when it has scrolled away and still leaves two rows. Scrolled up: the rows scrolled to, then one line saying how
 * many lines are below and how to get back.
 */
export function logLines(
  v: LogView,
  width: number,
  height: number,
  unicode: boolean,
  scroll?: ScrollState,
  pinned?: LogLine | null,
): string[] {
  if (height <= 0) return [];
  const first = v.first ?? 0;
  const rows = keyedRows(v.lines, first, width, unicode);
  if (!scroll || scroll.atRest) {
    const start = scroll ? scroll.layout(rows, height) : Math.max(0, rows.length - height);
    const shown = rows.slice(start, start + height).map((r) => r.text);
    const at = pinned ? v.lines.indexOf(pinned) : -1;
    if (!pinned || rows.length === 0 || (at >= 0 && rows[start]!.key <= first + at)) return shown;
    const top = lineRows(pinned, width, unicode);
    if (top.length > height - 2) return shown;
    return [...top, ...shown.slice(shown.length - (height - top.length))];
  }
  const room = Math.max(1, height - 1);
  const start = scroll.layout(rows, room);
  const shown = rows.slice(start, start + room);
  const lastKey = first + v.lines.length - 1;
  const lastShown = shown[shown.length - 1];
  const cut = lastShown !== undefined && rows[start + shown.length]?.key === lastShown.key ? 1 : 0;
  const below = lastShown === undefined ? 0 : lastKey - lastShown.key + cut;
  const seen = scroll.newestWhenScrolled;
  const fresh = seen === null ? 0 : Math.max(0, lastKey - seen);
  const count = fresh > 0 ? fresh : below;
  const what = `${count} ${fresh > 0 ? 'new ' : 'more '}line${count === 1 ? '' : 's'} below`;
  const note = styled([[`${unicode ? '↓' : 'v'} ${what} · End to follow`, 'black-fg,yellow-bg']], width, unicode);
  return [...shown.map((r) => r.text), ...Array<string>(room - shown.length).fill(''), note];
}
