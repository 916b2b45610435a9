/**
 * bench/flood-scale: flooding measured at scale, in-process (docs/performance.md "Flooding at scale"). 1,000
 * simulated peers (harness/flood-sim.ts: each runs the peer's real FloodRouter with its SeenCache and the real
 * SearchResponder; links are an event queue, one round per hop) on generated meshes: the metadata server's own
 * referrals applied join by join (metadata-server/referral-policy.ts), the same after a tenth of the peers left and
 * the server's repair advice was followed (metadata-server/mesh-repair.ts), random d-regular graphs (d = 3..8) and
 * small worlds (Watts–Strogatz). Prints, per hop limit 1..10: coverage, messages and duplicates per search; the
 * Gnutella tree estimate beside the measured counts; and the search hop limit from the server's `reach`
 * (docs/PROTOCOL.md "Peer ↔ peer") against the old fixed 7, on the referral mesh of 10, 100 and 1,000 peers.
 *
 *   npm run bench:flood-scale      (node dist/bench/flood-scale.js [--peers 1000] [--origins 10] [--seed 1])
 */
import { parseArgs } from 'node:util';
import { FloodSim, type FloodResult } from '../harness/flood-sim.js';
import {
  asGrowing,
  describe,
  grow,
  randomRegular,
  seededRandom,
  wattsStrogatz,
  type Adjacency,
} from '../harness/graphs.js';
import { eccentricity, type MeshGraph } from '../metadata-server/mesh-graph.js';
import { planRepair } from '../metadata-server/mesh-repair.js';
import { chooseReferrals } from '../metadata-server/referral-policy.js';
import { DEFAULT_HOP_LIMIT, searchHopLimit } from '../peer/mesh/hop-limit.js';
import { table } from './bench-util.js';

const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: '1000' },
    origins: { type: 'string', default: '10' },
    seed: { type: 'string', default: '1' },
  },
});
const N = Number(values.peers);
const ORIGINS = Number(values.origins);
const SEED = Number(values.seed);
const TTLS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const referrals = (n: number) => grow(n, (g) => chooseReferrals(g, 'mesh'));

/** `n + n/10` peers join by referral, a tenth leave at random, and every piece of repair advice is followed. */
function referralsAfterChurn(n: number, random: () => number): Adjacency {
  const extra = Math.round(n / 10);
  const adj = referrals(n + extra).map((ns) => new Set(ns));
  const gone = new Set<number>();
  while (gone.size < extra) gone.add(Math.floor(random() * adj.length));
  const alive = (i: number) => !gone.has(i);
  for (let round = 0; round < 1000; round++) {
    const advice = planRepair(
      asGrowing(
        adj.map((s) => [...s]),
        alive,
      ),
    );
    if (advice.length === 0) break;
    for (const { from, to } of advice) {
      adj[from]!.add(to);
      adj[to]!.add(from);
    }
  }
  const kept = adj.map((_, i) => i).filter(alive);
  const index = new Map(kept.map((k, i) => [k, i]));
  return kept.map((k) => [...adj[k]!].filter(alive).map((j) => index.get(j)!));
}

/** The server's `reach` for each peer (metadata-server/mesh-graph.ts), as the peer would hear it. */
function serverReach(adj: Adjacency): (peer: number) => number {
  const graph: MeshGraph = asGrowing(adj);
  return (peer) => eccentricity(graph, peer);
}

/** A delay drawn once per link, uniform in low..high (whole units). */
function randomLatency(
  adj: Adjacency,
  random: () => number,
  low: number,
  high: number,
): (a: number, b: number) => number {
  const delay = new Map<number, number>();
  return (a, b) => {
    const key = Math.min(a, b) * adj.length + Math.max(a, b);
    let d = delay.get(key);
    if (d === undefined) delay.set(key, (d = low + Math.floor(random() * (high - low + 1))));
    return d;
  };
}

const spread = (n: number, k: number) => Array.from({ length: Math.min(n, k) }, (_, i) => Math.floor((i * n) / k));
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
const pct = (x: number) => `${(100 * x).toFixed(x === 1 ? 0 : 1)}%`;
const round = (x: number) => (x >= 100 ? Math.round(x).toString() : x.toFixed(1));

async function sweep(adj: Adjacency, origins: number[], ttl: number, sim = new FloodSim(adj)): Promise<FloodResult[]> {
  const out: FloodResult[] = [];
  for (const o of origins) out.push(await sim.search(o, ttl));
  return out;
}

const random = seededRandom(SEED);
const topologies: [string, Adjacency][] = [
  ['referral (mesh)', referrals(N)],
  ['referral, 10% left, repaired', referralsAfterChurn(N, random)],
  ...[3, 4, 5, 6, 7, 8].map((d): [string, Adjacency] => [`random ${d}-regular`, randomRegular(N, d, random)]),
  ['small world k=4 β=0.1', wattsStrogatz(N, 4, 0.1, random)],
  ['small world k=6 β=0.1', wattsStrogatz(N, 6, 0.1, random)],
];

const started = performance.now();
console.log(`Flooding at scale: ${N} simulated peers, ${ORIGINS} origins per cell, seed ${SEED}\n`);
console.log('Topologies (diameter and eccentricity over every peer)\n');
console.log(
  table(
    ['topology', 'peers', 'edges', 'degree min/mean/max', 'diameter', 'mean eccentricity'],
    topologies.map(([name, adj]) => {
      const s = describe(adj);
      const deg = `${s.minDegree} / ${s.meanDegree.toFixed(2)} / ${s.maxDegree}`;
      return [
        name,
        s.peers,
        s.edges,
        deg,
        s.connected ? s.diameter : `${s.diameter} (split)`,
        round(s.meanEccentricity),
      ];
    }),
  ),
);

