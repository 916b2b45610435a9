import type { TopologyView } from './feeders/topology-feeder.js';

/** What a cell of the picture shows, so the renderer can colour this peer and its links. */
export type CellKind = 'blank' | 'edge' | 'self-edge' | 'node' | 'self';

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

/**
 * Draws the mesh as a picture of `width` × `height` cells: peers on an ellipse (this peer at the top, or on the
 * left with two peers), links as straight lines between them, names on top of the lines. Pure, so it is tested
 * without a terminal; the renderer turns the segments into coloured text.
 */
export function drawTopology(view: TopologyView, width: number, height: number, unicode = true): PictureSegment[][] {
  if (width <= 0 || height <= 0) return [];
  const grid: Cell[][] = Array.from({ length: height }, () =>
    Array.from({ length: width }, (): Cell => ({ ch: ' ', kind: 'blank' })),
  );
  const nodes = view.nodes;
  const n = nodes.length;
  // Labels share the width; long names are cut so that neighbours on the ellipse rarely overlap.
  const maxLabel = Math.max(2, Math.min(16, Math.floor(width / Math.max(2, Math.ceil(n / 2) + 1)) - 1));
  const labels = nodes.map((node) =>
    node.name.length > maxLabel ? node.name.slice(0, maxLabel - 1) + '~' : node.name,
  );
  const positions = layoutOnEllipse(n, width, height, Math.max(...labels.map((l) => l.length), 1));
  const index = new Map(nodes.map((node, i) => [node.name.toLowerCase(), i]));

  for (const [a, b] of view.links) {
    const i = index.get(a.toLowerCase());
    const j = index.get(b.toLowerCase());
    if (i === undefined || j === undefined) continue;
    const self = nodes[i]!.self || nodes[j]!.self;
    drawLine(grid, positions[i]!, positions[j]!, self ? 'self-edge' : 'edge', unicode);
  }
  nodes.forEach((node, i) => {
    const label = labels[i]!;
    const p = positions[i]!;
    const start = Math.max(0, Math.min(width - label.length, p.x - Math.floor(label.length / 2)));
    for (let k = 0; k < label.length && start + k < width; k += 1) {
      grid[p.y]![start + k] = { ch: label[k]!, kind: node.self ? 'self' : 'node' };
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

/** Bresenham between two centres with one character for the whole line, chosen by its slope on screen. */
function drawLine(grid: Cell[][], from: Point, to: Point, kind: CellKind, unicode: boolean): void {
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
  for (;;) {
    const cell = grid[y]?.[x];
    if (cell) {
      const crossing = cell.kind === 'edge' || cell.kind === 'self-edge';
      // A link of this peer stays highlighted where it crosses another one.
      const keep = crossing && cell.kind === 'self-edge' ? 'self-edge' : kind;
      grid[y]![x] = { ch: crossing && cell.ch !== ch ? cross : ch, kind: keep };
    }
    if (x === to.x && y === to.y) break;
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
