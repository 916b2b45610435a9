/**
 * A per-neighbour limit on flooded requests (docs/SECURITY.md "Limits"): a token bucket of BURST that refills at
 * RATE a second. A request beyond it is dropped (not acted on, not forwarded); a neighbour that keeps going after
 * CUT_AFTER dropped requests, net of refills, is cut. Pure: the caller passes the time.
 */
export const FLOOD_BURST = 50;
export const FLOOD_RATE_PER_S = 20;
export const FLOOD_CUT_AFTER = 100;

export type FloodVerdict = 'pass' | 'drop' | 'cut';

export class FloodRate {
  private tokens = FLOOD_BURST;
  private last: number;

  constructor(now: number) {
    this.last = now;
  }

  /** One flooded request arrived at `now` (ms). */
  take(now: number): FloodVerdict {
    this.tokens = Math.min(FLOOD_BURST, this.tokens + ((now - this.last) * FLOOD_RATE_PER_S) / 1000);
    this.last = now;
    this.tokens -= 1;
    if (this.tokens >= 0) return 'pass';
    return this.tokens < -FLOOD_CUT_AFTER ? 'cut' : 'drop';
  }
}
