import type { TopologyNode, TopologyView } from './feeders/topology-feeder.js';
import { markText, pairKey } from './feeders/trace-animation.js';
import { printable, truncate } from './format.js';
import { graphemes, textWidth } from './text-width.js';

/** What a cell of the picture shows, so the renderer can colour this peer and its links. */
export type CellKind = 'blank' | 'edge' | 'self-edge' | 'node' | 'self' | 'lit' | 'hit' | 'lit-edge';

/** A run of cells of one kind on one row. */
export interface PictureSegment {
  text: string;
  kind: CellKind;
}

interface Cell {
  ch: string;
  kind: CellKind;
}

interface Point {
  x: number;
  y: number;
}

/** Above this many peers the mesh is shown as a list (`s1 → s2, s3`): a drawing would tangle. */
export const MAX_DRAWN_PEERS = 10;

/**
 * Draws the mesh in `width` × `height` cells: up to 10 peers as labels on an ellipse (this peer at the top, or on the
 * left with two peers), links as straight lines between them. Lines never touch a label: every label keeps a blank
 * cell on each side and lines are not drawn over labels or those cells. Names are shown whole (in terminal columns,
 * tui/text-width.ts). When that cannot be done legibly (more than 10 peers, labels that would collide, a link with no
 * visible cell) it shows the list `s1 → s2, s3` instead, one peer a row. Pure, so it is tested without a terminal;
 * the renderer turns the segments into coloured text.
 */
export function drawTopology(view: TopologyView, width: number, height: number, unicode = true): PictureSegment[][] {
  if (width <= 0 || height <= 0) return [];
  const labels = view.nodes.map((node) => printable(node.name) + traceSuffix(view, node, unicode));
  const picture = view.nodes.length <= MAX_DRAWN_PEERS ? drawPicture(view, labels, width, height, unicode) : null;
  return picture ?? drawList(view, labels, width, height, unicode);
}

/**
 * A trace's marks after a peer's name (`s4✓×`), padded to the room its final marks take so labels keep their place
 * while the steps light up; nothing without a trace.
 */
function traceSuffix(view: TopologyView, node: TopologyNode, unicode: boolean): string {
  const key = node.name.toLowerCase();
  const final = view.trace?.final.get(key);
  if (!final) return '';
  const shown = view.trace!.marks.get(key);
  const text = shown ? markText(shown, unicode) : '';
  return text + ' '.repeat(Math.max(0, textWidth(markText(final, unicode)) - textWidth(text)));
}

/** How a peer's label is drawn: this peer, a peer a trace reached (one that answered stands out), or any other. */
function labelKind(view: TopologyView, node: TopologyNode): CellKind {
  if (node.self) return 'self';
  const mark = view.trace?.marks.get(node.name.toLowerCase());
  return !mark ? 'node' : mark.primary === 'answered' ? 'hit' : 'lit';
}

/**
 * The mesh as rows `name → neighbour, neighbour`, this peer first; in side-by-side columns when there are more peers
 * than rows (each cut to its column), with `+N more` when even that does not fit.
 */
function drawList(
  view: TopologyView,
  labels: string[],
  width: number,
  height: number,
  unicode: boolean,
): PictureSegment[][] {
  const index = new Map(view.nodes.map((node, i) => [node.name.toLowerCase(), i]));
  const same = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  const arrow = unicode ? ' → ' : ' -> ';
  const rows = view.nodes.map((node, i): PictureSegment[] => {
    const linked = view.links
      .filter(([a, b]) => same(a, node.name) || same(b, node.name))
      .map(([a, b]) => (same(a, node.name) ? b : a))
      .map((name) => printable(view.nodes[index.get(name.toLowerCase()) ?? -1]?.name ?? name));
    return [
      { text: labels[i]!, kind: labelKind(view, node) },
      { text: arrow, kind: node.self ? 'self-edge' : 'edge' },
      { text: linked.length > 0 ? linked.join(', ') : '(no neighbours)', kind: 'blank' },
    ];
  });
  if (rows.length <= height) return rows;
  const columns = Math.ceil(rows.length / height);
  const columnWidth = Math.floor((width - (columns - 1) * 2) / columns);
  if (columnWidth < 12) {
    return [...rows.slice(0, height - 1), [{ text: `+${rows.length - height + 1} more`, kind: 'blank' }]];
  }
  const perColumn = Math.ceil(rows.length / columns);
  const out: PictureSegment[][] = [];
  for (let r = 0; r < perColumn; r += 1) {
    const line: PictureSegment[] = [];
    for (let c = 0; c < columns; c += 1) {
      const row = rows[c * perColumn + r];
      if (!row) break;
      if (c > 0) line.push({ text: '  ', kind: 'blank' });
      line.push(...fitSegments(row, columnWidth, unicode));
    }
    out.push(line);
  }
  return out;
}

/** Segments cut (with `…`) and padded to exactly `width` columns. */
function fitSegments(row: PictureSegment[], width: number, unicode: boolean): PictureSegment[] {
  let room = width;
  const out: PictureSegment[] = [];
  for (const segment of row) {
    const text = truncate(segment.text, room, unicode);
    room -= textWidth(text);
    out.push({ text, kind: segment.kind });
  }
  out.push({ text: ' '.repeat(room), kind: 'blank' });
  return out;
}

