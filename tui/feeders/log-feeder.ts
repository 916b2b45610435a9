import type { PeerEvent } from '../../peer/control/peer-events.js';
import { formatBytes, formatCapRate, formatDuration } from '../format.js';
import { fileTable, type Described } from './file-table.js';
import { trustedLines } from './trusted-lines.js';
import { topologyLines } from './topology-lines.js';
import { TraceSummaries, traceStepLines } from './trace-lines.js';
import { ambiguousLines } from './ambiguous-lines.js';
import { custodyLines } from './custody-lines.js';
import { MirrorLines } from './mirror-lines.js';
import type { Feeder } from './feeder.js';
import { keptShares, withPercents } from './source-shares.js';

/** `dim` is routine chatter (queries forwarded, duplicates); `ok` is good news (joined, verified). */
export type LogLevel = 'dim' | 'info' | 'ok' | 'warn' | 'error';

export interface LogLine {
  t: number;
  level: LogLevel;
  text: string;
  /** Column where the rows of a wrapped line go on (a table's description column); else under its text. */
  indent?: number;
}

export interface LogView {
  /** Oldest first; at most `maxLines`. */
  lines: LogLine[];
  /** Sequence number of `lines[0]` (lines are numbered from 0 as they are added), so a scrolled view can stay put. */
  first?: number;
}

/** The lines of one answer to a command (`help`, `list`, `find`, `where`, `files`), for a view of its own. */
export interface LogAnswer {
  cmd: number;
  /** What the view is titled: the command's name. */
  title: string;
  /** Its lines in the log, the first being its header (`list: 30 files in the mesh`). */
  lines: LogLine[];
}

export interface LogFeederOptions {
  /** Lines kept for the panel (the scrollback). Default 500. */
  maxLines?: number;
  /** Lines waiting for the log file at most (if the file falls behind, the oldest are dropped). Default 5 000. */
  maxPending?: number;
}

/**
 * Feeds the log panel (and the log file) with one or more readable lines per event: joins, leaves, server state,
 * queries seen and forwarded, hits, refusals, errors, help output, answers to list / find / where. Progress and
 * stats have their own panels and are not logged; a `topology` or `files` listing is logged in full only when it
 * answers a command (it carries `cmd`), because the core also sends them on its own.
 */
export class LogFeeder implements Feeder<LogView> {
  private readonly maxLines: number;
  private readonly maxPending: number;
  private readonly lines: LogLine[] = [];
  private pending: LogLine[] = [];
  private droppedPending = 0;
  /** Lines added so far, dropped ones included. */
  private total = 0;
  private lastAnswer: LogAnswer | null = null;
  /** A mirror's changes, grouped so that a sync of thousands of files logs a few lines. */
  private readonly mirror = new MirrorLines();
  /** Each trace's summary, logged once the topology picture has drawn its steps. */
  private readonly traces = new TraceSummaries();

  constructor(options: LogFeederOptions = {}) {
    this.maxLines = options.maxLines ?? 500;
    this.maxPending = options.maxPending ?? 5_000;
  }

  /** Adds a line that did not come from an event (welcome text, captured stray output); returns its lines. */
  add(level: LogLevel, text: string, t: number = Date.now()): LogLine[] {
    const added: LogLine[] = [];
    for (const part of text.split(/\r?\n/)) {
      if (part.trim() === '') continue;
      added.push({ t, level, text: part });
      this.push(added[added.length - 1]!);
    }
    return added;
  }

  apply(event: PeerEvent): boolean {
    const lines = this.describe(event);
    const added = lines.map(([level, text, indent]): LogLine => {
      const line: LogLine = indent === undefined ? { t: event.t, level, text } : { t: event.t, level, text, indent };
      this.push(line);
      return line;
    });
    const title = ANSWER_TITLES[event.event];
    if (title && event.cmd !== undefined && added.length > 0) {
      const detail =
        event.event === 'find-results' ? ` ${event.pattern}` : event.event === 'where' ? ` ${event.file}` : '';
      this.lastAnswer = { cmd: event.cmd, title: `${title}${detail}`, lines: added };
    }
    return lines.length > 0;
  }

