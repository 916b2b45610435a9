import type { FilesView } from './feeders/files-feeder.js';
import type { HeaderView } from './feeders/header-feeder.js';
import type { LogView } from './feeders/log-feeder.js';
import type { NeighboursView } from './feeders/neighbours-feeder.js';
import type { StatusView } from './feeders/status-feeder.js';
import type { ThroughputView } from './feeders/throughput-feeder.js';
import type { TopologyView } from './feeders/topology-feeder.js';
import type { TransfersView } from './feeders/transfers-feeder.js';
import type { LayoutRects, Rect, Widgets } from './layout.js';
import {
  commandLineText,
  fileLines,
  headerLine,
  logLines,
  neighbourLines,
  overlayLines,
  sparklineData,
  statusLine,
  throughputTitle,
  topologyLines,
} from './panel-text.js';
import type { TerminalCells } from './terminal-cells.js';
import { transferLines } from './transfer-text.js';

/** Everything one frame shows: each panel's view model, plus the command line's state. */
export interface DashboardViews {
  header: HeaderView;
  topology: TopologyView;
  neighbours: NeighboursView;
  files: FilesView;
  transfers: TransfersView;
  throughput: ThroughputView;
  log: LogView;
  status: StatusView;
  command: { prompt: string; text: string; cursor: number };
  /** The full topology view (TOPO), or null when closed. */
  overlay: TopologyView | null;
}

/** Inner size of a bordered panel. */
const inner = (r: Rect) => ({ width: Math.max(0, r.width - 2), height: Math.max(0, r.height - 2) });

/**
 * Maps view models onto the widgets. It sets contents only; the dashboard's render tick calls `screen.render()`
 * once afterwards, so a frame costs one terminal write however many panels changed. Every content goes through
 * `cells` (tui/terminal-cells.ts), so that blessed lays out one cell per terminal column.
 */
export class Renderer {
  constructor(
    private readonly widgets: Widgets,
    private readonly unicode: boolean,
    private readonly cells: TerminalCells,
  ) {}

  render(views: DashboardViews, rects: LayoutRects, now: number): void {
    this.assign(views, rects, now);
    if (!this.cells.ranOut()) return;
    // More different characters than codes since the codes were handed out: start afresh, and have blessed
    // redraw every cell rather than trust that a cell whose code is unchanged still shows the same character.
    this.cells.reset();
    this.assign(views, rects, now);
    this.cells.ranOut();
    this.widgets.header.screen.realloc();
  }

  private assign(views: DashboardViews, rects: LayoutRects, now: number): void {
    const w = this.widgets;
    const u = this.unicode;
    const cells = this.cells;
    w.header.setContent(cells.encode(headerLine(views.header, rects.header.width, u)));
    w.status.setContent(cells.encode(statusLine(views.status, rects.status.width, u)));
    const c = views.command;
    w.command.setContent(cells.encode(commandLineText(c.prompt, c.text, c.cursor, rects.command.width, u)));

    const set = (
      name: 'topology' | 'neighbours' | 'files' | 'transfers' | 'log' | 'overlay',
      lines: (width: number, height: number) => string[],
    ) => {
      const r = rects[name];
      if (!r.visible && name !== 'overlay') return;
      const size = inner(r);
      w[name].setContent(cells.encode(lines(size.width, size.height).join('\n')));
    };
    set('topology', (width, height) => topologyLines(views.topology, width, height, u));
    set('neighbours', (width, height) => neighbourLines(views.neighbours, width, height, now, u));
    set('files', (width, height) => fileLines(views.files, width, height, u));
    set('transfers', (width, height) => transferLines(views.transfers, width, height, u));
    set('log', (width, height) => logLines(views.log, width, height, u));
    if (views.overlay) set('overlay', (width, height) => overlayLines(views.overlay!, width, height, u));

    for (const direction of ['in', 'out'] as const) {
      const name = direction === 'in' ? 'throughputIn' : 'throughputOut';
      const r = rects[name];
      if (!r.visible) continue;
      const { width } = inner(r);
      const rates = direction === 'in' ? views.throughput.inRates : views.throughput.outRates;
      // blessed-contrib's sparkline prints `title:` then the line; the title carries the numbers.
      w[name].setData([throughputTitle(views.throughput, direction, width)], [sparklineData(rates, width)]);
    }
  }
}
