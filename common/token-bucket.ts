import { performance } from 'node:perf_hooks';

export interface TokenBucketOptions {
  /** Bytes per second, or null for no limit. Default null. */
  rate?: number | null;
  /**
   * Most bytes saved up while idle, as a function of the rate. Default `burstFor` (a fifth of a second of the rate,
   * at most 4 MiB).
   */
  burst?: (rate: number) => number;
  /** Milliseconds, monotonic. Default `performance.now`. */
  now?: () => number;
  /** The one timer, set and cleared (tests pass a fake clock's). Default setTimeout and clearTimeout. */
  timers?: { set(fn: () => void, ms: number): unknown; clear(timer: unknown): void };
}

const REAL_TIMERS = {
  set: (fn: () => void, ms: number): unknown => setTimeout(fn, ms),
  clear: (timer: unknown) => clearTimeout(timer as NodeJS.Timeout | undefined),
};

/** Most burst: a few 1 MiB pieces, so a fast link is not throttled on every piece. */
export const MAX_BURST_BYTES = 4 * 1024 * 1024;

/**
 * A fifth of a second of the rate (at least one byte, at most MAX_BURST_BYTES), with no floor: what an idle moment
 * saves up is then at most 2% of ten seconds' worth, however slow the rate. A read or write bigger than the burst
 * (a 16 KiB socket read, a 64 KiB slice of common/channel.ts) still passes whole, into debt (`TokenBucket`), so
 * what any window can gain over the rate is one such grant or one burst, whichever is larger: 64 KiB in 10 s is
 * 6.6% of the slowest cap, 100 KB/s (docs/CONTRACT.md "Mirror, discovery and bandwidth").
 */
export function burstFor(rate: number): number {
  return Math.min(MAX_BURST_BYTES, Math.max(1, Math.round(rate / 5)));
}

/**
 * A token bucket shared by everyone who moves bytes one way: `take(n)` grants `n` bytes now (returns true) or
 * returns a promise that resolves once they may pass. Waiters are served in arrival order, so several transfers
 * share the rate by turns. A grant needs `min(n, burst)` tokens and then spends all `n` (the count may go below
 * zero), so a piece bigger than the burst still passes and the long-run rate stays exact. `setRate` applies to
 * those already waiting. Owns one timer at most; `stop()` releases every waiter.
 */
export class TokenBucket {
  private rate: number | null;
  private readonly burstOf: (rate: number) => number;
  private readonly now: () => number;
  private tokens = 0;
  private stamp: number;
  private readonly waiting: { bytes: number; grant: () => void }[] = [];
  private timer: unknown;
  private readonly timers: NonNullable<TokenBucketOptions['timers']>;

  constructor(options: TokenBucketOptions = {}) {
    this.rate = options.rate ?? null;
    this.burstOf = options.burst ?? burstFor;
    this.now = options.now ?? (() => performance.now());
    this.timers = options.timers ?? REAL_TIMERS;
    this.stamp = this.now();
    this.tokens = this.rate === null ? 0 : this.burstOf(this.rate);
  }

  /** Bytes per second, or null when unlimited. */
  get limit(): number | null {
    return this.rate;
  }

  /** Waiters not yet granted. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Changes the rate for everyone, those waiting included; null lifts the limit (and lets every waiter go). */
  setRate(rate: number | null): void {
    this.refill();
    const was = this.rate;
    this.rate = rate;
    // A new cap starts with at most one burst saved and one burst owed, whatever the old rate left.
    if (rate !== null)
      this.tokens =
        was === null ? this.burstOf(rate) : Math.max(-this.burstOf(rate), Math.min(this.tokens, this.burstOf(rate)));
    this.serve();
  }

  /** True when `bytes` may pass now (and are counted); else a promise that resolves once they may and are. */
  take(bytes: number): true | Promise<void> {
    if (this.rate === null) return true;
    this.refill();
    if (this.waiting.length === 0 && this.tokens >= this.need(bytes)) {
      this.tokens -= bytes;
      return true;
    }
    return new Promise<void>((grant) => {
      this.waiting.push({ bytes, grant });
      this.serve();
    });
  }

  /** Lets every waiter go (the owner is stopping); the bucket stays usable. */
  stop(): void {
    this.timers.clear(this.timer);
    this.timer = undefined;
    for (const w of this.waiting.splice(0)) w.grant();
  }

  private need(bytes: number): number {
    return Math.min(bytes, this.burstOf(this.rate!));
  }

  private refill(): void {
    const t = this.now();
    if (this.rate !== null)
      this.tokens = Math.min(this.burstOf(this.rate), this.tokens + ((t - this.stamp) * this.rate) / 1000);
    this.stamp = t;
  }

  /** Grants waiters in order while tokens allow; arms one timer for the next. */
  private serve(): void {
    this.timers.clear(this.timer);
    this.timer = undefined;
    if (this.rate === null) {
      for (const w of this.waiting.splice(0)) w.grant();
      return;
    }
    this.refill();
    while (this.waiting.length > 0 && this.tokens >= this.need(this.waiting[0]!.bytes)) {
      const w = this.waiting.shift()!;
      this.tokens -= w.bytes;
      w.grant();
    }
    if (this.waiting.length === 0) return;
    const ms = ((this.need(this.waiting[0]!.bytes) - this.tokens) * 1000) / this.rate;
    this.timer = this.timers.set(() => this.serve(), Math.max(1, Math.ceil(ms)));
  }
}