function drawPicture(
  view: TopologyView,
  labels: string[],
  width: number,
  height: number,
  unicode: boolean,
): PictureSegment[][] | null {
  const nodes = view.nodes;
  const n = nodes.length;
  if (n === 0) return [];
  const widths = labels.map((l) => textWidth(l));
  // A blank cell on each side of every label, and the panel's border counts as a line: labels stay off the edges.
  if (Math.max(...widths) + 2 > width) return null;
  const grid: Cell[][] = Array.from({ length: height }, () =>
    Array.from({ length: width }, (): Cell => ({ ch: ' ', kind: 'blank' })),
  );
  const positions = layoutOnEllipse(n, width, height, Math.max(...widths) + 2);
  // Where each label starts; `blocked` holds its cells and the blank cell on each side.
  const starts = positions.map((p, i) =>
    Math.max(1, Math.min(width - 1 - widths[i]!, p.x - Math.floor(widths[i]! / 2))),
  );
  const blocked: boolean[][] = grid.map((row) => row.map(() => false));
  for (let i = 0; i < n; i += 1) {
    const y = positions[i]!.y;
    for (let x = starts[i]! - 1; x <= starts[i]! + widths[i]!; x += 1) {
      if (blocked[y]![x]) return null; // two labels (with their spaces) would touch
      blocked[y]![x] = true;
    }
  }
  const index = new Map(nodes.map((node, i) => [node.name.toLowerCase(), i]));
  for (const [a, b] of view.links) {
    const i = index.get(a.toLowerCase());
    const j = index.get(b.toLowerCase());
    if (i === undefined || j === undefined) continue;
    const self = nodes[i]!.self || nodes[j]!.self;
    // A link a trace's first copy travelled is lit (it wins at crossings, like this peer's own links).
    const lit = view.trace?.paths.has(pairKey(a, b));
    const drawn = drawLine(
      grid,
      blocked,
      positions[i]!,
      positions[j]!,
      lit ? 'lit-edge' : self ? 'self-edge' : 'edge',
      unicode,
    );
    if (drawn === 0) return null; // a link nobody could see
  }
  nodes.forEach((node, i) => {
    const row = grid[positions[i]!.y]!;
    let x = starts[i]!;
    const kind = labelKind(view, node);
    for (const cluster of graphemes(labels[i]!)) {
      const w = textWidth(cluster);
      row[x] = { ch: cluster, kind };
      // The second column of a wide character: nothing of its own.
      for (let k = 1; k < w; k += 1) row[x + k] = { ch: '', kind };
      x += w;
    }
  });
  return grid.map(toSegments);
}

/** The picture as plain text rows (tests, logs). */
export function pictureText(rows: readonly PictureSegment[][]): string[] {
  return rows.map((row) => row.map((s) => s.text).join(''));
}

/** Node centres on an ellipse inset by half a label, so labels stay inside the box. */
function layoutOnEllipse(n: number, width: number, height: number, labelWidth: number): Point[] {
  const cx = (width - 1) / 2;
  const cy = (height - 1) / 2;
  if (n === 1) return [{ x: Math.round(cx), y: Math.round(cy) }];
  const rx = Math.max(0, cx - Math.ceil(labelWidth / 2));
  const ry = cy;
  // Two peers read better side by side than stacked; more start at the top and go clockwise.
  const start = n === 2 ? Math.PI : -Math.PI / 2;
  return Array.from({ length: n }, (_, i) => {
    const angle = start + (2 * Math.PI * i) / n;
    return {
      x: Math.max(0, Math.min(width - 1, Math.round(cx + rx * Math.cos(angle)))),
      y: Math.max(0, Math.min(height - 1, Math.round(cy + ry * Math.sin(angle)))),
    };
  });
}

/**
 * Bresenham between two centres with one character for the whole line, chosen by its slope on screen; cells of a
 * label or beside one are skipped. Returns how many cells it drew.
 */
function drawLine(
  grid: Cell[][],
  blocked: boolean[][],
  from: Point,
  to: Point,
  kind: CellKind,
  unicode: boolean,
): number {
  const dx = to.x - from.x;
  const dy = to.y - from.y;
  // Cells are about twice as tall as wide, so a vertical step counts double when judging the slope.
  const slope = dx === 0 ? Infinity : Math.abs((2 * dy) / dx);
  const ch =
    slope < 0.7
      ? unicode
        ? '─'
        : '-'
      : slope > 3
        ? unicode
          ? '│'
          : '|'
        : dx * dy > 0
          ? unicode
            ? '╲'
            : '\\'
          : unicode
            ? '╱'
            : '/';
  const cross = unicode ? '┼' : '+';
  let x = from.x;
  let y = from.y;
  const sx = Math.sign(dx);
  const sy = Math.sign(dy);
  const ax = Math.abs(dx);
  const ay = Math.abs(dy);
  let err = ax - ay;
  let drawn = 0;
  for (;;) {
    const cell = grid[y]?.[x];
    if (cell && !blocked[y]![x]) {
      drawn += 1;
      const crossing = cell.kind === 'edge' || cell.kind === 'self-edge' || cell.kind === 'lit-edge';
      // A link of this peer, or one a trace lit, stays highlighted where it crosses another one.
      const keep = crossing && cell.kind !== 'edge' && kind !== 'lit-edge' ? cell.kind : kind;
      grid[y]![x] = { ch: crossing && cell.ch !== ch ? cross : ch, kind: keep };
    }
    if (x === to.x && y === to.y) return drawn;
    const e2 = 2 * err;
    if (e2 > -ay) {
      err -= ay;
      x += sx;
    }
    if (e2 < ax) {
      err += ax;
      y += sy;
    }
  }
}

function toSegments(row: Cell[]): PictureSegment[] {
  const out: PictureSegment[] = [];
  for (const cell of row) {
    const last = out[out.length - 1];
    if (last && last.kind === cell.kind) last.text += cell.ch;
    else out.push({ text: cell.ch, kind: cell.kind });
  }
  return out;
}
