/**
 * Pure text helpers shared by the renderer and the feeders: sizes, rates, durations, bars, truncation and
 * blessed tag escaping. No blessed import, so every function is unit-tested directly. Widths are terminal columns
 * (tui/text-width.ts): a Chinese character or an emoji takes 2, a combining accent 0, and nothing is cut inside one.
 */
import { graphemes, padEndColumns, padStartColumns, takeColumns, textWidth, truncateColumns } from './text-width.js';
import { formatByteSize } from '../common/byte-size.js';
import { formatByteRate, formatDecimalRate } from '../common/byte-rate.js';

/** `1536` → `1.5 KB`. Binary multiples (1 KB = 1024 B): the one formatter the peer's messages use too. */
export function formatBytes(bytes: number): string {
  return formatByteSize(bytes);
}

/** Bytes per second as `2.4 MB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
}

/**
 * A bandwidth cap, and a rate shown next to one, in the cap's 1000-based units (`--max-down 20MB/s` shows as
 * `20 MB/s`, common/byte-rate.ts), so that the two compare at a glance.
 */
export function formatCapRate(bytesPerSecond: number): string {
  return formatByteRate(bytesPerSecond);
}

/** A measured rate shown next to a cap: the same 1000-based units, three digits (`4.19 MB/s`). */
export function formatRateNearCap(bytesPerSecond: number): string {
  return formatDecimalRate(bytesPerSecond);
}

/** Milliseconds as a short human duration: `850ms`, `12s`, `3m05s`, `2h07m`. */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(seconds % 60).padStart(2, '0')}s`;
  const hours = Math.floor(minutes / 60);
  return `${hours}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** `HH:MM:SS` in local time, for log lines. */
export function formatClock(t: number): string {
  const d = new Date(t);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, '0')).join(':');
}

/**
 * A fixed-width progress bar. `fraction` is clamped to [0, 1]; `unicode: false` falls back to `#`/`-` for
 * terminals whose locale is not UTF-8.
 */
export function progressBar(fraction: number, width: number, unicode = true): string {
  if (width <= 0) return '';
  const f = Number.isFinite(fraction) ? Math.min(1, Math.max(0, fraction)) : 0;
  const full = Math.round(f * width);
  return (unicode ? '█' : '#').repeat(full) + (unicode ? '░' : '-').repeat(width - full);
}

/** Cuts `text` to `width` columns, marking the cut with `…` (or `~` without unicode). */
export function truncate(text: string, width: number, unicode = true): string {
  return truncateColumns(text, width, unicode ? '…' : '~');
}

/** Truncates then pads with spaces to exactly `width` columns (left-aligned). */
export function fit(text: string, width: number, unicode = true): string {
  return padEndColumns(truncate(text, width, unicode), width);
}

/**
 * A file's path (`docs/2024/report.pdf`) in exactly `width` columns: when it is too long, its leading folders give
 * way first (`…/2024/report.pdf`, `…/report.pdf`), so the file's own name stays readable; a name too long even alone
 * is cut at its end like any text.
 */
export function fitPath(path: string, width: number, unicode = true): string {
  if (textWidth(path) <= width) return fit(path, width, unicode);
  const mark = unicode ? '…/' : '~/';
  const parts = path.split('/');
  for (let i = 1; i < parts.length; i++) {
    const tail = mark + parts.slice(i).join('/');
    if (textWidth(tail) <= width) return fit(tail, width, unicode);
  }
  return fit(parts[parts.length - 1]!, width, unicode);
}

/** Truncates then pads on the left to exactly `width` columns (right-aligned, for numbers). */
export function fitRight(text: string, width: number, unicode = true): string {
  return padStartColumns(truncate(text, width, unicode), width);
}

/**
 * Escapes blessed tag syntax in text that came from the network (file names, reasons): a file called
 * `{red-fg}x` must show as typed, not recolour the panel.
 */
export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/**
 * Removes control characters so that a hostile file name cannot move the cursor or switch charsets; a lone half of
 * a surrogate pair (not text) shows as `?` too. Everything else, any script or emoji, is kept as it is.
 */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]|\p{Cs}/gu, '?');
}

/** Columns `text` takes on the terminal (tui/text-width.ts). */
export function columns(text: string): number {
  return textWidth(text);
}

/** Splits `text` into lines of at most `width` columns, breaking at spaces when it can (never inside a character). */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  let rest = text;
  while (textWidth(rest) > width) {
    const head = takeColumns(rest, width);
    // A space just past the fitting part is a break too: `head` then ends a word.
    const space = rest[head.length] === ' ' ? head.length : head.lastIndexOf(' ');
    let cut = space > 0 && textWidth(rest.slice(0, space)) > width / 3 ? space : head.length;
    // Narrower than one wide character: it goes on a line of its own rather than nowhere.
    if (cut === 0) cut = (graphemes(rest)[0] ?? ' ').length;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}
