import blessed from 'blessed';
import type contrib from 'blessed-contrib';
import { createRequire } from 'node:module';

/**
 * blessed-contrib's sparkline alone: the package's index loads every widget (maps, tables, charts), which took
 * 120 of the dashboard's first 450 ms (bench/startup.ts).
 */
const sparklineWidget = createRequire(import.meta.url)('blessed-contrib/lib/widget/sparkline.js') as (
  options: contrib.Widgets.SparklineOptions,
) => contrib.Widgets.SparklineElement;

/**
 * Places the dashboard's widgets and nothing else (after gtop's `lib/gtop.js`): which panels
 * exist, where they sit for a given terminal size, and how they look. Content is the renderer's job.
 */

export type PanelName =
  | 'header'
  | 'topology'
  | 'neighbours'
  | 'files'
  | 'mirror'
  | 'transfers'
  | 'throughputIn'
  | 'throughputOut'
  | 'log'
  | 'status'
  | 'command'
  | 'overlay';

export interface Rect {
  top: number;
  left: number;
  width: number;
  height: number;
  /** Hidden panels keep a rect so the renderer can skip them without special cases. */
  visible: boolean;
}

export type LayoutRects = Record<PanelName, Rect>;

export interface Widgets {
  header: blessed.Widgets.BoxElement;
  topology: blessed.Widgets.BoxElement;
  neighbours: blessed.Widgets.BoxElement;
  files: blessed.Widgets.BoxElement;
  mirror: blessed.Widgets.BoxElement;
  transfers: blessed.Widgets.BoxElement;
  throughputIn: contrib.Widgets.SparklineElement;
  throughputOut: contrib.Widgets.SparklineElement;
  log: blessed.Widgets.BoxElement;
  status: blessed.Widgets.BoxElement;
  command: blessed.Widgets.BoxElement;
  overlay: blessed.Widgets.BoxElement;
}

/** Below this many body rows or columns only transfers and the log are shown (small tmux panes). */
const COMPACT_BELOW = { width: 60, bodyHeight: 10 } as const;
/** Below this many body rows the files and throughput panels give way to the rest. */
const MEDIUM_BELOW_BODY_HEIGHT = 18;
/** A sparkline needs a blank line, its title and the line itself inside its border (blessed-contrib's format). */
const THROUGHPUT_HEIGHT = 5;

const rect = (top: number, left: number, width: number, height: number, visible = true): Rect => ({
  top,
  left,
  width: Math.max(0, width),
  height: Math.max(0, height),
  visible: visible && width > 2 && height > 0,
});
const hidden: Rect = { top: 0, left: 0, width: 0, height: 0, visible: false };

/**
 * Where every panel goes for a terminal of `width` × `height`. Pure, so tests check every size without a
 * terminal. Header on the first row, status and command line on the last two, panels in two columns between:
 * the mesh on the left (topology, neighbours, files), the traffic on the right (transfers, throughput, log). On a
 * mirror peer (`mirror`), the Mirror panel takes the files panel's place (its own files are what `files` lists), or
 * the neighbours' when the body is too short for a third panel on the left.
 */
