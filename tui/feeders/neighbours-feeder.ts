import type { PeerEvent } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';

export interface NeighbourRow {
  name: string;
  address: string;
  /** ms since epoch when the link opened. */
  since: number;
  bytesIn: number;
  bytesOut: number;
  /** Last round-trip time in ms, or null before the first measurement. */
  rttMs: number | null;
}

export interface NeighboursView {
  /** Sorted by name. */
  rows: NeighbourRow[];
}

/**
 * Feeds the neighbours table. `neighbour-stats` is authoritative (it replaces the rows); neighbour-up/down keep
 * the table right between two stats events.
 */
export class NeighboursFeeder implements Feeder<NeighboursView> {
  private readonly rows = new Map<string, NeighbourRow>();

  apply(event: PeerEvent): boolean {
    switch (event.event) {
      case 'neighbour-stats': {
        const before = JSON.stringify(this.view().rows);
        this.rows.clear();
        for (const n of event.neighbours) {
          this.rows.set(n.name.toLowerCase(), {
            name: n.name,
            address: `${n.host}:${n.port}`,
            since: n.since,
            bytesIn: n.bytesIn,
            bytesOut: n.bytesOut,
            rttMs: n.rttMs,
          });
        }
        return JSON.stringify(this.view().rows) !== before;
      }
      case 'neighbour-up': {
        const previous = this.rows.get(event.name.toLowerCase());
        this.rows.set(event.name.toLowerCase(), {
          name: event.name,
          address: `${event.host}:${event.port}`,
          since: previous?.since ?? event.t,
          bytesIn: previous?.bytesIn ?? 0,
          bytesOut: previous?.bytesOut ?? 0,
          rttMs: previous?.rttMs ?? null,
        });
        return true;
      }
      case 'neighbour-down':
        return this.rows.delete(event.name.toLowerCase());
      case 'stopped':
        if (this.rows.size === 0) return false;
        this.rows.clear();
        return true;
      default:
        return false;
    }
  }

  view(): NeighboursView {
    return { rows: [...this.rows.values()].map((r) => ({ ...r })).sort((a, b) => a.name.localeCompare(b.name)) };
  }
}
