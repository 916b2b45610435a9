import type { PeerInfo } from '../common/wire/shapes.js';

export interface TopologyCollectorOptions {
  /** Longest wait for answers. Default 1500 ms. */
  timeoutMs?: number;
}

/**
 * Gathers one TOPO answer: every peer's own report of its neighbours, flooded for and routed back. It finishes when
 * as many peers answered as the metadata server counts live, or at the timeout (the server may be unreachable,
 * or a peer may be leaving): a picture of what the peers really hold, not of what the server believes.
 */
export class TopologyCollector {
  private readonly peers = new Map<string, PeerInfo>();
  private readonly timer: NodeJS.Timeout;
  private done = false;

  constructor(
    readonly qid: string,
    self: PeerInfo,
    private readonly expected: number | undefined,
    private readonly onDone: (peers: PeerInfo[]) => void,
    options: TopologyCollectorOptions = {},
  ) {
    this.timer = setTimeout(() => this.finish(), options.timeoutMs ?? 1500);
    this.add(self);
  }

  add(peer: PeerInfo): void {
    if (this.done) return;
    this.peers.set(peer.name, peer);
    if (this.expected !== undefined && this.peers.size >= this.expected) this.finish();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    this.onDone([...this.peers.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })));
  }
}
