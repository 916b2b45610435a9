import { performance } from 'node:perf_hooks';
import { MAX_HOPS } from '../../common/wire/peer-messages.js';

/** The hop limit of searches while the metadata server has not said how far the mesh reaches. */
export const DEFAULT_HOP_LIMIT = 7;
/** Added to the server's figure: the mesh may have grown, or a copy may take a longer path first. */
export const HOP_MARGIN = 1;
/** How long a larger reach the server said stands against a smaller one said since. */
export const REACH_MEMORY_MS = 10_000;

/**
 * The hop limit a search starts with (docs/PROTOCOL.md "Peer ↔ peer"): the hops the metadata server says this peer's
 * floods need to reach every live peer (`reach` in `welcome` and `heartbeat-ack`: its eccentricity in the mesh), plus
 * HOP_MARGIN, within 1..MAX_HOPS; DEFAULT_HOP_LIMIT while the server has said nothing.
 */
export function searchHopLimit(reach: number | undefined): number {
  if (reach === undefined) return DEFAULT_HOP_LIMIT;
  return Math.min(MAX_HOPS, Math.max(1, reach + HOP_MARGIN));
}

/**
 * What the server said of this peer's reach, remembered: the largest figure of the last REACH_MEMORY_MS, else the
 * latest (kept while the server is away). A limit above the reach costs no extra messages (duplicates are dropped,
 * docs/performance.md "Flooding at scale") while one below it misses peers, so a smaller figure, such as a restarted
 * server's while the peers re-register one by one, takes over only once it has stood for that long.
 */
export class ReachMemory {
  private heard: { reach: number; at: number }[] = [];

  constructor(
    private readonly windowMs = REACH_MEMORY_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  note(reach: number | undefined): void {
    if (reach === undefined) return;
    const at = this.now();
    this.heard = this.heard.filter((h) => at - h.at < this.windowMs && h.reach > reach);
    this.heard.push({ reach, at });
  }

  get current(): number | undefined {
    const at = this.now();
    const recent = this.heard.filter((h) => at - h.at < this.windowMs);
    if (recent.length === 0) return this.heard.at(-1)?.reach;
    return Math.max(...recent.map((h) => h.reach));
  }
}
