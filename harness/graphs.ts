/**
 * Graph generators for simulated meshes (harness/flood-sim.ts): rings, lines, random regular graphs, small worlds
 * (Watts–Strogatz), and growth join by join under a referral policy passed in (the metadata server's,
 * metadata-server/referral-policy.ts, in benches and tests). A graph is its adjacency lists: `adj[i]` holds the
 * neighbours of peer `i`, symmetric, no self-loops, no repeated edges. Everything random is seeded.
 */
import { mulberry32 } from '../common/mulberry32.js';

export type Adjacency = number[][];

/** A seeded pseudo-random source in [0, 1) (common/mulberry32.ts): the same seed gives the same graphs. */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}

function empty(n: number): Adjacency {
  return Array.from({ length: n }, () => []);
}

function link(adj: Adjacency, a: number, b: number): void {
  adj[a]!.push(b);
  adj[b]!.push(a);
}

/** Peers 0…n-1 in a chain. */
export function line(n: number): Adjacency {
  const adj = empty(n);
  for (let i = 1; i < n; i++) link(adj, i - 1, i);
  return adj;
}

/** Peers 0…n-1 in a cycle (n ≥ 3). */
export function ring(n: number): Adjacency {
  if (n < 3) throw new RangeError('a ring needs at least 3 peers');
  const adj = line(n);
  link(adj, n - 1, 0);
  return adj;
}

/**
 * A random d-regular graph on n peers (n·d even, d < n), drawn by pairing stubs (after Steger and Wormald): pick two
 * free stubs of different peers not yet linked; when no such pair is left, start over.
 */
export function randomRegular(n: number, d: number, random: () => number): Adjacency {
  if ((n * d) % 2 !== 0 || d >= n) throw new RangeError(`no ${d}-regular graph on ${n} peers`);
  for (let attempt = 0; attempt < 100; attempt++) {
    const adj = empty(n);
    const linked = new Set<number>();
    const stubs: number[] = [];
    for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) stubs.push(i);
    let misses = 0;
    while (stubs.length > 0) {
      const i = Math.floor(random() * stubs.length);
      const j = Math.floor(random() * stubs.length);
      const a = stubs[i]!;
      const b = stubs[j]!;
      if (a === b || linked.has(a * n + b)) {
        if (++misses > 50 * stubs.length) {
          if (!pairLeft(stubs, linked, n)) break;
          misses = 0;
        }
        continue;
      }
      misses = 0;
      link(adj, a, b);
      linked.add(a * n + b).add(b * n + a);
      for (const k of [Math.max(i, j), Math.min(i, j)]) {
        stubs[k] = stubs[stubs.length - 1]!;
        stubs.pop();
      }
    }
    if (stubs.length === 0) return adj;
  }
  throw new Error(`could not draw a ${d}-regular graph on ${n} peers`);
}

function pairLeft(stubs: number[], linked: Set<number>, n: number): boolean {
  for (const a of stubs) for (const b of stubs) if (a !== b && !linked.has(a * n + b)) return true;
  return false;
}

/**
 * A small world (Watts–Strogatz): a ring where each peer links to its k/2 nearest on each side (k even), then each
 * of those edges has its far end moved, with probability `beta`, to a peer drawn at random (no self-loops, no
 * repeated edges).
 */
export function wattsStrogatz(n: number, k: number, beta: number, random: () => number): Adjacency {
  if (k % 2 !== 0 || k >= n) throw new RangeError(`k must be even and below n, not ${k}`);
  const sets = Array.from({ length: n }, () => new Set<number>());
  for (let i = 0; i < n; i++)
    for (let j = 1; j <= k / 2; j++) {
      sets[i]!.add((i + j) % n);
      sets[(i + j) % n]!.add(i);
    }
  for (let j = 1; j <= k / 2; j++)
    for (let i = 0; i < n; i++) {
      const far = (i + j) % n;
      if (random() >= beta || !sets[i]!.has(far)) continue;
      const to = Math.floor(random() * n);
      if (to === i || sets[i]!.has(to)) continue;
      sets[i]!.delete(far);
      sets[far]!.delete(i);
      sets[i]!.add(to);
      sets[to]!.add(i);
    }
  return sets.map((s) => [...s].sort((a, b) => a - b));
}