export function computeLayout(width: number, height: number, mirror = false): LayoutRects {
  const w = Math.max(1, width);
  const h = Math.max(3, height);
  const bodyTop = 1;
  const body = h - 3;
  const base = {
    header: rect(0, 0, w, 1),
    status: rect(h - 2, 0, w, 1),
    command: rect(h - 1, 0, w, 1),
    overlay: rect(1, 0, w, Math.max(3, body), false),
  };

  if (w < COMPACT_BELOW.width || body < COMPACT_BELOW.bodyHeight) {
    const transfers = Math.max(3, Math.floor(body * 0.4));
    return {
      ...base,
      topology: hidden,
      neighbours: hidden,
      files: hidden,
      mirror: hidden,
      throughputIn: hidden,
      throughputOut: hidden,
      transfers: rect(bodyTop, 0, w, Math.min(transfers, body), body >= 6),
      log: body >= 6 ? rect(bodyTop + transfers, 0, w, body - transfers) : rect(bodyTop, 0, w, body, body >= 3),
    };
  }

  const leftWidth = Math.floor(w * (w >= 100 ? 0.4 : 0.42));
  const rightWidth = w - leftWidth;
  const medium = body < MEDIUM_BELOW_BODY_HEIGHT;

  const topologyHeight = Math.max(5, Math.round(body * (medium ? 0.55 : 0.42)));
  const neighboursHeight = medium ? body - topologyHeight : Math.max(4, Math.round(body * 0.29));
  const filesHeight = body - topologyHeight - neighboursHeight;

  const transfersHeight = Math.max(4, Math.round(body * (medium ? 0.45 : 0.36)));
  const throughputHeight = medium ? 0 : THROUGHPUT_HEIGHT;
  const logHeight = body - transfersHeight - throughputHeight;
  const inWidth = Math.floor(rightWidth / 2);

  const neighbours = rect(bodyTop + topologyHeight, 0, leftWidth, neighboursHeight);
  const files = medium ? hidden : rect(bodyTop + topologyHeight + neighboursHeight, 0, leftWidth, filesHeight);
  return {
    ...base,
    topology: rect(bodyTop, 0, leftWidth, topologyHeight),
    neighbours: mirror && medium ? hidden : neighbours,
    files: mirror ? hidden : files,
    mirror: mirror ? (medium ? neighbours : files) : hidden,
    transfers: rect(bodyTop, leftWidth, rightWidth, transfersHeight),
    throughputIn: medium ? hidden : rect(bodyTop + transfersHeight, leftWidth, inWidth, throughputHeight),
    throughputOut: medium
      ? hidden
      : rect(bodyTop + transfersHeight, leftWidth + inWidth, rightWidth - inWidth, throughputHeight),
    log: rect(bodyTop + transfersHeight + throughputHeight, leftWidth, rightWidth, logHeight),
  };
}

/**
 * The layout with a status area of `statusRows` rows (a long message wraps upwards): the body gives the rows up, as
 * long as it keeps six.
 */
export function computeLayoutWithStatus(
  width: number,
  height: number,
  statusRows: number,
  mirror = false,
): LayoutRects {
  const extra = Math.max(0, Math.min(statusRows - 1, height - 9));
  const r = computeLayout(width, height - extra, mirror);
  return {
    ...r,
    status: rect(r.status.top, 0, r.status.width, 1 + extra),
    command: rect(r.command.top + extra, 0, r.command.width, 1),
  };
}

const BORDER = { type: 'line' } as const;
const panelStyle = (accent: string) => ({ border: { fg: accent }, label: { fg: accent, bold: true } });

/** Creates every widget once, hidden until `applyLayout` places it. */
export function createWidgets(screen: blessed.Widgets.Screen): Widgets {
  const panel = (label: string, accent = 'cyan'): blessed.Widgets.BoxElement =>
    blessed.box({
      parent: screen,
      label: ` ${label} `,
      tags: true,
      border: BORDER,
      style: panelStyle(accent),
      hidden: true,
      wrap: false,
    });
  const line = (): blessed.Widgets.BoxElement => blessed.box({ parent: screen, tags: true, wrap: false, hidden: true });
  const sparkline = (label: string, color: string): contrib.Widgets.SparklineElement =>
    sparklineWidget({
      parent: screen,
      label: ` ${label} `,
      tags: true,
      border: BORDER,
      hidden: true,
      style: { ...panelStyle('cyan'), fg: color, titleFg: 'white' },
    } as contrib.Widgets.SparklineOptions);
  return {
    header: line(),
    topology: panel('Topology'),
    neighbours: panel('Neighbours'),
    files: panel('Files'),
    mirror: panel('Mirror', 'magenta'),
    transfers: panel('Transfers', 'yellow'),
    throughputIn: sparkline('Received', 'green'),
    throughputOut: sparkline('Sent', 'magenta'),
    log: panel('Log'),
    status: line(),
    command: line(),
    // Drawn last so it covers the panels when shown (TOPO in full).
    overlay: blessed.box({
      parent: screen,
      label: ' Mesh topology ',
      tags: true,
      border: BORDER,
      hidden: true,
      wrap: false,
      style: { ...panelStyle('green'), bg: 'black' },
    }),
  };
}

/** Moves and sizes every widget to `rects`; the overlay's visibility is the dashboard's to decide. */
export function applyLayout(widgets: Widgets, rects: LayoutRects, overlayOpen: boolean): void {
  for (const name of Object.keys(widgets) as PanelName[]) {
    const widget = widgets[name];
    const r = rects[name];
    widget.top = r.top;
    widget.left = r.left;
    widget.width = r.width;
    widget.height = r.height;
    const visible = name === 'overlay' ? overlayOpen : r.visible;
    if (visible) widget.show();
    else widget.hide();
  }
}
