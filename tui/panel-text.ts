import type { FilesView } from './feeders/files-feeder.js';
import type { HeaderView } from './feeders/header-feeder.js';
import type { NeighboursView } from './feeders/neighbours-feeder.js';
import { DEFAULT_HINT, HINTS, type StatusKind, type StatusView } from './feeders/status-feeder.js';
import type { ThroughputView } from './feeders/throughput-feeder.js';
import type { TopologyView } from './feeders/topology-feeder.js';
import { traceLegend } from './feeders/trace-animation.js';
import {
  columns,
  fit,
  fitPath,
  fitRight,
  formatBytes,
  formatClock,
  formatDuration,
  formatRate,
  formatCapRate,
  formatRateNearCap,
  wrap,
} from './format.js';
import { partsLength, styled, spread, type Part } from './styled-text.js';
import { wrapIndented } from './log-view.js';
import type { ScrollState } from './scroll-state.js';
import { graphemes, textWidth } from './text-width.js';
import { drawTopology, type CellKind } from './topology-picture.js';

/**
 * Turns each panel's view model into the tagged lines of its widget, for a given inner size. Pure: the renderer
 * only assigns the result to widgets, and tests read these lines with the tags stripped.
 */

const SERVER_STYLE = { connected: 'green-fg', connecting: 'yellow-fg', unreachable: 'red-fg', lost: 'red-fg' } as const;

/** The one-line header: who this peer is and how it is connected. Less important fields go first when narrow. */
export function headerLine(v: HeaderView, width: number, unicode: boolean): string {
  const label = (text: string): Part => [text, 'gray-fg'];
  const fields: { parts: Part[]; drop: number }[] = [
    { parts: [[` ${v.name} `, 'bold,white-fg,blue-bg']], drop: 0 },
    {
      parts:
        v.phase === 'ready'
          ? []
          : [' ', [` ${v.phase === 'stopped' ? 'stopped' : `${v.phase}…`} `, 'black-fg,yellow-bg']],
      drop: 0,
    },
    {
      parts: ['  ', label('server '), `${v.server.address} `, [v.server.state, `bold,${SERVER_STYLE[v.server.state]}`]],
      drop: 0,
    },
    // An open mesh (no mesh key) is said, whatever the width: anyone on the network can join it.
    { parts: v.open ? [' ', [' open: no mesh key ', 'bold,white-fg,red-bg']] : [], drop: 0 },
    { parts: v.trustedOnly ? [' ', [' trusted only ', 'bold,black-fg,green-bg']] : [], drop: 1 },
    { parts: v.backup ? [' ', [' backup peer ', 'bold,black-fg,cyan-bg']] : [], drop: 1 },
    { parts: v.mirror ? [' ', [' mirror ', 'bold,black-fg,magenta-bg']] : [], drop: 1 },
    {
      parts: ['  ', label('mesh '), v.meshSize === null ? '?' : `${v.meshSize} peer${v.meshSize === 1 ? '' : 's'}`],
      drop: 1,
    },
    { parts: ['  ', label('neighbours '), String(v.neighbours)], drop: 3 },
    { parts: capParts(v, unicode, label), drop: 2 },
    { parts: ['  ', label('on '), v.listen ?? '…'], drop: 2 },
    { parts: ['  ', label('id '), v.id ? v.id.slice(0, 12) : '…'], drop: 4 },
  ];
  const version: Part[] = [[`meshshare ${v.version} `, 'gray-fg']];
  // Drop the least useful fields (highest `drop`) until the line fits; the version goes first of all.
  for (let level = 6; level >= 0; level -= 1) {
    const left = fields.filter((f) => f.drop <= level).flatMap((f) => f.parts);
    const right = level >= 5 ? version : [];
    if (partsLength(left) + partsLength(right) + 1 <= width || level === 0) {
      return right.length > 0 ? spread(left, right, width, unicode) : styled(left, width, unicode);
    }
  }
  return '';
}

/** `  cap ↑ 2 MB/s ↓ 20 MB/s`: the bandwidth caps set, in the header (none: nothing). */
function capParts(v: HeaderView, unicode: boolean, label: (text: string) => Part): Part[] {
  const caps = [
    v.caps?.up == null ? '' : `${unicode ? '↑' : 'up'} ${formatCapRate(v.caps.up)}`,
    v.caps?.down == null ? '' : `${unicode ? '↓' : 'down'} ${formatCapRate(v.caps.down)}`,
  ].filter(Boolean);
  return caps.length === 0 ? [] : ['  ', label('cap '), [caps.join(' '), 'yellow-fg']];
}

