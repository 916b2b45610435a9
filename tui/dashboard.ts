import type blessed from 'blessed';
import type { PeerEvent } from '../peer/control/peer-events.js';
import type { PeerHandle } from '../peer/control/peer-handle.js';
import { CommandLine, type KeyInfo } from './command-line.js';
import type { Feeder } from './feeders/feeder.js';
import { FilesFeeder } from './feeders/files-feeder.js';
import { HeaderFeeder } from './feeders/header-feeder.js';
import { LogFeeder, type LogLine } from './feeders/log-feeder.js';
import { MirrorFeeder } from './feeders/mirror-feeder.js';
import { NamesFeeder } from './feeders/names-feeder.js';
import { NeighboursFeeder } from './feeders/neighbours-feeder.js';
import { StatusFeeder } from './feeders/status-feeder.js';
import { ThroughputFeeder } from './feeders/throughput-feeder.js';
import { TopologyFeeder } from './feeders/topology-feeder.js';
import { TransfersFeeder } from './feeders/transfers-feeder.js';
import { applyLayout, computeLayoutWithStatus, createWidgets, type LayoutRects, type Widgets } from './layout.js';
import { LogFileWriter } from './log-file-writer.js';
import { statusLines } from './panel-text.js';
import { Renderer, type DashboardViews } from './renderer.js';
import { Scrolling } from './scrolling.js';
import { openScreen } from './screen.js';
import { isTerminfoNoise, restoreTerminalOnCrash, StrayOutputCapture } from './terminal-guard.js';

/** Events that change what the peer is (joined, leaving): drawn without waiting for the render tick. */
const PHASES = new Set<PeerEvent['event']>(['ready', 'leaving']);
export interface DashboardOptions {
  /** File the log panel's lines are appended to (the peer's folder). */
  logFile: string;
  /** Metadata server address the peer was started with (shown until the core reports its state). */
  serverAddress: string;
  /** Product version for the header. */
  version: string;
  /** Render tick period: the screen is redrawn at most this often for peer events. Default 250 ms. */
  renderIntervalMs?: number;
  /** A line for the log at start. Default `process.env.P2P_WELCOME` (the demo sets it). */
  welcome?: string;
  /** File names Tab offers before any were seen. Default `process.env.P2P_SUGGEST`, comma-separated. */
  suggestions?: string[];
}

export interface DashboardHandle {
  /** Restores the terminal and stops listening; idempotent. The peer keeps running. */
  destroy(): void;
  /** Frames drawn and events received so far (tests check the render rate under load). */
  stats(): { renders: number; events: number };
}

/**
 * Shows the live dashboard for `peer` until it reports `stopped` (or `destroy()` is called). The dashboard only
 * subscribes to the peer's events and sends it command lines (peer/peer-handle.ts); it never exits the process.
 */
export function runDashboard(peer: PeerHandle, options: DashboardOptions): DashboardHandle {
  const dashboard = new Dashboard(peer, options);
  return { destroy: () => dashboard.destroy(), stats: () => dashboard.stats() };
}

/** How many of our latest command numbers are remembered, to recognise the answers to them. */
const MAX_OWN_COMMANDS = 100;
/** One printable character (not a control key), as typed. */
const PRINTABLE = /^[^\u0000-\u001f\u007f]$/;
/** Rows a long status message may take (it wraps upwards). */
const STATUS_MAX_ROWS = 3;
/** Lines the log panel keeps to scroll back through (the log file keeps everything). */
const LOG_SCROLLBACK = 2_000;
const CONFIRM_TEXT = 'Leave the mesh? y = leave gracefully (Stop), any other key = stay';

