import type { PeerEvent } from '../../peer/control/peer-events.js';
import type { Feeder } from './feeder.js';
import { TraceAnimation, type TraceMarks } from './trace-animation.js';

export interface TopologyNode {
  name: string;
  /** `host:port`, or null when only known by name (a neighbour named in `ready` before any TOPO). */
  address: string | null;
  neighbours: string[];
  self: boolean;
}

export interface TopologyView {
  /** This peer's name (highlighted in the picture). */
  self: string;
  /** Every known peer, this one first, then by name. */
  nodes: TopologyNode[];
  /** Undirected links, each once, as `[a, b]` with `a < b` by name. */
  links: [string, string][];
  /** When the last full snapshot (`mesh` or `topology`) arrived, or null while the picture is only local knowledge. */
  updatedAt: number | null;
  /** The last `trace` answer, lighting up on the picture step by step (absent when none is showing). */
  trace?: TraceMarks | null;
}

/** Case-insensitive key: names compare case-insensitively (`S1` is `s1`). */
const key = (name: string): string => name.toLowerCase();

/**
 * Feeds the topology picture. A `mesh` event (the metadata server's view, sent every few seconds) or a `topology`
 * event (the answer to TOPO) replaces the whole mesh; between those, neighbour-up/down edit this peer's own links so
 * the picture follows what this peer sees without waiting for the next snapshot.
 */
export class TopologyFeeder implements Feeder<TopologyView> {
  private self: string;
  private readonly nodes = new Map<string, { name: string; address: string | null; neighbours: Set<string> }>();
  private updatedAt: number | null = null;
  /** Signature of the last view, so a periodic `topology` that changes nothing does not redraw. */
  private signature = '';
  private readonly trace = new TraceAnimation();

  constructor(selfName: string) {
    this.self = selfName;
    this.ensure(selfName, null);
  }

  apply(event: PeerEvent): boolean {
    switch (event.event) {
      case 'ready': {
        if (key(event.name) !== key(this.self)) this.nodes.delete(key(this.self));
        this.self = event.name;
        const me = this.ensure(event.name, `${event.host}:${event.port}`);
        for (const n of event.neighbours) this.link(me.name, n);
        break;
      }
      case 'topology':
      case 'mesh':
        this.nodes.clear();
        for (const p of event.peers) {
          this.ensure(p.name, `${p.host}:${p.port}`).neighbours = new Set(p.neighbours.map(key));
        }
        // A neighbour list may name a peer the server no longer lists; links to unknown peers are dropped in view().
        this.ensure(this.self, null);
        this.updatedAt = event.t;
        break;
      case 'neighbour-up':
        this.ensure(event.name, `${event.host}:${event.port}`);
        this.link(this.self, event.name);
        break;
      case 'neighbour-down':
        this.unlink(this.self, event.name);
        break;
      case 'trace':
        this.trace.play(event, event.t);
        return true;
      default:
        return false;
    }
    const next = this.computeSignature();
    if (next === this.signature) return false;
    this.signature = next;
    return true;
  }

  tick(now: number): boolean {
    return this.trace.tick(now);
  }

  view(): TopologyView {
    const selfKey = key(this.self);
    const nodes: TopologyNode[] = [...this.nodes.values()]
      .map((n) => ({
        name: n.name,
        address: n.address,
        neighbours: [...n.neighbours]
          .filter((k) => this.nodes.has(k))
          .map((k) => this.nodes.get(k)!.name)
          .sort(),
        self: key(n.name) === selfKey,
      }))
      .sort((a, b) => (a.self !== b.self ? (a.self ? -1 : 1) : a.name.localeCompare(b.name)));
    const links = new Map<string, [string, string]>();
    for (const n of nodes) {
      for (const m of n.neighbours) {
        const pair = [n.name, m].sort() as [string, string];
        links.set(pair.map(key).join('\u0000'), pair);
      }
    }
    return {
      self: this.self,
      nodes,
      links: [...links.values()].sort((a, b) => a[0].localeCompare(b[0]) || a[1].localeCompare(b[1])),
      updatedAt: this.updatedAt,
      trace: this.trace.view(),
    };
  }

  private ensure(name: string, address: string | null) {
    let node = this.nodes.get(key(name));
    if (!node) {
      node = { name, address, neighbours: new Set() };
      this.nodes.set(key(name), node);
    } else if (address) {
      node.address = address;
    }
    return node;
  }

  private link(a: string, b: string): void {
    this.ensure(a, null).neighbours.add(key(b));
    this.ensure(b, null).neighbours.add(key(a));
  }

  private unlink(a: string, b: string): void {
    this.nodes.get(key(a))?.neighbours.delete(key(b));
    this.nodes.get(key(b))?.neighbours.delete(key(a));
  }

  private computeSignature(): string {
    const v = this.view();
    return JSON.stringify([v.self, v.nodes.map((n) => [n.name, n.address]), v.links]);
  }
}
