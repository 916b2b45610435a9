/**
 * One log line for dropped input, at most once per source per window, and at most `maxPerWindow` lines a window in
 * all, so that a sender, or many forged source addresses, cannot flood the log with its garbage (used by LAN
 * discovery: a datagram costs its sender nothing).
 *
 * May import: Node's standard library and common/.
 */
import { SeenCache } from './seen-cache.js';

export interface DropLogOptions {
  /** Default 60 000 ms. */
  windowMs?: number;
  /** Lines per window, all sources together. Default 20. */
  maxPerWindow?: number;
  /** Clock, ms; default Date.now. */
  now?: () => number;
}

export class DropLog {
  private readonly seen: SeenCache;
  private readonly windowMs: number;
  private readonly maxPerWindow: number;
  private readonly now: () => number;
  private window = { start: -Infinity, lines: 0 };

  constructor(
    private readonly say: (source: string, why: string) => void,
    options: DropLogOptions = {},
  ) {
    this.windowMs = options.windowMs ?? 60_000;
    this.maxPerWindow = options.maxPerWindow ?? 20;
    this.now = options.now ?? Date.now;
    this.seen = new SeenCache({ ttlMs: this.windowMs, maxEntries: 1024, now: this.now });
  }

  /** Says why input from `source` was dropped, unless this source, or all of them together, had their say. */
  dropped(source: string, why: string): void {
    const now = this.now();
    if (now - this.window.start >= this.windowMs) this.window = { start: now, lines: 0 };
    if (this.window.lines >= this.maxPerWindow || !this.seen.add(source, true)) return;
    this.window.lines++;
    this.say(source, why);
  }
}