  /** The summaries of bursts of mirrored changes that ended (or ran long). */
  tick(now: number): boolean {
    const lines = [...this.mirror.tick(now), ...this.traces.take(now)];
    for (const [level, text] of lines) this.push({ t: now, level, text });
    return lines.length > 0;
  }

  /** The answer to command number `cmd`, when it was the last one answered. */
  answer(cmd: number): LogAnswer | null {
    return this.lastAnswer?.cmd === cmd ? this.lastAnswer : null;
  }

  /** Lines added since the last call, for the log file. */
  drainPending(): LogLine[] {
    const out = this.pending;
    this.pending = [];
    if (this.droppedPending > 0) {
      out.unshift({ t: out[0]?.t ?? Date.now(), level: 'warn', text: `(${this.droppedPending} log lines dropped)` });
      this.droppedPending = 0;
    }
    return out;
  }

  view(): LogView {
    return { lines: [...this.lines], first: this.total - this.lines.length };
  }

  private push(line: LogLine): void {
    this.total += 1;
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
    this.pending.push(line);
    if (this.pending.length > this.maxPending) {
      this.droppedPending += this.pending.length - this.maxPending;
      this.pending.splice(0, this.pending.length - this.maxPending);
    }
  }

  private describe(e: PeerEvent): Described[] {
    switch (e.event) {
      case 'ready':
        return [
          [
            'ok',
            `joined the mesh as ${e.name} (id ${e.id}), listening on ${e.host}:${e.port}; neighbours: ${
              e.neighbours.length > 0 ? e.neighbours.join(', ') : 'none yet'
            }`,
          ],
        ];
      case 'neighbour-up':
        return [['info', `neighbour ${e.name} connected (${e.host}:${e.port})`]];
      case 'neighbour-down':
        return [['warn', `neighbour ${e.name} disconnected${e.reason ? `: ${e.reason}` : ''}`]];
      case 'server':
        return [describeServer(e)];
      case 'query-sent':
        return [
          [
            'info',
            `searching the mesh for ${e.file} (asked ${e.neighbours} neighbour${
              e.neighbours === 1 ? '' : 's'
            }, hop limit ${e.hops})`,
          ],
        ];
      case 'query-seen':
        return [describeQuerySeen(e)];
      case 'download-started':
        return [['info', `downloading ${e.file} from ${e.from} (${formatBytes(e.bytes)})`]];
      case 'download-resumed':
        return [['info', `resuming ${e.file}: ${formatBytes(e.have)} of ${formatBytes(e.bytes)} already here`]];
      case 'download-complete':
        return [
          [
            'ok',
            `${e.file} verified (sha256 ${e.sha256.slice(0, 12)}…) from ${whoSent(e.from, e.sources)} in ${formatDuration(
              e.ms,
            )}, saved as ${e.path}`,
          ],
        ];
      case 'download-failed':
        return [
          [
            'error',
            `download of ${e.file} failed: ${e.reason}${e.kept && !/\bkept\b/.test(e.reason) ? ` (${formatBytes(e.kept)} kept to resume)` : ''}`,
          ],
        ];
      case 'not-found':
        return [['warn', `${e.file}: no peer answered (not found in the mesh)${didYouMean(e.suggestions)}`]];
      case 'ambiguous':
        return ambiguousLines(e);
      case 'download-cancelled':
        return [['warn', cancelledLine(e)]];
      case 'partials':
        return partialsLines(e.files, e.t);
      case 'trusted':
        return trustedLines(e);
      case 'already-have':
        return [['info', `${e.file}: already held at ${e.path}, nothing fetched`]];
      case 'limits':
        return [['info', `bandwidth caps: up ${capText(e.up)}, down ${capText(e.down)}`]];
      case 'upload-started':
        return [['info', `sending ${e.file} to ${e.to} (${formatBytes(e.bytes)})`]];
      case 'upload-complete':
        return [['ok', `sent ${e.file} to ${e.to} (${formatBytes(e.bytes)})`]];
      case 'upload-failed':
        return [['error', `sending ${e.file} to ${e.to} failed: ${e.reason}`]];
      case 'topology':
        return e.cmd === undefined ? [] : topologyLines(e);
      case 'trace':
        this.traces.add(e);
        return traceStepLines(e);
      case 'list': {
        // Without the metadata server the answer is what this peer has seen: the header says so, on top of the view.
        const known = e.source === 'address-book';
        const where = known ? 'this peer knows of (metadata server unreachable: not the whole mesh)' : 'in the mesh';
        return e.files.length === 0
          ? [known ? ['warn', `list: no files ${where}`] : ['info', 'list: no files in the mesh index']]
          : [
              [known ? 'warn' : 'info', `list: ${e.files.length} file${e.files.length === 1 ? '' : 's'} ${where}`],
              ...fileTable(
                e.files.map((f) => [f.name, formatBytes(f.size), `${f.holders} holder${f.holders === 1 ? '' : 's'}`]),
              ),
            ];
      }
      case 'find-results': {
        const partial = e.source === 'address-book' ? ' (metadata server unreachable: this peer knows only these)' : '';
        return e.files.length === 0
          ? [['warn', `find ${e.pattern}: nothing matches${partial}`]]
          : [
              [
                partial ? 'warn' : 'info',
                `find ${e.pattern}: ${e.files.length} match${e.files.length === 1 ? '' : 'es'}${partial}`,
              ],
              ...fileTable(e.files.map((f) => [f.name, formatBytes(f.size), f.holders.join(', ')])),
            ];
      }
      case 'where':
        return e.holders.length === 0
          ? [['warn', `where ${e.file}: no known holder`]]
          : [
              ['info', `where ${e.file}: ${e.holders.length} holder${e.holders.length === 1 ? '' : 's'}`],
              ...fileTable(
                e.holders.map((h) => [
                  h.name,
                  `${h.host}:${h.port}`,
                  `${formatBytes(h.size)} · ${h.source === 'index' ? 'server index' : 'address book'}`,
                ]),
              ),
            ];
      case 'files': {
        if (e.cmd === undefined) return [];
        const section = (title: string, files: readonly { name: string; size: number }[]): [LogLevel, string][] => [
          [
            'info',
            `${title}: ${files.length} file${files.length === 1 ? '' : 's'}, ${formatBytes(files.reduce((n, f) => n + f.size, 0))}`,
          ],
          ...files.map((f): [LogLevel, string] => ['info', `  ${f.name}  ${formatBytes(f.size)}`]),
        ];
        const settling = e.settling ?? [];
        return [
          ...section('shared/', e.shared),
          ...section('Downloads/', e.downloads),
          ...(settling.length > 0 ? section('still being written (offered once unchanged for 2 s)', settling) : []),
        ];
      }
      case 'help': {
        const width = Math.max(0, ...e.commands.map((c) => c.command.length));
        return [
          ['info', 'commands:'],
          ...e.commands.map((c): Described => ['info', `  ${c.command.padEnd(width)}  ${c.description}`, width + 4]),
        ];
      }
      case 'log':
        return [[e.level === 'warn' ? 'warn' : 'info', e.message]];
      case 'error':
        return [['error', e.message]];
      case 'leaving':
        return [['warn', `leaving the mesh: ${e.reason}`]];
      case 'stopped':
        return [['warn', `stopped: ${e.reason}`]];
      default:
        // Custody's and the mirror's own lines; download-progress, upload-progress, neighbour-stats, mesh,
        // mirror-status: their own panels.
        return e.event === 'mirror' ? this.mirror.lines(e) : custodyLines(e);
    }
  }
}