/** One live peer as a referral policy sees the mesh (the shape of metadata-server/mesh-graph.ts's MeshNode). */
export interface GrowingNode {
  key: number;
  name: string;
  joinSeq: number;
  neighbours: Set<number>;
}

/** Picks the keys a newcomer dials, given the live peers (the shape of the server's `chooseReferrals`). */
export type ReferralChooser = (graph: { nodes: GrowingNode[] }) => number[];

/** Grows a mesh of n peers joining one by one, each dialling the referrals `choose` gives it (all dials succeed). */
export function grow(n: number, choose: ReferralChooser): Adjacency {
  const nodes: GrowingNode[] = [];
  for (let i = 0; i < n; i++) {
    const referrals = choose({ nodes });
    const node: GrowingNode = { key: i, name: `s${i + 1}`, joinSeq: i + 1, neighbours: new Set() };
    for (const r of referrals) {
      node.neighbours.add(r);
      nodes[r]!.neighbours.add(i);
    }
    nodes.push(node);
  }
  return nodes.map((node) => [...node.neighbours].sort((a, b) => a - b));
}

/** The graph's peers in the referral policy's shape (every peer live, joined in key order). */
export function asGrowing(adj: Adjacency, alive: (i: number) => boolean = () => true): { nodes: GrowingNode[] } {
  const nodes: GrowingNode[] = [];
  adj.forEach((ns, i) => {
    if (alive(i)) nodes.push({ key: i, name: `s${i + 1}`, joinSeq: i + 1, neighbours: new Set(ns.filter(alive)) });
  });
  return { nodes };
}

/** Hop counts from `from` to every peer it reaches (-1: unreachable). */
export function hopsFrom(adj: Adjacency, from: number): Int32Array {
  const hops = new Int32Array(adj.length).fill(-1);
  hops[from] = 0;
  const queue = [from];
  for (let head = 0; head < queue.length; head++) {
    const at = queue[head]!;
    for (const next of adj[at]!) {
      if (hops[next] !== -1) continue;
      hops[next] = hops[at]! + 1;
      queue.push(next);
    }
  }
  return hops;
}

/** Most hops from `from` to a peer it reaches: the hop limit its floods need to reach them all. */
export function eccentricityOf(adj: Adjacency, from: number): number {
  return Math.max(...hopsFrom(adj, from));
}

/** Edges, degrees and (from every peer, or `sample` evenly spaced ones) eccentricities of a graph. */
export function describe(adj: Adjacency, sample = adj.length): GraphShape {
  const degrees = adj.map((ns) => ns.length);
  const step = Math.max(1, Math.floor(adj.length / sample));
  const eccs: number[] = [];
  let connected = true;
  for (let i = 0; i < adj.length; i += step) {
    const hops = hopsFrom(adj, i);
    if (hops.includes(-1)) connected = false;
    eccs.push(Math.max(...hops));
  }
  return {
    peers: adj.length,
    edges: degrees.reduce((a, b) => a + b, 0) / 2,
    minDegree: Math.min(...degrees),
    maxDegree: Math.max(...degrees),
    meanDegree: degrees.reduce((a, b) => a + b, 0) / adj.length,
    diameter: Math.max(...eccs),
    meanEccentricity: eccs.reduce((a, b) => a + b, 0) / eccs.length,
    connected,
  };
}

export interface GraphShape {
  peers: number;
  edges: number;
  minDegree: number;
  maxDegree: number;
  meanDegree: number;
  /** Largest eccentricity seen (the diameter when every peer was measured). */
  diameter: number;
  meanEccentricity: number;
  connected: boolean;
}
