import type { PeerEvent, SourceShare } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';
import { keptShares, withPercents, type KeptShare, type ShareRow } from './source-shares.js';

/** `searching`: query sent, no holder yet; `verified`: download checked against its SHA-256; `sent`: upload done. */
export type TransferState = 'searching' | 'active' | 'verified' | 'sent' | 'failed';

export interface TransferRow {
  /**
   * `down:<download>` (one row for a download's whole life: every search round, source, relocation and resume) or
   * `up:<query>` (one row per request answered).
   */
  key: string;
  direction: 'down' | 'up';
  file: string;
  /** The other peer (holder for downloads, requester for uploads), or null while searching. */
  peer: string | null;
  /**
   * Every holder a download is fetched from, the first-answering one first: those still sending while in flight,
   * those that delivered anything once complete. Just `[peer]` for a single source; empty while searching.
   */
  sources: string[];
  /**
   * Who sent what, biggest contributor first: per holder its verified bytes, whether it is still sending
   * and its percent of what the holders delivered. From the latest progress or complete event; kept on finished
   * rows. Empty for uploads and before the first progress event.
   */
  shares: ShareRow[];
  /** Total size, or null while unknown. */
  bytes: number | null;
  done: number;
  /** done / bytes in [0, 1], or null while the size is unknown. */
  fraction: number | null;
  /** Bytes per second: recent window while active, average once finished; null before it can be measured. */
  speed: number | null;
  /** Estimated ms left, or null when unknown or stalled. */
  etaMs: number | null;
  state: TransferState;
  /** Why it failed. */
  reason: string | null;
  /** Verified bytes kept after a failure, for a later resume (null when nothing is kept). */
  kept: number | null;
  /** Bytes already held when the download (re)started from a partial file: not part of this run's speed. */
  resumedFrom: number;
  startedAt: number;
  finishedAt: number | null;
}

export interface TransfersView {
  /** In-flight rows first (oldest first), then finished ones (newest first). */
  rows: TransferRow[];
}

export interface TransfersFeederOptions {
  /** How long a finished transfer stays visible with its outcome. Default 15 000 ms. */
  keepFinishedMs?: number;
  /** At most this many finished rows are kept, newest first. Default 20. */
  maxFinished?: number;
  /** At most this many in-flight rows are tracked; the oldest are dropped past it. Default 200. */
  maxActive?: number;
  /** Speed is measured over this trailing window so it follows changes but does not jitter. Default 3 000 ms. */
  speedWindowMs?: number;
  /** A search with no answer is dropped after this long, in case `not-found` never comes. Default 60 000 ms. */
  searchTtlMs?: number;
}

interface Tracked extends Omit<TransferRow, 'fraction' | 'speed' | 'etaMs' | 'shares'> {
  /** Percents are worked out when the view is asked for, not on each of a burst of progress events. */
  shares: KeptShare[];
  /** Progress samples `[t, done]`, oldest first, pruned to the speed window plus one baseline. */
  samples: [number, number][];
}

type Flowing = Extract<
  PeerEvent,
  { event: 'download-started' | 'download-progress' | 'upload-started' | 'upload-progress' }
>;

/**
 * Samples closer together than window / SAMPLE_SLOTS replace each other, so a transfer keeps about this many
 * samples however fast its progress events come (bounded memory and work on a 1 GiB transfer).
 */
const SAMPLE_SLOTS = 16;

/**
 * Feeds the transfers panel from query-sent, download-* (several holders may serve one download: `sources`, and who
 * sent what: `shares`; a partial file may be resumed) and upload-* events.
 */
export class TransfersFeeder implements Feeder<TransfersView> {
  private readonly keepFinishedMs: number;
  private readonly maxFinished: number;
  private readonly maxActive: number;
  private readonly speedWindowMs: number;
  private readonly searchTtlMs: number;
  private readonly rows = new Map<string, Tracked>();

  constructor(options: TransfersFeederOptions = {}) {
    this.keepFinishedMs = options.keepFinishedMs ?? 15_000;
    this.maxFinished = options.maxFinished ?? 20;
    this.maxActive = options.maxActive ?? 200;
    this.speedWindowMs = options.speedWindowMs ?? 3_000;
    this.searchTtlMs = options.searchTtlMs ?? 60_000;
  }