/** Answers that get a view of their own when they do not fit in the log panel (a topology has the TOPO view). */
const ANSWER_TITLES: Partial<Record<PeerEvent['event'], string>> = {
  help: 'help',
  list: 'list',
  'find-results': 'find',
  where: 'where',
  files: 'files',
  trusted: 'trusted',
};

/**
 * Who sent a finished download: `s3 (60%), s5 (40%)`, biggest share first, holders that sent nothing
 * left out; just the name when one holder sent it all (or the core did not say).
 */
function whoSent(
  from: string,
  sources: Extract<PeerEvent, { event: 'download-complete' }>['sources'] | undefined,
): string {
  const shares = withPercents(keptShares(sources, true));
  if (shares.length === 0) return from;
  if (shares.length === 1) return shares[0]!.name;
  return shares.map((s) => `${s.name} (${s.percent}%)`).join(', ');
}

function describeServer(e: Extract<PeerEvent, { event: 'server' }>): [LogLevel, string] {
  const detail = e.message ? `: ${e.message}` : '';
  switch (e.state) {
    case 'connecting':
      return ['info', `metadata server ${e.address}: connecting…`];
    case 'connected':
      return [
        'ok',
        `metadata server ${e.address}: connected${typeof e.peers === 'number' ? ` (${e.peers} peers)` : ''}`,
      ];
    case 'unreachable':
      return [
        'warn',
        `metadata server ${e.address} unreachable${detail}${
          typeof e.retryInMs === 'number' ? `; retrying in ${formatDuration(e.retryInMs)}` : ''
        }`,
      ];
    case 'lost':
      return ['warn', `lost the metadata server ${e.address}${detail}`];
  }
}

