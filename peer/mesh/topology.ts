import { nanoid } from 'nanoid';
import { MAX_HOPS, type PeerMessages } from '../../common/wire/peer-messages.js';
import type { PeerInfo } from '../../common/wire/shapes.js';
import { caused } from '../control/peer-events.js';
import type { PeerContext } from '../peer-context.js';
import { FROM_SELF, type FloodRouter } from './flood-router.js';
import type { NeighbourLink } from './neighbour-link.js';
import type { NeighbourSet } from './neighbour-set.js';
import { TopologyCollector } from './topology-collector.js';

export interface TopologyOptions {
  /** TOPO's longest wait for answers. Default 1500 ms. */
  timeoutMs?: number;
}

/**
 * TOPO: floods a `topo-query`, answers other peers' queries with this peer's own neighbour set, routes replies back
 * along the reverse path, and gathers the answers to our own queries (TopologyCollector) into a `topology` event.
 */
export class Topology {
  private readonly collectors = new Map<string, TopologyCollector>();

  constructor(
    private readonly ctx: PeerContext,
    private readonly router: FloodRouter,
    private readonly neighbours: NeighbourSet,
    /** The metadata server's list of live peers (who should answer), or undefined when it cannot say. */
    private readonly livePeers: () => Promise<PeerInfo[] | undefined>,
    private readonly options: TopologyOptions = {},
  ) {}

  /** Starts one TOPO; the answer arrives as a `topology` event carrying `cmd`, the command line that asked. */
  request(cmd?: number): void {
    const qid = nanoid();
    const collector = new TopologyCollector(
      qid,
      this.ctx.info(),
      (peers) => {
        this.collectors.delete(qid);
        this.ctx.emit(caused({ event: 'topology', peers }, cmd));
      },
      { timeoutMs: this.options.timeoutMs ?? 1500 },
    );
    this.collectors.set(qid, collector);
    this.router.originate('topo-query', { qid, hops: MAX_HOPS, origin: this.ctx.self() });
    void this.livePeers().then((peers) => collector.expect(peers ? peers.map((p) => p.name) : null));
  }

  onQuery(link: NeighbourLink, body: PeerMessages['topo-query']): void {
    if (!this.router.accept(body.qid, link.name)) return;
    this.router.forward('topo-query', body, link.name);
    link.send('topo-reply', { qid: body.qid, peer: this.ctx.info() });
  }

  onReply(body: PeerMessages['topo-reply']): void {
    const upstream = this.router.upstream(body.qid);
    if (upstream === FROM_SELF) this.collectors.get(body.qid)?.add(body.peer);
    else if (upstream) this.neighbours.get(upstream)?.send('topo-reply', body);
  }

  /** Answers every TOPO still waiting with what it has (the peer is leaving). */
  stop(): void {
    for (const collector of this.collectors.values()) collector.finish();
  }
}