const KIND_STYLE: Record<CellKind, string> = {
  blank: '',
  edge: 'gray-fg',
  'self-edge': 'green-fg',
  'lit-edge': 'yellow-fg',
  node: 'bold,cyan-fg',
  self: 'bold,black-fg,green-bg',
  lit: 'bold,yellow-fg',
  hit: 'bold,black-fg,yellow-bg',
};

/** The mesh picture with a one-line legend under it when there is room. */
export function topologyLines(
  v: TopologyView,
  width: number,
  height: number,
  unicode: boolean,
  withLegend = true,
): string[] {
  const legend = withLegend && height >= 5;
  const rows = drawTopology(v, width, legend ? height - 1 : height, unicode);
  const lines = rows.map((row) =>
    styled(
      row.map((s) => [s.text, KIND_STYLE[s.kind]] as const),
      width,
      unicode,
    ),
  );
  if (legend) {
    const count = `${v.nodes.length} peer${v.nodes.length === 1 ? '' : 's'}`;
    const source = v.updatedAt === null ? 'as seen from here' : `as of ${formatClock(v.updatedAt)} · TOPO for details`;
    const t = v.trace;
    const legendText = t ? `trace ${t.file}: ${t.shown}/${t.total} · ${traceLegend(unicode)}` : `${count} · ${source}`;
    lines.push(styled([[legendText, t ? 'yellow-fg' : 'gray-fg']], width, unicode));
  }
  return lines;
}

/**
 * The full TOPO view: the picture above a table of every peer, its address and its neighbours; with `scroll`, a table
 * longer than the view scrolls (else its last rows show).
 */
export function overlayLines(
  v: TopologyView,
  width: number,
  height: number,
  unicode: boolean,
  scroll?: ScrollState,
): string[] {
  const nameWidth = Math.max(4, ...v.nodes.map((n) => textWidth(n.name)));
  const table = v.nodes.map((n) =>
    styled(
      [
        [fit(n.name, nameWidth), n.self ? 'bold,green-fg' : 'bold,cyan-fg'],
        '  ',
        fit(n.address ?? '?', 21),
        '  ',
        n.neighbours.length > 0 ? `↔ ${n.neighbours.join(', ')}` : ['(no neighbours)', 'gray-fg'],
      ],
      width,
      unicode,
    ),
  );
  const footer = styled(
    [
      [
        `${v.nodes.length} peers${v.updatedAt === null ? '' : ` · as of ${formatClock(v.updatedAt)}`} · Esc closes`,
        'gray-fg',
      ],
    ],
    width,
    unicode,
  );
  if (table.length + 1 > height && scroll) {
    // More peers than rows: the table scrolls, the footer says which ones are shown.
    const room = Math.max(1, height - 1);
    const start = scroll.layout(
      table.map((_, key) => ({ key, sub: 0 })),
      room,
    );
    const shown = table.slice(start, start + room);
    const where = `peers ${start + 1}–${start + shown.length} of ${table.length} · PgUp/PgDn, wheel scroll · Esc closes`;
    return [...shown, styled([[where, 'gray-fg']], width, unicode)];
  }
  const pictureHeight = Math.max(0, height - table.length - 2);
  const picture = pictureHeight >= 3 ? topologyLines(v, width, pictureHeight, unicode, false) : [];
  return [...picture, ...(picture.length > 0 ? [''] : []), ...table, footer].slice(-height);
}

