import type { FilesView } from './feeders/files-feeder.js';
import type { HeaderView } from './feeders/header-feeder.js';
import { answerLines } from './answer-view.js';
import type { LogLine, LogView } from './feeders/log-feeder.js';
import type { MirrorView } from './feeders/mirror-feeder.js';
import type { NeighboursView } from './feeders/neighbours-feeder.js';
import type { StatusView } from './feeders/status-feeder.js';
import type { ThroughputView } from './feeders/throughput-feeder.js';
import type { TopologyView } from './feeders/topology-feeder.js';
import type { TransfersView } from './feeders/transfers-feeder.js';
import type { LayoutRects, Rect, Widgets } from './layout.js';
import { escapeTags } from './format.js';
import { logLines } from './log-view.js';
import { mirrorPanelLines, mirrorViewLines } from './mirror-text.js';
import {
  commandLineText,
  fileLines,
  headerLine,
  neighbourLines,
  overlayLines,
  sparklineData,
  statusLines,
  throughputTitle,
  topologyLines,
} from './panel-text.js';
import type { Scrolling } from './scrolling.js';
import type { TerminalCells } from './terminal-cells.js';
import { transferLines } from './transfer-text.js';

/** Everything one frame shows: each panel's view model, plus the command line's state. */
export interface DashboardViews {
  header: HeaderView;
  topology: TopologyView;
  neighbours: NeighboursView;
  files: FilesView;
  /** A mirror peer's owners (the Mirror panel and the `mirror` view). */
  mirror: MirrorView;
  transfers: TransfersView;
  throughput: ThroughputView;
  log: LogView;
  status: StatusView;
  command: { prompt: string; text: string; cursor: number };
  /** Where the log and the open view (TOPO or a long answer) are scrolled to, and which view is open. */
  scrolling: Scrolling;
  /** A line kept on top of the log while following (the welcome, until the first command). */
  pinned: LogLine | null;
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

  private overlayLabel = '';

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
    // A long message wraps into the rows the layout gave the status line rather than losing its end.
    w.status.setContent(
      cells.encode(statusLines(views.status, rects.status.width, Math.max(1, rects.status.height), u).join('\n')),
    );
    const c = views.command;
    w.command.setContent(cells.encode(commandLineText(c.prompt, c.text, c.cursor, rects.command.width, u)));

    const set = (
      name: 'topology' | 'neighbours' | 'files' | 'mirror' | 'transfers' | 'log' | 'overlay',
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
    set('mirror', (width, height) => mirrorPanelLines(views.mirror, width, height, now, u));
    set('transfers', (width, height) => transferLines(views.transfers, width, height, u));
    const scrolling = views.scrolling;
    set('log', (width, height) => logLines(views.log, width, height, u, scrolling.log, views.pinned));
    const overlay = scrolling.overlay;
    if (overlay) {
      const title = { topology: 'Mesh topology', mirror: 'Mirror', answer: '' }[overlay.kind];
      const label = cells.encode(` ${overlay.kind === 'answer' ? escapeTags(overlay.content.title) : title} `);
      if (label !== this.overlayLabel) w.overlay.setLabel(label);
      this.overlayLabel = label;
      set('overlay', (width, height) =>
        overlay.kind === 'topology'
          ? overlayLines(views.topology, width, height, u, scrolling.view)
          : overlay.kind === 'mirror'
            ? mirrorViewLines(views.mirror, width, height, now, u, scrolling.view)
            : answerLines(overlay.content, width, height, scrolling.view, u),
      );
    }

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