const cells = new Map<string, FloodResult[][]>();
for (const [name, adj] of topologies) {
  const sim = new FloodSim(adj);
  const origins = spread(adj.length, ORIGINS);
  const rows: FloodResult[][] = [];
  for (const ttl of TTLS) rows.push(await sweep(adj, origins, ttl, sim));
  cells.set(name, rows);
}
const byTtl = (title: string, cell: (rs: FloodResult[]) => string) => {
  console.log(`\n${title}\n`);
  const rows = [...cells].map(([name, rows]) => [name, ...rows.map(cell)]);
  console.log(table(['topology \\ hop limit', ...TTLS.map(String)], rows));
};
byTtl('Coverage (mean share of peers reached)', (rs) => pct(mean(rs.map((r) => r.coverage))));
byTtl('Messages per search (copies sent on links)', (rs) => round(mean(rs.map((r) => r.sent))));
byTtl('Duplicates per search (copies dropped as already seen)', (rs) => round(mean(rs.map((r) => r.duplicates))));
byTtl('Latency in hops: rounds until the last peer reached (mean hops of a first copy)', (rs) => {
  const last = mean(rs.map((r) => r.lastArrival));
  return `${last.toFixed(last % 1 ? 1 : 0)} (${mean(rs.map((r) => r.meanHops)).toFixed(1)})`;
});

console.log('\nGnutella tree estimate vs measured, random d-regular graphs: messages, then peers reached\n');
const treeMessages = (d: number, t: number) => d * sum(t, (i) => (d - 1) ** i);
const sum = (n: number, f: (i: number) => number) =>
  Array.from({ length: n }, (_, i) => f(i)).reduce((a, b) => a + b, 0);
for (const what of ['messages', 'reached'] as const) {
  const rows = [3, 4, 5, 6, 7, 8].map((d) => {
    const rs = cells.get(`random ${d}-regular`)!;
    return [
      `d=${d} ${what}`,
      ...TTLS.map((t, i) => {
        const est = treeMessages(d, t) + (what === 'reached' ? 1 : 0);
        const got = mean(rs[i]!.map((r) => (what === 'messages' ? r.sent : r.reached)));
        return `${compact(est)} / ${compact(got)}`;
      }),
    ];
  });
  console.log(table([`estimate / measured`, ...TTLS.map(String)], rows));
  console.log();
}

function compact(x: number): string {
  return x >= 1e6 ? `${(x / 1e6).toFixed(1)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : Math.round(x).toString();
}

console.log(
  `Search hop limit: fixed ${DEFAULT_HOP_LIMIT} vs the server's reach (eccentricity), on the referral mesh; every ` +
    `origin (at most 100, evenly spaced); links: one round per hop, or a delay per link drawn uniformly from a range; ` +
    `'all' = share of searches that reached every peer; time = when the last peer got its first copy\n`,
);
const limits: [string, (reach: number) => number][] = [
  [`fixed ${DEFAULT_HOP_LIMIT}`, () => DEFAULT_HOP_LIMIT],
  ['reach + 1 (the peer)', (reach) => searchHopLimit(reach)],
  ['reach (no margin)', (reach) => reach],
  ['reach + 2', (reach) => reach + 2],
];
const rows: (string | number)[][] = [];
for (const [name, n, mode] of [
  ['referral', 10, 'rounds'],
  ['referral', 100, 'rounds'],
  ['referral', N, 'rounds'],
  ['referral, 10% left, repaired', N, 'rounds'],
  ['referral', 100, 'latency 9-11'],
  ['referral', N, 'latency 9-11'],
  ['referral', 100, 'latency 1-10'],
  ['referral', N, 'latency 1-10'],
] as const) {
  const adj = name === 'referral' ? referrals(n) : referralsAfterChurn(n, seededRandom(SEED));
  const reachOf = serverReach(adj);
  const origins = spread(adj.length, 100);
  const [low, high] = mode === 'rounds' ? [1, 1] : mode === 'latency 9-11' ? [9, 11] : [1, 10];
  const sim = new FloodSim(adj, { latency: randomLatency(adj, seededRandom(SEED), low, high) });
  for (const [limit, hopsFor] of limits) {
    const rs: FloodResult[] = [];
    for (const o of origins) rs.push(await sim.search(o, hopsFor(reachOf(o))));
    const hops = mean(origins.map((o) => hopsFor(reachOf(o))));
    rows.push([
      `${name}, ${n}`,
      mode,
      limit,
      hops.toFixed(1),
      pct(mean(rs.map((r) => r.coverage))),
      pct(Math.min(...rs.map((r) => r.coverage))),
      pct(rs.filter((r) => r.coverage === 1).length / rs.length),
      round(mean(rs.map((r) => r.sent))),
      round(mean(rs.map((r) => r.duplicates))),
      round(mean(rs.map((r) => r.lastArrival))),
    ]);
  }
}
console.log(
  table(
    ['mesh, peers', 'links', 'hop limit', 'mean limit', 'coverage', 'worst', 'all', 'messages', 'duplicates', 'time'],
    rows,
  ),
);
console.log(`\n(${((performance.now() - started) / 1000).toFixed(1)} s)`);
