/**
 * Calls `fn` after growing delays until stopped (after hyperswarm `RetryTimer`). Used to reconnect to the
 * metadata server and to re-dial neighbours.
 */
export interface RetryTimerOptions {
  /** Successive delays in ms; the last repeats. Default [250, 500, 1000, 2000, 5000]. */
  backoffs?: number[];
  /** Fraction of random jitter added to each delay, so many peers do not retry in step. Default 0.2. */
  jitter?: number;
}

export class RetryTimer {
  private attempt = 0;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoffs: number[];
  private readonly jitter: number;

  constructor(
    private readonly fn: () => void,
    options: RetryTimerOptions = {},
  ) {
    this.backoffs = options.backoffs ?? [250, 500, 1000, 2000, 5000];
    this.jitter = options.jitter ?? 0.2;
  }

  /** Schedules the next try; returns its delay in ms. */
  schedule(): number {
    if (this.stopped) return 0;
    clearTimeout(this.timer);
    const base = this.backoffs[Math.min(this.attempt, this.backoffs.length - 1)]!;
    const delay = Math.round(base * (1 + Math.random() * this.jitter));
    this.attempt++;
    this.timer = setTimeout(() => this.fn(), delay);
    return delay;
  }

  /** Starts again from the shortest delay (after a success). */
  reset(): void {
    this.attempt = 0;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }
}