function describeQuerySeen(e: Extract<PeerEvent, { event: 'query-seen' }>): [LogLevel, string] {
  const what = `query for ${e.file} from ${e.origin}${e.from !== e.origin ? ` via ${e.from}` : ''}`;
  switch (e.action) {
    case 'answered':
      return ['ok', `${what}: we hold it, sending`];
    case 'forwarded':
      return ['dim', `${what}: forwarded (hops ${e.hops})`];
    case 'duplicate':
      return ['dim', `${what}: already seen, dropped`];
    case 'refused':
      return ['warn', `${what}: refused${e.reason ? `: ${e.reason}` : ''}`];
    case 'expired':
      return ['dim', `${what}: hop limit reached, not forwarded`];
    case 'own':
      return ['dim', `${what}: our own query came back, dropped`];
  }
}

/** `; did you mean a, b?` for a `not-found` with close names; nothing without. */
function didYouMean(suggestions: readonly string[] | undefined): string {
  return suggestions && suggestions.length > 0 ? `; did you mean ${suggestions.join(', ')}?` : '';
}

/** `movie.bin: download cancelled; 72 MB kept: type its name to resume` (or: its data deleted). */
function cancelledLine(e: Extract<PeerEvent, { event: 'download-cancelled' }>): string {
  if (e.discarded) return `${e.file}: download cancelled, its partial data deleted`;
  return `${e.file}: download cancelled; ${formatBytes(e.kept)} kept: type its name to resume`;
}

/** The answer to `partials`: one line per kept download, with how much is verified and how long ago it moved. */
function partialsLines(files: Extract<PeerEvent, { event: 'partials' }>['files'], now: number): [LogLevel, string][] {
  if (files.length === 0) return [['info', 'no partial downloads are kept']];
  return [
    ['info', `partial downloads kept (${files.length}):`],
    ...files.map((f): [LogLevel, string] => [
      'info',
      `  ${f.file}  ${formatBytes(f.have)} of ${formatBytes(f.bytes)} (${f.percent}%)${
        f.running ? ', downloading' : `, ${formatDuration(Math.max(0, now - f.modified))} ago`
      }`,
    ]),
  ];
}

/** One cap for the log: `20 MB/s`, or `none`. */
function capText(bytesPerSecond: number | null): string {
  return bytesPerSecond === null ? 'none' : formatCapRate(bytesPerSecond);
}
