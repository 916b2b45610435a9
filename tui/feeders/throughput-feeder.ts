import type { PeerEvent } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';

export interface ThroughputView {
  /** Receive rate per bucket in bytes/s, oldest first; at most `historyBuckets` long. */
  inRates: number[];
  /** Send rate per bucket in bytes/s, oldest first. */
  outRates: number[];
  /** Rate of the last closed bucket. */
  currentIn: number;
  currentOut: number;
  /** Highest bucket rate in the history. */
  peakIn: number;
  peakOut: number;
  /** Bytes received / sent by transfers since the dashboard started. */
  totalIn: number;
  totalOut: number;
  /** The peer's caps in bytes/s (`--max-down`/`--max-up`, `limit`), from its `limits` events; null: none. */
  capIn: number | null;
  capOut: number | null;
}

export interface ThroughputFeederOptions {
  /** Width of one sample. Default 1 000 ms. */
  bucketMs?: number;
  /** Samples kept (the sparkline shows the newest that fit). Default 120. */
  historyBuckets?: number;
}

/** In-flight transfers whose last position is remembered; past this the oldest are forgotten (bounded map). */
const MAX_TRACKED = 1_000;

/**
 * Feeds the throughput sparklines: turns the running byte counts of download/upload progress events into
 * per-second receive and send rates. The peer core reports positions, not deltas, so the feeder keeps each
 * transfer's last position.
 */
export class ThroughputFeeder implements Feeder<ThroughputView> {
  private readonly bucketMs: number;
  private readonly historyBuckets: number;
  private readonly lastDone = new Map<string, number>();
  private bucketStart: number | null = null;
  private pendingIn = 0;
  private pendingOut = 0;
  private readonly inRates: number[] = [];
  private readonly outRates: number[] = [];
  private totalIn = 0;
  private totalOut = 0;
  private capIn: number | null = null;
  private capOut: number | null = null;

  constructor(options: ThroughputFeederOptions = {}) {
    this.bucketMs = options.bucketMs ?? 1_000;
    this.historyBuckets = options.historyBuckets ?? 120;
  }

  apply(event: PeerEvent): boolean {
    switch (event.event) {
      case 'download-started':
        // After `download-resumed` (which comes first) the position is the bytes held, not zero: keep it.
        if (!this.lastDone.has(`down:${event.download}`)) this.lastDone.set(`down:${event.download}`, 0);
        return false;
      case 'upload-started':
        this.lastDone.set(`up:${event.query}`, 0);
        return false;
      case 'download-resumed':
        // Bytes from an earlier attempt are on disk already: only what arrives from here on is throughput.
        this.lastDone.set(`down:${event.download}`, event.have);
        return false;
      case 'download-progress':
        this.advance(`down:${event.download}`, event.received, 'in', event.t);
        return false;
      case 'upload-progress':
        this.advance(`up:${event.query}`, event.sent, 'out', event.t);
        return false;
      case 'download-complete':
        this.advance(`down:${event.download}`, event.bytes, 'in', event.t);
        this.lastDone.delete(`down:${event.download}`);
        return false;
      case 'upload-complete':
        this.advance(`up:${event.query}`, event.bytes, 'out', event.t);
        this.lastDone.delete(`up:${event.query}`);
        return false;
      case 'download-failed':
        this.lastDone.delete(`down:${event.download}`);
        return false;
      case 'upload-failed':
        this.lastDone.delete(`up:${event.query}`);
        return false;
      case 'limits':
        this.capIn = event.down;
        this.capOut = event.up;
        return true;
      default:
        // Bytes only show once a bucket closes (tick), so events never make this panel dirty by themselves.
        return false;
    }
  }

  tick(now: number): boolean {
    if (this.bucketStart === null) {
      this.bucketStart = this.align(now);
      return false;
    }
    const elapsed = Math.floor((now - this.bucketStart) / this.bucketMs);
    if (elapsed < 1) return false;
    this.push((this.pendingIn * 1000) / this.bucketMs, (this.pendingOut * 1000) / this.bucketMs);
    // Buckets in which no tick ran (the process was busy or suspended) were idle as far as we know.
    for (let i = 1; i < Math.min(elapsed, this.historyBuckets + 1); i += 1) this.push(0, 0);
    this.pendingIn = 0;
    this.pendingOut = 0;
    this.bucketStart = this.align(now);
    return true;
  }

  view(): ThroughputView {
    return {
      inRates: [...this.inRates],
      outRates: [...this.outRates],
      currentIn: this.inRates[this.inRates.length - 1] ?? 0,
      currentOut: this.outRates[this.outRates.length - 1] ?? 0,
      peakIn: Math.max(0, ...this.inRates),
      peakOut: Math.max(0, ...this.outRates),
      totalIn: this.totalIn,
      totalOut: this.totalOut,
      capIn: this.capIn,
      capOut: this.capOut,
    };
  }

  private advance(key: string, done: number, direction: 'in' | 'out', t: number): void {
    if (this.bucketStart === null) this.bucketStart = this.align(t);
    const previous = this.lastDone.get(key) ?? 0;
    const delta = Math.max(0, done - previous);
    this.lastDone.delete(key); // re-insert so Map order is least-recently-updated first
    this.lastDone.set(key, Math.max(previous, done));
    if (this.lastDone.size > MAX_TRACKED) this.lastDone.delete(this.lastDone.keys().next().value!);
    if (direction === 'in') {
      this.pendingIn += delta;
      this.totalIn += delta;
    } else {
      this.pendingOut += delta;
      this.totalOut += delta;
    }
  }

  private push(inRate: number, outRate: number): void {
    this.inRates.push(inRate);
    this.outRates.push(outRate);
    if (this.inRates.length > this.historyBuckets) this.inRates.shift();
    if (this.outRates.length > this.historyBuckets) this.outRates.shift();
  }

  private align(t: number): number {
    return Math.floor(t / this.bucketMs) * this.bucketMs;
  }
}
