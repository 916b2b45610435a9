import { performance } from 'node:perf_hooks';
import { SeenCache, type SeenCacheOptions } from '../../common/seen-cache.js';
import type { PeerMessages } from '../../common/wire/peer-messages.js';

/** Where a flooded message came from: a neighbour's name, or this peer itself. */
export const FROM_SELF = '';

type Flooded = 'query' | 'topo-query' | 'stop-all';

/** What the router needs of the neighbours: NeighbourSet, or a simulated mesh (harness/flood-sim.ts). */
export interface FloodNeighbours {
  /** Sends to every neighbour but `except`; returns how many were sent to. */
  broadcast<K extends keyof PeerMessages & string>(kind: K, body: PeerMessages[K], except?: string): number;
}

/**
 * Flooding with duplicate suppression (after floodsub's processMessage): check the seen-cache, record where the
 * message came from, then forward to every neighbour but the sender while hops remain. The record doubles as the
 * reverse path that answers (topology replies) travel back along.
 */
export class FloodRouter {
  private readonly seen: SeenCache<string>;
  /** When this peer last started a flood of each kind (performance.now()). */
  private readonly lastOwn = new Map<Flooded, number>();

  constructor(
    private readonly neighbours: FloodNeighbours,
    options: SeenCacheOptions = {},
  ) {
    this.seen = new SeenCache<string>(options);
  }

  /** Starts a flood of our own; returns how many neighbours it went to. */
  originate<K extends Flooded>(kind: K, body: PeerMessages[K]): number {
    this.seen.add(body.qid, FROM_SELF);
    this.lastOwn.set(kind, performance.now());
    return this.neighbours.broadcast(kind, body);
  }

  /** Whether this peer started a flood of `kind` within the last `ms` (answers to it may still arrive). */
  originatedWithin(kind: Flooded, ms: number): boolean {
    const at = this.lastOwn.get(kind);
    return at !== undefined && performance.now() - at < ms;
  }

  /** Records a flooded message from `from`; false when its id was seen already (drop it). */
  accept(qid: string, from: string): boolean {
    return this.seen.add(qid, from);
  }

  /**
   * Forwards to every neighbour but `from` with one hop fewer; returns how many it went to (0 when the hop limit
   * is spent).
   */
  forward<K extends Flooded>(kind: K, body: PeerMessages[K], from: string): number {
    if ('hops' in body) {
      const hops = (body as { hops: number }).hops - 1;
      if (hops < 1) return 0;
      return this.neighbours.broadcast(kind, { ...body, hops }, from);
    }
    return this.neighbours.broadcast(kind, body, from);
  }

  /** The neighbour a flood id came from (FROM_SELF for our own), or undefined when unknown or expired. */
  upstream(qid: string): string | undefined {
    return this.seen.get(qid);
  }
}