/** The neighbours table; columns are dropped from the right (address first) when the panel is narrow. */
export function neighbourLines(
  v: NeighboursView,
  width: number,
  height: number,
  now: number,
  unicode: boolean,
): string[] {
  if (v.rows.length === 0) return [styled([['no neighbours yet', 'gray-fg']], width, unicode)];
  const nameWidth = Math.min(12, Math.max(4, ...v.rows.map((r) => textWidth(r.name))));
  const columns: {
    title: string;
    width: number;
    cell: (r: NeighboursView['rows'][number]) => string;
    right: boolean;
  }[] = [
    { title: 'peer', width: nameWidth, cell: (r) => r.name, right: false },
    { title: 'up', width: 5, cell: (r) => formatDuration(Math.max(0, now - r.since)), right: true },
    { title: 'in', width: 6, cell: (r) => formatBytes(r.bytesIn), right: true },
    { title: 'out', width: 6, cell: (r) => formatBytes(r.bytesOut), right: true },
    { title: 'rtt', width: 5, cell: (r) => (r.rttMs === null ? '-' : formatDuration(r.rttMs)), right: true },
    {
      title: 'address',
      width: Math.max(7, ...v.rows.map((r) => r.address.length)),
      cell: (r) => r.address,
      right: false,
    },
  ];
  const shown: typeof columns = [];
  let used = 0;
  for (const c of columns) {
    const need = c.width + (shown.length > 0 ? 1 : 0);
    if (used + need > width && shown.length > 0) break;
    shown.push(c);
    used += need;
  }
  const cell = (c: (typeof columns)[number], text: string) =>
    c.right ? fitRight(text, c.width, unicode) : fit(text, c.width, unicode);
  const head = styled([[shown.map((c) => cell(c, c.title)).join(' '), 'bold,gray-fg']], width, unicode);
  const rows = v.rows.map((r) =>
    styled(
      shown.map((c, i): Part => [(i > 0 ? ' ' : '') + cell(c, c.cell(r)), i === 0 ? 'bold' : '']),
      width,
      unicode,
    ),
  );
  return [head, ...limit(rows, height - 1, width, unicode)];
}

/** This peer's files: downloads first (what the user fetched), then shared ones, with sizes. */
export function fileLines(v: FilesView, width: number, height: number, unicode: boolean): string[] {
  // Gray lines wrap rather than lose their end in a narrow panel.
  const gray = (text: string) => wrap(text, width).map((row) => styled([[row, 'gray-fg']], width, unicode));
  // The counts in words when they fit, else by the rows' own markers (S shared, ↓ downloaded), else wrapped.
  const words = `shared ${v.shared.length} (${formatBytes(v.sharedBytes)}) · downloads ${v.downloads.length} (${formatBytes(v.downloadsBytes)})`;
  const marks = `S ${v.shared.length} (${formatBytes(v.sharedBytes)}) · ${unicode ? '↓' : 'D'} ${v.downloads.length} (${formatBytes(v.downloadsBytes)})`;
  const summary = gray(columns(words) <= width ? words : marks);
  const fresh = new Set(v.fresh);
  const entry = (marker: string, name: string, size: number, style: string) =>
    styled(
      [
        [`${marker} `, style],
        [fitPath(name, Math.max(1, width - 11), unicode), fresh.has(name) && marker !== 'S' ? 'bold,green-fg' : ''],
        ` ${fitRight(formatBytes(size), 8)}`,
      ],
      width,
      unicode,
    );
  const rows = [
    ...v.downloads.map((f) => entry(unicode ? '↓' : 'D', f.name, f.size, 'green-fg')),
    ...v.shared.map((f) => entry('S', f.name, f.size, 'cyan-fg')),
    // Still being written: not offered yet (the marker is explained by the `files` answer and the log).
    ...v.settling.map((f) => entry(unicode ? '…' : '~', f.name, f.size, 'yellow-fg')),
    // Kept for a peer that left: served, but not this peer's own (its owner gets it back on return).
    ...(v.custody ?? []).map((c) => entry('K', `${c.file} (for ${c.owner})`, c.bytes, 'magenta-fg')),
  ];
  if (rows.length === 0) return [...summary, ...gray('nothing shared yet: put files in shared/')].slice(0, height);
  return [...summary, ...limit(rows, height - summary.length, width, unicode)];
}

/**
 * blessed-contrib's sparkline scales between the minimum and maximum of what it is given and shifts values left by
 * 8 bits (so bytes/s overflow 32 bits past ~8 MB/s). It gets small integers relative to the visible peak, with a
 * leading 0 so that a steady rate draws as a full bar, not as the minimum. Its lines end in `\r\n`, and blessed
 * counts the `\r` as a column: one column less than the inner width, or the line wraps out of sight.
 */
export function sparklineData(rates: readonly number[], innerWidth: number): number[] {
  const count = Math.max(0, innerWidth - 2);
  const visible = rates.slice(-count);
  const peak = Math.max(0, ...visible);
  return [0, ...visible.map((r) => (peak > 0 ? Math.round((r / peak) * 1000) : 0))];
}

