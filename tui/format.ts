/**
 * Pure text helpers shared by the renderer and the feeders: sizes, rates, durations, bars, truncation and
 * blessed tag escaping. No blessed import, so every function is unit-tested directly.
 */
import { formatByteSize } from '../common/byte-size.js';

/** `1536` → `1.5 KB`. Binary multiples (1 KB = 1024 B): the one formatter the peer's messages use too. */
export function formatBytes(bytes: number): string {
  return formatByteSize(bytes);
}

/** Bytes per second as `2.4 MB/s`. */
export function formatRate(bytesPerSecond: number): string {
  return `${formatBytes(bytesPerSecond)}/s`;
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
  if (width <= 0) return '';
  if (text.length <= width) return text;
  if (width === 1) return text.slice(0, 1);
  return text.slice(0, width - 1) + (unicode ? '…' : '~');
}

/** Truncates then pads with spaces to exactly `width` columns (left-aligned). */
export function fit(text: string, width: number, unicode = true): string {
  return truncate(text, width, unicode).padEnd(width);
}

/** Truncates then pads on the left to exactly `width` columns (right-aligned, for numbers). */
export function fitRight(text: string, width: number, unicode = true): string {
  return truncate(text, width, unicode).padStart(width);
}

/**
 * Escapes blessed tag syntax in text that came from the network (file names, reasons): a file called
 * `{red-fg}x` must show as typed, not recolour the panel.
 */
export function escapeTags(text: string): string {
  return text.replace(/[{}]/g, (c) => (c === '{' ? '{open}' : '{close}'));
}

/** Removes control characters so that a hostile file name cannot move the cursor or switch charsets. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** Splits `text` into lines of at most `width` columns, breaking at spaces when it can. */
export function wrap(text: string, width: number): string[] {
  if (width <= 0) return [];
  const lines: string[] = [];
  let rest = text;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= width / 3) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  lines.push(rest);
  return lines;
}
