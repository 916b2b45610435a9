/** While a tree is not watched, a full rescan waits this many times as long as the last full listing took. */
export const BLIND_RESCAN_COST_FACTOR = 5;

/**
 * The period of full rescans while a tree is not watched (folder-watcher.ts): five times what the last full listing
 * took, at least `least` (1 s) and at most `most` (the 15 s of watched trees).
 */
export function blindRescanPeriod(lastListingMs: number, least: number, most: number): number {
  return Math.round(Math.min(most, Math.max(least, BLIND_RESCAN_COST_FACTOR * lastListingMs)));
}

export interface RescanPeriods {
  /** Period while the trees are watched (a watcher misses events in some bursts). */
  rescanMs: number;
  /** Least period while a tree is not watched. */
  blindRescanMs: number;
}

/**
 * The catalog's full rescans (file-catalog.ts): every `rescanMs` while its trees are watched; else `blindRescanPeriod`
 * of the last full listing's time, so a tree too big to watch (100,000 folders take seconds to list) keeps a core
 * busy at most a sixth of the time, and a small one is still rescanned every second.
 */
export class RescanTimer {
  private timer: NodeJS.Timeout | undefined;
  private lastMs = 0;

  constructor(
    /** A full rescan (the catalog says a failure itself: this never throws). */
    private readonly rescan: () => void,
    private readonly watching: () => boolean,
    private readonly periods: RescanPeriods,
  ) {}

  /** How long the next rescan waits. */
  get periodMs(): number {
    const { rescanMs, blindRescanMs } = this.periods;
    return this.watching() ? rescanMs : blindRescanPeriod(this.lastMs, blindRescanMs, rescanMs);
  }

  /** Runs a full listing and keeps how long it took. */
  timed<T>(list: () => T): T {
    const started = performance.now();
    try {
      return list();
    } finally {
      this.lastMs = performance.now() - started;
    }
  }

  /** Schedules the next rescan, and each one after it, until `stop`. */
  arm(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timed(this.rescan);
      this.arm();
    }, this.periodMs);
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
