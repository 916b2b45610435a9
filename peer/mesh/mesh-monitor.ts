import { performance } from 'node:perf_hooks';
import type { PeerInfo } from '../../common/wire/shapes.js';
import type { PeerContext } from '../peer-context.js';
import type { NeighbourSet } from './neighbour-set.js';
import type { ServerLink } from './server-link.js';

export interface MeshMonitorOptions {
  /** How often to report. Default 1000 ms. */
  intervalMs?: number;
  /** Every list of live peers the server gave, with the time (performance.now()) it was asked for. */
  onPeers?: (peers: PeerInfo[], askedAt: number) => void;
}

/**
 * What the dashboard watches without asking: every interval, each neighbour link's statistics (`neighbour-stats`)
 * and, when it changed, the metadata server's view of the mesh (`mesh`). `tick` runs on the same beat (the folder
 * rescan), so the peer keeps one timer.
 */
export class MeshMonitor {
  private timer: NodeJS.Timeout | undefined;
  private lastMesh = '';

  constructor(
    private readonly ctx: PeerContext,
    private readonly neighbours: NeighbourSet,
    private readonly server: ServerLink,
    private readonly tick: () => void,
    private readonly options: MeshMonitorOptions = {},
  ) {}

  start(): void {
    this.timer ??= setInterval(() => this.report(), this.options.intervalMs ?? 1000);
  }

  /** Idempotent. */
  stop(): void {
    clearInterval(this.timer);
  }

  private report(): void {
    this.tick();
    if (this.neighbours.size > 0) {
      this.ctx.emit({ event: 'neighbour-stats', neighbours: this.neighbours.all().map((l) => l.stats()) });
    }
    const askedAt = performance.now();
    void this.server.peers().then((peers) => {
      if (!peers) return;
      this.options.onPeers?.(peers, askedAt);
      const key = JSON.stringify(peers);
      if (key === this.lastMesh) return;
      this.lastMesh = key;
      this.ctx.emit({ event: 'mesh', peers });
    });
  }
}