  apply(event: PeerEvent): boolean {
    const t = event.t;
    const sizeBefore = this.rows.size;
    switch (event.event) {
      case 'query-sent': {
        // A later round of the same download (its holders left, or it was asked for again) is the same row: only a
        // new or finished one shows as searching; one in flight keeps its bar.
        const key = `down:${event.download}`;
        const inFlight = this.rows.get(key)?.finishedAt === null;
        const row = this.track(key, 'down', event.file, null, null, t, true);
        if (!inFlight) row.state = 'searching';
        break;
      }
      case 'download-started':
      case 'upload-started': {
        const row = this.flowing(event, true);
        row.state = 'active';
        row.startedAt = t;
        // A resumed download starts with what it held: its speed counts from there, not from zero.
        row.samples = [[t, row.done]];
        break;
      }
      case 'download-progress':
      case 'upload-progress': {
        const down = event.event === 'download-progress';
        const row = this.flowing(event, false);
        if (row.finishedAt !== null) return false;
        row.state = 'active';
        row.done = down ? event.received : event.sent;
        if (down) {
          row.sources = sourceNames(event.from, event.sources, (s) => s.active);
          row.shares = keptShares(event.sources, false);
        }
        this.sample(row, t);
        break;
      }
      case 'download-resumed': {
        // A partial file from an earlier attempt: the bar starts where it left off, the speed counts from here.
        const row = this.track(`down:${event.download}`, 'down', event.file, null, event.bytes, t, true);
        row.state = 'active';
        row.done = event.have;
        row.resumedFrom = event.have;
        row.samples = [[t, event.have]];
        break;
      }
      case 'download-complete': {
        const row = this.track(`down:${event.download}`, 'down', event.file, event.from, event.bytes, t);
        row.done = event.bytes;
        row.sources = sourceNames(event.from, event.sources, (s) => s.bytes > 0);
        // An event without shares (an older core) leaves the last progress event's in place.
        if ((event.sources ?? []).length > 0) row.shares = keptShares(event.sources, true);
        else row.shares = row.shares.filter((s) => s.bytes > 0);
        // The core measured the transfer itself; prefer its duration to our first-event guess.
        if (event.ms > 0) row.startedAt = t - event.ms;
        this.finish(row, 'verified', null, t);
        break;
      }
      case 'upload-complete': {
        const row = this.track(`up:${event.query}`, 'up', event.file, event.to, event.bytes, t);
        row.done = event.bytes;
        this.finish(row, 'sent', null, t);
        break;
      }
      case 'download-failed': {
        const row = this.track(`down:${event.download}`, 'down', event.file, null, null, t);
        row.kept = event.kept && event.kept > 0 ? event.kept : null;
        this.finish(row, 'failed', event.reason, t);
        break;
      }
      case 'upload-failed':
        this.finish(this.track(`up:${event.query}`, 'up', event.file, event.to, null, t), 'failed', event.reason, t);
        break;
      case 'download-cancelled':
        // The user stopped it: the row goes at once (what it kept is in `partials` and the log).
        if (!this.rows.delete(`down:${event.download}`)) return false;
        break;
      case 'not-found':
        this.finish(this.track(`down:${event.download}`, 'down', event.file, null, null, t), 'failed', 'not found', t);
        break;
      case 'custody-transfer': {
        // A leaving owner's file coming to this custodian: a row like a download's, marked as held for the owner.
        const key = `custody:${event.owner}:${event.file}`;
        const row = this.track(key, 'down', `${event.file} (for ${event.owner})`, event.owner, event.bytes, t);
        row.done = event.received;
        if (event.state === 'active') {
          if (row.state !== 'active') row.samples = [[t, row.done]];
          row.state = 'active';
          this.sample(row, t);
        } else this.finish(row, event.state, event.reason ?? null, t);
        break;
      }
      case 'ambiguous':
        this.finish(this.track(`down:${event.download}`, 'down', event.file, null, null, t), 'failed', 'ambiguous', t);
        break;
      default:
        return false;
    }
    // Bounding walks every row: do it only when a row appeared or finished, never per progress event.
    if (this.rows.size !== sizeBefore || !event.event.endsWith('progress')) this.bound();
    return true;
  }

  tick(now: number): boolean {
    let changed = false;
    for (const [k, row] of this.rows) {
      const expired =
        row.finishedAt !== null
          ? now - row.finishedAt > this.keepFinishedMs
          : row.state === 'searching' && now - row.startedAt > this.searchTtlMs;
      if (expired) {
        this.rows.delete(k);
        changed = true;
      } else if (row.state === 'active') {
        // Speed and ETA move with the clock even without events (a stalled transfer must show it).
        changed = true;
      }
    }
    return changed;
  }

  view(now: number): TransfersView {
    const inFlight: TransferRow[] = [];
    const finished: TransferRow[] = [];
    for (const row of this.rows.values()) {
      const out = this.present(row, now);
      (row.finishedAt === null ? inFlight : finished).push(out);
    }
    inFlight.sort((a, b) => a.startedAt - b.startedAt);
    finished.sort((a, b) => (b.finishedAt ?? 0) - (a.finishedAt ?? 0));
    return { rows: [...inFlight, ...finished] };
  }