class Dashboard {
  private readonly header: HeaderFeeder;
  private readonly topology: TopologyFeeder;
  private readonly neighbours = new NeighboursFeeder();
  private readonly files = new FilesFeeder();
  private readonly mirror = new MirrorFeeder();
  private readonly transfers = new TransfersFeeder();
  private readonly throughput = new ThroughputFeeder();
  private readonly log = new LogFeeder({ maxLines: LOG_SCROLLBACK });
  private readonly status = new StatusFeeder();
  private readonly names = new NamesFeeder();
  private readonly feeders: Feeder<unknown>[];
  private readonly commandLine: CommandLine;
  private readonly logFile: LogFileWriter;
  private readonly screen: blessed.Widgets.Screen;
  private readonly widgets: Widgets;
  private readonly renderer: Renderer;
  private readonly capture: StrayOutputCapture;
  private readonly removeCrashHook: () => void;
  private readonly unsubscribe: () => void;
  private readonly timer: NodeJS.Timeout;
  private rects: LayoutRects;
  /** `rects` with the open view's own size. */
  private shownRects: LayoutRects;
  private dirty = true;
  private soon: NodeJS.Immediate | null = null;
  private lastRender = 0;
  private readonly renderIntervalMs: number;
  private renders = 0;
  private statusRows = 1;
  /** The layout has the Mirror panel (the peer mirrors). */
  private laidOutMirror = false;
  private events = 0;
  /** Where the log and the open view are scrolled to; which view (TOPO, a long answer) is open over the panels. */
  private readonly scrolling = new Scrolling();
  /** The welcome, kept on top of the log until the first command is sent. */
  private pinned: LogLine | null = null;
  /**
   * Sequence numbers of the lines this dashboard sent (PeerHandle.command): an event carrying one as `cmd` answers
   * us (a `topology` with one opens the full TOPO view). Nothing typed is parsed here; the core says what it was.
   */
  private readonly ownCommands = new Set<number>();
  /** The leave question was opened by `q` (not Ctrl-C), which may have been a file name's first letter. */
  private confirmViaQ = false;
  private destroyed = false;

  constructor(
    private readonly peer: PeerHandle,
    options: DashboardOptions,
  ) {
    this.header = new HeaderFeeder({ name: peer.name, serverAddress: options.serverAddress, version: options.version });
    this.topology = new TopologyFeeder(peer.name);
    this.feeders = [
      this.header,
      this.topology,
      this.neighbours,
      this.files,
      this.mirror,
      this.transfers,
      this.throughput,
      this.log,
      this.status,
      this.names,
    ];
    this.commandLine = new CommandLine({ completions: () => this.names.all() });
    this.logFile = new LogFileWriter(options.logFile);

    const { screen, cells, utf8, captured } = openScreen(`meshshare ${peer.name}`);
    this.screen = screen;
    this.removeCrashHook = restoreTerminalOnCrash(() => this.destroy());
    this.capture = new StrayOutputCapture((text) => {
      this.log.add('warn', text.trimEnd());
      this.dirty = true;
    });
    if (captured && !isTerminfoNoise(captured)) this.log.add('warn', captured);

    this.widgets = createWidgets(screen);
    this.rects = computeLayoutWithStatus(screen.width as number, screen.height as number, 1);
    this.shownRects = this.rects;
    applyLayout(this.widgets, this.rects, false);
    this.renderer = new Renderer(this.widgets, utf8, cells);

    const welcome = options.welcome ?? process.env['P2P_WELCOME'];
    const welcomeLines = welcome ? this.log.add('ok', welcome) : [];
    this.log.add('dim', `dashboard for ${peer.name}; this log is also written to ${options.logFile}`);
    // The welcome stays in sight: on top of the log, or in a view of its own when the log is too small for it.
    const welcomeView = { title: 'welcome', lines: welcomeLines };
    if (welcomeLines.length > 0 && this.scrolling.openIfLong(welcomeView, this.rects.log, 2)) this.placeOverlay();
    else this.pinned = welcomeLines[0] ?? null;
    this.names.add(options.suggestions ?? (process.env['P2P_SUGGEST'] ?? '').split(',').filter(Boolean));

    this.unsubscribe = peer.subscribe((event) => this.onEvent(event));
    screen.on('keypress', (ch: string | undefined, key: KeyInfo | undefined) => this.onKey(ch, key ?? {}));
    // The mouse wheel scrolls the log or the open view (button presses only: no motion reports).
    screen.program.setMouse({ vt200Mouse: true, sgrMouse: true }, true);
    screen.program.on('mouse', (data: { action?: string }) => this.onWheel(data.action));
    screen.on('resize', () => {
      this.relayout();
      this.render(Date.now());
    });
    this.renderIntervalMs = options.renderIntervalMs ?? 250;
    this.timer = setInterval(() => this.tick(), this.renderIntervalMs);
    this.render(Date.now());
  }

