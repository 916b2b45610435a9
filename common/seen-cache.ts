/**
 * A bounded, expiring set of recently seen ids with a value each (the neighbour a query came from, so answers can
 * travel back along the reverse path). Flood duplicate suppression (after libp2p floodsub's TTL'd seen-cache).
 */
export interface SeenCacheOptions {
  /** How long an id is remembered. Default 60 000 ms: far longer than any query's lifetime. */
  ttlMs?: number;
  /** Most ids held; the oldest are dropped first. Default 10 000. */
  maxEntries?: number;
  /** Clock, replaceable in tests. */
  now?: () => number;
}

export class SeenCache<V = true> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: SeenCacheOptions = {}) {
    this.ttlMs = options.ttlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Records `id` unless it is already known; returns true when it was new. */
  add(id: string, value: V): boolean {
    this.prune();
    if (this.entries.has(id)) return false;
    this.entries.set(id, { value, expires: this.now() + this.ttlMs });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
    return true;
  }

  has(id: string): boolean {
    this.prune();
    return this.entries.has(id);
  }

  get(id: string): V | undefined {
    this.prune();
    return this.entries.get(id)?.value;
  }

  /** Drops expired entries; insertion order equals expiry order, so this stops at the first live one. */
  private prune(): void {
    const now = this.now();
    for (const [id, entry] of this.entries) {
      if (entry.expires > now) break;
      this.entries.delete(id);
    }
  }
}