  private present(row: Tracked, now: number): TransferRow {
    const { samples, shares, ...rest } = row;
    const fraction = row.bytes === null ? null : row.bytes === 0 ? 1 : Math.min(1, row.done / row.bytes);
    let speed: number | null = null;
    let etaMs: number | null = null;
    if (row.finishedAt !== null) {
      const elapsed = row.finishedAt - row.startedAt;
      speed = row.state === 'failed' || elapsed <= 0 ? null : ((row.done - row.resumedFrom) * 1000) / elapsed;
    } else if (row.state === 'active' && samples.length > 0) {
      const end = Math.max(now, samples[samples.length - 1]![0]);
      // Baseline: the newest sample at or before the window start, or the oldest one we have.
      let base = samples[0]!;
      for (const s of samples) if (s[0] <= end - this.speedWindowMs) base = s;
      const last = samples[samples.length - 1]!;
      const dt = end - base[0];
      if (dt > 0) {
        speed = ((last[1] - base[1]) * 1000) / dt;
        if (speed > 0 && row.bytes !== null) etaMs = Math.max(0, ((row.bytes - row.done) * 1000) / speed);
      }
    }
    return { ...rest, shares: withPercents(shares), fraction, speed, etaMs };
  }

  /** The row for `key`, made when new; `reopen` starts a finished one again (a download asked for again resumes). */
  /** The row of a transfer whose data flows: a download keyed by its `download` id, an upload by its `query`. */
  private flowing(event: Flowing, fresh: boolean): Tracked {
    if (event.event === 'download-started' || event.event === 'download-progress') {
      return this.track(`down:${event.download}`, 'down', event.file, event.from, event.bytes, event.t, fresh);
    }
    return this.track(`up:${event.query}`, 'up', event.file, event.to, event.bytes, event.t, fresh);
  }

  private track(
    key: string,
    direction: 'down' | 'up',
    file: string,
    peer: string | null,
    bytes: number | null,
    t: number,
    reopen = false,
  ): Tracked {
    let row = this.rows.get(key);
    if (row && reopen && row.finishedAt !== null) {
      this.rows.delete(key);
      row = undefined;
    }
    if (!row) {
      row = {
        key,
        direction,
        file,
        peer,
        sources: peer === null ? [] : [peer],
        shares: [],
        bytes,
        done: 0,
        state: 'active',
        reason: null,
        kept: null,
        resumedFrom: 0,
        startedAt: t,
        finishedAt: null,
        samples: [],
      };
      this.rows.set(key, row);
    }
    if (peer !== null) {
      row.peer = peer;
      if (!row.sources.includes(peer)) row.sources = [peer, ...row.sources];
    }
    if (bytes !== null) row.bytes = bytes;
    return row;
  }

  private sample(row: Tracked, t: number): void {
    const n = row.samples.length;
    if (n >= 2 && t - row.samples[n - 2]![0] < this.speedWindowMs / SAMPLE_SLOTS) row.samples[n - 1] = [t, row.done];
    else row.samples.push([t, row.done]);
    // Keep one sample older than the window as the baseline; drop the rest of the old ones.
    while (row.samples.length > 2 && row.samples[1]![0] <= t - this.speedWindowMs) row.samples.shift();
  }

  private finish(row: Tracked, state: TransferState, reason: string | null, t: number): void {
    row.state = state;
    row.reason = reason;
    row.finishedAt = t;
    row.samples = [];
  }

  /** Enforces maxFinished and maxActive by dropping the oldest rows of each kind. */
  private bound(): void {
    const finished = [...this.rows.values()].filter((r) => r.finishedAt !== null);
    if (finished.length > this.maxFinished) {
      finished.sort((a, b) => a.finishedAt! - b.finishedAt!);
      for (const r of finished.slice(0, finished.length - this.maxFinished)) this.rows.delete(r.key);
    }
    const active = [...this.rows.values()].filter((r) => r.finishedAt === null);
    if (active.length > this.maxActive) {
      active.sort((a, b) => a.startedAt - b.startedAt);
      for (const r of active.slice(0, active.length - this.maxActive)) this.rows.delete(r.key);
    }
  }
}

/** Source names for display: `first` (the holder that answered first) leads, then the others that pass `keep`. */
function sourceNames(
  first: string,
  sources: readonly SourceShare[] | undefined,
  keep: (s: SourceShare) => boolean,
): string[] {
  const others = (sources ?? []).filter((s) => keep(s) && s.name !== first).map((s) => s.name);
  return [first, ...others];
}