  stats(): { renders: number; events: number } {
    return { renders: this.renders, events: this.events };
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    // The terminal first: on a crash this runs from the monitor, possibly before the constructor finished.
    this.capture?.restore();
    this.screen?.program.disableMouse();
    this.screen?.destroy();
    clearInterval(this.timer);
    if (this.soon) clearImmediate(this.soon);
    this.unsubscribe?.();
    this.removeCrashHook?.();
    this.flushLog();
  }

  private onEvent(event: PeerEvent): void {
    if (this.destroyed) return;
    this.events += 1;
    try {
      for (const feeder of this.feeders) if (feeder.apply(event)) this.dirty = true;
      if (event.cmd !== undefined && this.ownCommands.has(event.cmd)) this.onAnswer(event.event, event.cmd);
    } catch (err) {
      // A dashboard bug must not break the peer core that is emitting: report it where the user looks.
      this.log.add('error', `dashboard could not show a ${event.event} event: ${(err as Error).message}`);
      this.dirty = true;
    }
    if (event.event === 'stopped') {
      this.destroy();
      return;
    }
    // An event after a quiet spell (an answer) is drawn at once, and so is joining or leaving (once per run); a
    // burst waits for the render tick.
    if (this.dirty && (PHASES.has(event.event) || Date.now() - this.lastRender >= this.renderIntervalMs))
      this.requestRender();
  }

  private onKey(ch: string | undefined, key: KeyInfo): void {
    if (this.destroyed) return;
    const name = key.full ?? key.name ?? '';
    const now = Date.now();
    if (this.status.kind === 'leaving') {
      // Stop was sent; a further Ctrl-C forces: leave now, without waiting for a handoff of this peer's files.
      if (name === 'C-c') this.peer.command('Stop now');
      return;
    }
    if (this.status.kind === 'confirm') {
      const viaQ = this.confirmViaQ;
      this.confirmViaQ = false;
      if (name === 'C-c' || ch === 'y' || ch === 'Y') {
        this.leave(now);
      } else {
        this.status.clear(now);
        // The `q` may have been the first letter of a file name (`quarterly.pdf`): carry on typing it.
        if (viaQ && ch && PRINTABLE.test(ch) && ch.toLowerCase() !== 'n' && !key.ctrl && !key.meta) {
          this.commandLine.insert('q');
          this.commandLine.handleKey(ch, key);
        }
      }
      this.requestRender();
      return;
    }
    const q = ch === 'q' && !key.ctrl && !key.meta && this.commandLine.text === '';
    if (name === 'C-c' || q) {
      this.confirmViaQ = q;
      this.status.confirm(CONFIRM_TEXT, now);
      this.requestRender();
      return;
    }
    if (this.scrolling.key(name, this.commandLine)) {
      this.requestRender();
      return;
    }
    if (name === 'escape') {
      if (!this.closeView()) this.commandLine.clear();
      this.status.clear(now);
      this.requestRender();
      return;
    }
    const result = this.commandLine.handleKey(ch, key);
    if (result.kind === 'submit') this.submit(result.line, now);
    else if (result.kind === 'completions') {
      const shown = result.candidates.slice(0, 12).join(' · ');
      if (result.candidates.length === 0)
        this.status.show('warn', `no known name starts with "${this.commandLine.text}"`, now);
      else
        this.status.show(
          'info',
          `${result.candidates.length} match${result.candidates.length === 1 ? '' : 'es'}: ${shown}`,
          now,
        );
    }
    if (result.kind !== 'ignored') this.requestRender();
  }

  private submit(typed: string, now: number): void {
    const line = typed.trim();
    // A line sent (or Enter on an empty one) closes the open view: its answer, if long, opens a new one.
    this.closeView();
    if (line === '') return;
    this.pinned = null;
    this.scrolling.log.end();
    this.status.clear(now);
    this.log.add('info', `> ${line}`, now);
    this.sendCommand(line);
  }

  private leave(now: number): void {
    this.log.add('info', '> Stop', now);
    this.sendCommand('Stop');
  }

  /** Sends a line; what it causes comes back as events (`leaving` for Stop, `topology` for TOPO, …). */
  private sendCommand(line: string): void {
    try {
      this.ownCommands.add(this.peer.command(line));
      if (this.ownCommands.size > MAX_OWN_COMMANDS) this.ownCommands.delete(this.ownCommands.values().next().value!);
    } catch (err) {
      this.log.add('error', `command failed: ${(err as Error).message}`);
    }
  }

