import type { SharedRegistry } from './shared-registry.js';

/** How long a port a peer reported busy is skipped: long enough for a stray process holding it to go away. */
export const DEFAULT_BUSY_PORT_MS = 60_000;

/**
 * Hands out listening ports from the registry's range. Call it holding the registry lock: "free" is judged against
 * every joining or live slot, so two peers can never be given the same port, however their joins race.
 *
 * The search starts after the last port handed out (a cursor kept in the registry) rather than at the bottom of the
 * range, so a port freed by a peer that died is not handed straight to the next newcomer while old neighbours may
 * still be dialling it.
 */
export class PortAllocator {
  constructor(private readonly registry: SharedRegistry) {}

  /** True when no joining or live peer (other than `exceptSlot`) holds `port` and it is neither busy nor reserved. */
  isFree(port: number, now: number, exceptSlot = -1): boolean {
    return this.usable(port, now, this.held(exceptSlot));
  }

  /**
   * Picks a port: `requested` when it is free (a peer re-registering keeps the port it already listens on, even
   * outside the range), otherwise the next free port of the range. Returns 0 when none is left.
   */
  allocate(now: number, options: { requested?: number; exceptSlot?: number } = {}): number {
    const r = this.registry;
    const except = options.exceptSlot ?? -1;
    const held = this.held(except);
    if (options.requested !== undefined && this.usable(options.requested, now, held)) return options.requested;
    const size = r.portHigh - r.portLow + 1;
    const start = Math.min(Math.max(r.portCursor, r.portLow), r.portHigh) - r.portLow;
    for (let k = 0; k < size; k++) {
      const port = r.portLow + ((start + k) % size);
      if (!this.usable(port, now, held)) continue;
      r.portCursor = port === r.portHigh ? r.portLow : port + 1;
      return port;
    }
    return 0;
  }

  private held(exceptSlot: number): Set<number> {
    const r = this.registry;
    return new Set(
      r
        .occupied()
        .filter((slot) => slot !== exceptSlot)
        .map((slot) => r.port(slot)),
    );
  }

  private usable(port: number, now: number, held: Set<number>): boolean {
    const r = this.registry;
    return port >= 1 && port <= 65535 && port !== r.reservedPort && r.busyUntil(port) <= now && !held.has(port);
  }

  /** Marks a port of the range busy until `now + forMs` (ports outside the range are not tracked). */
  markBusy(port: number, now: number, forMs: number = DEFAULT_BUSY_PORT_MS): void {
    this.registry.setBusyUntil(port, now + forMs);
  }
}
