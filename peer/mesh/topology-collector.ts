import type { PeerInfo } from '../../common/wire/shapes.js';

/**
 * Each live peer the metadata server lists adds this much to the longest wait: a hundred peers' answers, each routed
 * back hop by hop by peers that share a busy machine, need more than the 1.5 s ten peers need (docs/performance.md
 * "Many peers"). A TOPO still ends as soon as every listed peer has answered.
 */
export const TOPO_MS_PER_PEER = 20;

export interface TopologyCollectorOptions {
  /** Longest wait for answers, plus `perPeerMs` per live peer once the server has listed them. Default 1500 ms. */
  timeoutMs?: number;
  /** Default TOPO_MS_PER_PEER. */
  perPeerMs?: number;
  /** Without a list of expected peers, finish once no answer came for this long. Default 250 ms. */
  quietMs?: number;
}

/**
 * Gathers one TOPO answer: every peer's own report of its neighbours, flooded for and routed back (a picture of
 * what the peers really hold, not of what the server believes). It finishes when every peer the metadata server
 * lists as live has answered; when the server cannot say, once answers stop coming; and at the latest at the timeout.
 */
export class TopologyCollector {
  private readonly peers = new Map<string, PeerInfo>();
  private timer: NodeJS.Timeout;
  private readonly started = Date.now();
  private quietTimer: NodeJS.Timeout | undefined;
  private expected: Set<string> | null | undefined; // undefined: not known yet; null: the server could not say
  private done = false;
  private readonly quietMs: number;

  constructor(
    readonly qid: string,
    self: PeerInfo,
    private readonly onDone: (peers: PeerInfo[]) => void,
    private readonly options: TopologyCollectorOptions = {},
  ) {
    this.quietMs = options.quietMs ?? 250;
    this.timer = setTimeout(() => this.finish(), options.timeoutMs ?? 1500);
    this.peers.set(self.name, self);
  }

  /** The names the metadata server lists as live, or null when it cannot be asked. */
  expect(names: string[] | null): void {
    this.expected = names ? new Set(names) : null;
    if (names && !this.done) {
      const deadline = (this.options.timeoutMs ?? 1500) + (this.options.perPeerMs ?? TOPO_MS_PER_PEER) * names.length;
      clearTimeout(this.timer);
      this.timer = setTimeout(() => this.finish(), Math.max(0, this.started + deadline - Date.now()));
    }
    this.check();
  }

  add(peer: PeerInfo): void {
    if (this.done) return;
    this.peers.set(peer.name, peer);
    this.check();
  }

  finish(): void {
    if (this.done) return;
    this.done = true;
    clearTimeout(this.timer);
    clearTimeout(this.quietTimer);
    this.onDone([...this.peers.values()].sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })));
  }

  private check(): void {
    if (this.done || this.expected === undefined) return;
    if (this.expected === null) {
      clearTimeout(this.quietTimer);
      this.quietTimer = setTimeout(() => this.finish(), this.quietMs);
      return;
    }
    if ([...this.expected].every((name) => this.peers.has(name))) this.finish();
  }
}
