import type { PeerEvent } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';

/**
 * `hint`: the resting help text; `error`: a refused command (shown prominently, docs/CONTRACT.md "What bad input gets");
 * `ok`/`warn`/`info`: the outcome of the user's last request; `confirm`: waiting for y/n; `leaving`: the peer said it
 * is leaving (nothing else replaces this line until the process ends).
 */
export type StatusKind = 'hint' | 'info' | 'ok' | 'warn' | 'error' | 'confirm' | 'leaving';

export interface StatusView {
  kind: StatusKind;
  text: string;
}

export interface StatusFeederOptions {
  /** How long an outcome or error stays before the hint returns. Default 10 000 ms. */
  messageTtlMs?: number;
}

/** The resting line: what can be typed and which keys do what. This one reads at 80 columns. */
export const DEFAULT_HINT = 'type a file name to fetch it · help · Tab · ↑↓ history · PgUp/PgDn scroll';

/** The resting line for wider terminals first, then DEFAULT_HINT: the status line shows the first that fits. */
export const HINTS: readonly string[] = [
  'type a file name to fetch it · TOPO · help · Stop · Tab completes · ↑↓ history · PgUp/PgDn, wheel scroll · Esc closes a view',
  'type a file name to fetch it · TOPO · help · Stop · Tab completes · ↑↓ history · PgUp/PgDn scroll',
  DEFAULT_HINT,
];

/** Feeds the one-line status above the command line. The dashboard also drives it for confirmations. */
export class StatusFeeder implements Feeder<StatusView> {
  private readonly messageTtlMs: number;
  private current: StatusView = { kind: 'hint', text: DEFAULT_HINT };
  private since = 0;

  constructor(options: StatusFeederOptions = {}) {
    this.messageTtlMs = options.messageTtlMs ?? 10_000;
  }

  apply(event: PeerEvent): boolean {
    switch (event.event) {
      case 'error':
        return this.show('error', event.message, event.t);
      case 'not-found':
        return this.show(
          'warn',
          `${event.file}: not found in the mesh${
            event.suggestions?.length ? `; did you mean ${event.suggestions.slice(0, 3).join(', ')}?` : ''
          }`,
          event.t,
        );
      case 'ambiguous':
        return this.show(
          'warn',
          `${event.file}: ${event.choices.length} different contents; type ${event.file} from PEER or ${event.file} sha256 PREFIX`,
          event.t,
        );
      case 'already-have':
        return this.show('info', `${event.file}: already held (${event.path})`, event.t);
      case 'download-complete':
        return this.show('ok', `${event.file}: verified, saved as ${event.path}`, event.t);
      case 'download-failed':
        return this.show('error', `${event.file}: download failed: ${event.reason}`, event.t);
      case 'leaving':
        return this.set({ kind: 'leaving', text: 'leaving the mesh…' }, event.t);
      case 'stopped':
        return this.set({ kind: 'leaving', text: `stopped: ${event.reason}` }, event.t);
      default:
        return false;
    }
  }

  /** Shows a message that expires after messageTtlMs (unless a confirmation or leaving is showing). */
  show(kind: 'info' | 'ok' | 'warn' | 'error', text: string, now: number): boolean {
    if (this.current.kind === 'confirm' || this.current.kind === 'leaving') return false;
    return this.set({ kind, text }, now);
  }

  /** Asks a yes/no question; it stays until answered. */
  confirm(text: string, now: number): boolean {
    return this.set({ kind: 'confirm', text }, now);
  }

  /** Back to the hint (the question was answered no, or the user started typing again). */
  clear(now: number): boolean {
    if (this.current.kind === 'leaving') return false;
    return this.set({ kind: 'hint', text: DEFAULT_HINT }, now);
  }

  get kind(): StatusKind {
    return this.current.kind;
  }

  tick(now: number): boolean {
    const transient =
      this.current.kind === 'info' ||
      this.current.kind === 'ok' ||
      this.current.kind === 'warn' ||
      this.current.kind === 'error';
    if (transient && now - this.since > this.messageTtlMs) return this.clear(now);
    return false;
  }

  view(): StatusView {
    return { ...this.current };
  }

  private set(next: StatusView, now: number): boolean {
    this.since = now;
    if (next.kind === this.current.kind && next.text === this.current.text) return false;
    this.current = next;
    return true;
  }
}