/** Title line of a throughput sparkline: the current rate, then the peak and total when they fit. */
export function throughputTitle(v: ThroughputView, direction: 'in' | 'out', innerWidth: number): string {
  const cap = direction === 'in' ? v.capIn : v.capOut;
  // Capped, the rates read in the cap's own units (20MB/s is 20 000 000 bytes a second, common/byte-rate.ts).
  const rate = (r: number) => (cap === null ? formatRate(r) : formatRateNearCap(r));
  const now = rate(direction === 'in' ? v.currentIn : v.currentOut);
  const current = cap === null ? now : `${now} / ${formatCapRate(cap)} cap`;
  const peak = rate(direction === 'in' ? v.peakIn : v.peakOut);
  const total = formatBytes(direction === 'in' ? v.totalIn : v.totalOut);
  // Room for contrib's trailing `:` and the `\r` blessed counts (see sparklineData).
  const room = innerWidth - 2;
  const variants = [`${current}  peak ${peak}  total ${total}`, `${current}  peak ${peak}`, current];
  return variants.find((t) => t.length <= room) ?? current.slice(0, Math.max(0, room));
}

const STATUS_STYLE: Record<StatusKind, string> = {
  hint: 'gray-fg',
  info: 'cyan-fg',
  ok: 'bold,green-fg',
  warn: 'bold,yellow-fg',
  error: 'bold,white-fg,red-bg',
  confirm: 'bold,black-fg,yellow-bg',
  leaving: 'bold,yellow-fg',
};

/** The status line above the command line (errors stand out in red; a confirmation in yellow; the widest hint that fits). */
export function statusLine(v: StatusView, width: number, unicode: boolean): string {
  return statusLines(v, width, 1, unicode)[0]!;
}

/**
 * The status line, wrapped into at most `maxRows` rows when the message is longer than the width (the body gives
 * the dashboard's status line up to three rows while such a message shows); the last row is cut only past that.
 */
export function statusLines(v: StatusView, width: number, maxRows: number, unicode: boolean): string[] {
  const mark = v.kind === 'error' ? (unicode ? ' ✗ ' : ' x ') : ' ';
  const hint = v.kind === 'hint' && v.text === DEFAULT_HINT ? HINTS.find((h) => h.length + 2 <= width) : undefined;
  const text = hint ?? v.text;
  const room = width - mark.length - 1;
  const rows = maxRows > 1 && room >= 10 ? wrapIndented(text, room) : [text];
  // Past `maxRows` the rest joins the last row, which `styled` cuts with an ellipsis.
  const rest = rows.slice(maxRows).map((r) => r.trim());
  const shown = rest.length > 0 ? [...rows.slice(0, maxRows - 1), [rows[maxRows - 1], ...rest].join(' ')] : rows;
  const pad = ' '.repeat(mark.length);
  return shown.map((row, i) => styled([[`${i === 0 ? mark : pad}${row} `, STATUS_STYLE[v.kind]]], width, unicode));
}

/**
 * The prompt and the visible part of the line, with the cursor cell drawn inverted. `cursor` is an index into
 * `text` at a character boundary; the line scrolls by whole characters (a Chinese character or an emoji is two
 * columns, an accent none) so that the cursor stays visible.
 */
export function commandLineText(prompt: string, text: string, cursor: number, width: number, unicode: boolean): string {
  const room = Math.max(1, width - textWidth(prompt) - 1);
  const before = graphemes(text.slice(0, cursor));
  const after = graphemes(text.slice(cursor));
  // The cell under the cursor: the next character, or a space at the end of the line.
  const under = after[0] ?? ' ';
  let used = textWidth(under);
  let start = before.length;
  while (start > 0 && used + textWidth(before[start - 1]!) <= room) used += textWidth(before[--start]!);
  let shownAfter = '';
  for (const g of after.slice(1)) {
    if (used + textWidth(g) > room) break;
    used += textWidth(g);
    shownAfter += g;
  }
  return styled(
    [[prompt, 'bold,cyan-fg'], ' ', before.slice(start).join(''), [under, 'inverse'], shownAfter],
    width,
    unicode,
  );
}

/** Cuts a list to `height` lines, ending with "+N more" when it does not fit. */
function limit(rows: string[], height: number, width: number, unicode: boolean): string[] {
  if (height <= 0) return [];
  if (rows.length <= height) return rows;
  return [...rows.slice(0, height - 1), styled([[`+${rows.length - height + 1} more`, 'gray-fg']], width, unicode)];
}