  /**
   * An event answering one of our lines: TOPO opens its view; a long answer (help, list, find, where, files) opens
   * in a view that fits the screen when the log panel cannot show it whole. Each line has one answer.
   */
  private onAnswer(kind: string, cmd: number): void {
    if (kind === 'topology' || kind === 'mirror-status') {
      this.ownCommands.delete(cmd);
      this.scrolling.open({ kind: kind === 'topology' ? 'topology' : 'mirror' });
      this.placeOverlay();
      return;
    }
    const answer = this.log.answer(cmd);
    if (!answer) return;
    this.ownCommands.delete(cmd);
    if (this.scrolling.openIfLong(answer, this.rects.log)) this.placeOverlay();
  }

  /** Closes the open view; false when none was open. */
  private closeView(): boolean {
    if (!this.scrolling.close()) return false;
    this.placeOverlay();
    return true;
  }

  private onWheel(action: string | undefined): void {
    if (this.destroyed || (action !== 'wheelup' && action !== 'wheeldown')) return;
    this.scrolling.wheel(action === 'wheelup' ? -1 : 1);
    this.requestRender();
  }

  private relayout(): void {
    this.laidOutMirror = this.mirror.active;
    const [width, height] = [this.screen.width as number, this.screen.height as number];
    this.rects = computeLayoutWithStatus(width, height, this.statusRows, this.laidOutMirror);
    this.placeOverlay();
  }

  /** Places every widget, the open view in front (the mirror view as tall as its rows, which change with owners). */
  private placeOverlay(): void {
    this.shownRects = this.scrolling.place(this.rects, this.mirror.view());
    applyLayout(this.widgets, this.shownRects, this.scrolling.overlay !== null);
    if (this.scrolling.overlay) this.widgets.overlay.setFront();
    this.dirty = true;
  }

  /** Keystrokes are drawn on the next turn of the event loop (a paste arrives as one burst: one frame). */
  private requestRender(): void {
    this.dirty = true;
    if (this.soon || this.destroyed) return;
    this.soon = setImmediate(() => {
      this.soon = null;
      if (this.dirty && !this.destroyed) this.render(Date.now());
    });
  }

  /** The render tick: time-driven feeders, a 1 Hz refresh for ages and ETAs, and the log file. */
  private tick(): void {
    const now = Date.now();
    for (const feeder of this.feeders) if (feeder.tick?.(now)) this.dirty = true;
    if (now - this.lastRender >= 1000) this.dirty = true;
    this.flushLog();
    // A frame drawn for an event moments ago (onEvent) stands for this tick: at most one frame per period.
    if (this.dirty && now - this.lastRender >= this.renderIntervalMs / 2) this.render(now);
  }

  private flushLog(): void {
    const problem = this.logFile.write(this.log.drainPending());
    if (problem) {
      this.log.add('error', problem);
      this.dirty = true;
    }
  }

  private render(now: number): void {
    if (this.destroyed) return;
    const header = this.header.view();
    const status = this.status.view();
    // A long status message takes up to three rows, which the body gives up while it shows.
    const statusRows = statusLines(status, this.rects.status.width, STATUS_MAX_ROWS, true).length;
    if (statusRows !== this.statusRows || this.laidOutMirror !== this.mirror.active) {
      this.statusRows = statusRows;
      this.relayout();
    } else if (this.scrolling.overlay?.kind === 'mirror') this.placeOverlay(); // its height follows its owners
    const views: DashboardViews = {
      header,
      topology: this.topology.view(),
      neighbours: this.neighbours.view(),
      files: this.files.view(),
      mirror: this.mirror.view(),
      transfers: this.transfers.view(now),
      throughput: this.throughput.view(),
      log: this.log.view(),
      status,
      command: { prompt: `${header.name}>`, text: this.commandLine.text, cursor: this.commandLine.cursor },
      scrolling: this.scrolling,
      pinned: this.pinned,
    };
    this.renderer.render(views, this.shownRects, now);
    this.screen.render();
    this.renders += 1;
    this.lastRender = now;
    this.dirty = false;
  }
}
