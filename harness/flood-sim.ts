/**
 * Floods searches through a simulated mesh, in-process, with the peer's real flooding code: every simulated peer has
 * its own FloodRouter (peer/mesh/flood-router.ts, with its SeenCache) and SearchResponder
 * (peer/mesh/search-responder.ts); only the neighbour links are simulated. A message sent on a link is delivered
 * through an event queue after the link's latency (default: 1 per hop, so time counts rounds), in time order, ties in
 * sending order. Counts what docs/performance.md "Flooding at scale" reports: messages sent, duplicates dropped,
 * coverage, hops of the first copy each peer got, and which holders answered.
 */
import type { PeerMessages } from '../common/wire/peer-messages.js';
import type { PeerRef } from '../common/wire/shapes.js';
import type { PeerEventReport } from '../peer/control/peer-events.js';
import type { HeldFile } from '../peer/files/file-catalog.js';
import { FloodRouter, type FloodNeighbours } from '../peer/mesh/flood-router.js';
import { SearchResponder } from '../peer/mesh/search-responder.js';
import type { PeerContext } from '../peer/peer-context.js';
import { Bandwidth } from '../peer/transfer/bandwidth.js';
import type { Adjacency } from './graphs.js';

export interface FloodResult {
  origin: number;
  hopLimit: number;
  /** Copies sent on links, the originator's included. */
  sent: number;
  /** Copies a peer dropped because it had seen the query already. */
  duplicates: number;
  /** Peers that took the query (the originator included). */
  reached: number;
  /** reached / peers. */
  coverage: number;
  /** Hops travelled by the first copy each peer took: the most, and the mean over the peers reached. */
  maxHops: number;
  meanHops: number;
  /** When the last peer reached took its first copy (rounds, or the latency's unit). */
  lastArrival: number;
  /** Peers that took the query and forwarded it to nobody (hops spent, or no other neighbour), holders aside. */
  expired: number;
  /** Holders that answered (dialled the origin back). */
  answered: number[];
}

interface Copy {
  at: number;
  seq: number;
  from: number;
  to: number;
  body: PeerMessages['query'];
}

export interface FloodSimOptions {
  /** Delay of one hop on the link `from` → `to`. Default 1 (time counts rounds). */
  latency?: (from: number, to: number) => number;
}

/** A mesh of simulated peers over `adj` (harness/graphs.ts), each running the real router and search responder. */
export class FloodSim {
  private readonly routers: FloodRouter[] = [];
  private readonly responders: SearchResponder[] = [];
  private readonly names: string[];
  private readonly index = new Map<string, number>();
  private readonly queue: Copy[] = [];
  private readonly latency: (from: number, to: number) => number;
  private now = 0;
  private seq = 0;
  private queries = 0;
  private run: Run | undefined;

  constructor(
    private readonly adj: Adjacency,
    options: FloodSimOptions = {},
  ) {
    this.latency = options.latency ?? (() => 1);
    this.names = adj.map((_, i) => `p${i}`);
    this.names.forEach((name, i) => this.index.set(name, i));
    const bandwidth = new Bandwidth();
    for (let i = 0; i < adj.length; i++) {
      const ctx: PeerContext = {
        name: this.names[i]!,
        id: `id-${i}`,
        self: () => this.ref(i),
        info: () => ({ ...this.ref(i), neighbours: adj[i]!.map((j) => this.names[j]!) }),
        emit: (body) => this.seen(body),
        log: () => {},
        bandwidth,
      };
      const neighbours: FloodNeighbours = {
        broadcast: (kind, body, except) => {
          if (kind !== 'query') throw new Error(`the simulation carries queries only, not ${kind}`);
          let n = 0;
          for (const j of adj[i]!) {
            if (this.names[j] === except) continue;
            this.send(i, j, body as PeerMessages['query']);
            n++;
          }
          return n;
        },
      };
      const router = new FloodRouter(neighbours, { now: () => this.now });
      this.routers.push(router);
      this.responders.push(
        new SearchResponder(
          ctx,
          router,
          (file) => (this.run?.holders.has(i) ? [held(file)] : undefined),
          () => this.run?.answered.push(i),
          (claimed) => Promise.resolve(claimed),
        ),
      );
    }
  }

  get peers(): number {
    return this.adj.length;
  }

  /** Floods one search from `origin` with `hopLimit` until no copy is in flight; `holders` hold the file. */
  async search(origin: number, hopLimit: number, holders: Iterable<number> = []): Promise<FloodResult> {
    const run: Run = {
      holders: new Set(holders),
      answered: [],
      sent: 0,
      duplicates: 0,
      expired: 0,
      firstHops: new Map([[origin, 0]]),
      lastArrival: 0,
    };
    this.run = run;
    this.now = 0;
    const qid = `sim-${++this.queries}`;
    this.routers[origin]!.originate('query', { qid, file: 'wanted.bin', hops: hopLimit, origin: this.ref(origin) });
    while (this.queue.length > 0) {
      const copy = pop(this.queue);
      this.now = copy.at;
      const router = this.routers[copy.to]!;
      const fresh = router.upstream(qid) === undefined;
      this.responders[copy.to]!.onQuery({ name: this.names[copy.from]! }, copy.body);
      if (!fresh) run.duplicates++;
      else if (router.upstream(qid) !== undefined && !run.firstHops.has(copy.to)) {
        run.firstHops.set(copy.to, hopLimit - copy.body.hops + 1);
        run.lastArrival = this.now;
      }
    }
    await new Promise((resolve) => setImmediate(resolve)); // holders answer after their origin check resolves
    this.run = undefined;
    const hops = [...run.firstHops.values()];
    return {
      origin,
      hopLimit,
      sent: run.sent,
      duplicates: run.duplicates,
      reached: run.firstHops.size,
      coverage: run.firstHops.size / this.adj.length,
      maxHops: Math.max(...hops),
      meanHops: hops.reduce((a, b) => a + b, 0) / Math.max(1, hops.length - 1),
      lastArrival: run.lastArrival,
      expired: run.expired,
      answered: run.answered.sort((a, b) => a - b),
    };
  }

  private send(from: number, to: number, body: PeerMessages['query']): void {
    if (this.run) this.run.sent++;
    push(this.queue, { at: this.now + this.latency(from, to), seq: this.seq++, from, to, body });
  }

  /** A search responder's `query-seen`: counts the peers that took the query and forwarded it to nobody. */
  private seen(e: PeerEventReport): void {
    if (this.run && e.event === 'query-seen' && e.action === 'expired') this.run.expired++;
  }

  private ref(i: number): PeerRef {
    return { name: this.names[i]!, id: `id-${i}`, host: '10.0.0.1', port: 1024 + i };
  }
}

interface Run {
  holders: Set<number>;
  answered: number[];
  sent: number;
  duplicates: number;
  expired: number;
  /** Hops of the first copy each peer took. */
  firstHops: Map<number, number>;
  lastArrival: number;
}

function held(name: string): HeldFile {
  return { name, path: `/sim/${name}`, relative: `shared/${name}`, size: 1 };
}

const before = (a: Copy, b: Copy) => a.at < b.at || (a.at === b.at && a.seq < b.seq);

/** Binary min-heap on (at, seq). */
function push(heap: Copy[], copy: Copy): void {
  heap.push(copy);
  for (let i = heap.length - 1; i > 0;) {
    const parent = (i - 1) >> 1;
    if (!before(heap[i]!, heap[parent]!)) break;
    [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
    i = parent;
  }
}

function pop(heap: Copy[]): Copy {
  const top = heap[0]!;
  const last = heap.pop()!;
  if (heap.length === 0) return top;
  heap[0] = last;
  for (let i = 0; ;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
    if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
    if (m === i) break;
    [heap[i], heap[m]] = [heap[m]!, heap[i]!];
    i = m;
  }
  return top;
}
