/**
 * bench/trace: `trace FILE` on a mesh of N real peers (docs/PROTOCOL.md "Query trace"). The last peer to join holds
 * the file; s1 traces it R times. For each round: the copies reported (steps), peers reached, duplicates, who
 * answered, the largest time estimate of a step (`ms`), and the wall time from the command to the `trace` event
 * (which comes 300 ms after the last step: the quiet period). It also checks each trace against the graph TOPO
 * reports: as many copies as flooding sends (the origin's degree plus each reached peer's degree less one).
 *
 *   npm run build && node dist/bench/trace.js [--peers 8] [--rounds 10] [--topology mesh|line] [--hops 7]
 */
import { parseArgs } from 'node:util';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { Mesh } from '../harness/mesh.js';
import { table } from './bench-util.js';

const { values } = parseArgs({
  options: {
    peers: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '10' },
    topology: { type: 'string', default: 'mesh' },
    hops: { type: 'string', default: '7' },
  },
});
const n = Number(values.peers);
const rounds = Number(values.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
type Trace = Extract<PeerEvent, { event: 'trace' }>;

const mesh = new Mesh();
try {
  await mesh.startServer(['--topology', values.topology!, ...(n > 10 ? ['--max-peers', String(n)] : [])]);
  const last = `s${n}`;
  mesh.seed(last, { 'target.bin': Buffer.alloc(10_000, 1) });
  const s1 = await mesh.startPeer('s1', ['--hops', values.hops!]);
  for (let i = 2; i <= n; i++) await mesh.startPeer(`s${i}`);
  await mesh.peer(last).waitHashed();
  await new Promise((r) => setTimeout(r, 2500)); // links settled, every link pinged
  const topo = await s1.ask('TOPO', 'topology', 10_000);
  const graph = new Map(topo.event === 'topology' ? topo.peers.map((p) => [p.name, p.neighbours.length]) : []);
  const rows: (string | number)[][] = [];
  const walls: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const t0 = Date.now();
    const trace = (await s1.ask('trace target.bin', 'trace', 10_000)) as Trace;
    const wall = trace.t - t0;
    walls.push(wall);
    // Peers that passed the query on: every first copy but an expired one.
    const senders = trace.steps.filter((s) => s.action === 'forwarded' || s.action === 'answered').map((s) => s.peer);
    const expected = (graph.get('s1') ?? 0) + senders.reduce((sum, p) => sum + (graph.get(p) ?? 1) - 1, 0);
    const expired = trace.steps.filter((s) => s.action === 'expired').length;
    rows.push([
      i + 1,
      trace.steps.length,
      expected,
      expired,
      trace.reached,
      trace.duplicates,
      trace.answeredBy.join(',') || '-',
      Math.max(0, ...trace.steps.map((s) => s.hops)),
      Math.max(0, ...trace.steps.map((s) => s.ms)).toFixed(2),
      wall,
    ]);
  }
  const headers = [
    'round',
    'steps',
    'flooding sends',
    'expired',
    'reached',
    'dups',
    'answered',
    'max hops',
    'max ms',
    'wall ms',
  ];
  console.log(table(headers, rows));
  console.log(`${n} peers (${values.topology}), ${graph.size} in TOPO`);
  console.log(`median wall time to the trace event: ${median(walls)} ms (300 ms of it is the quiet period)`);
} finally {
  await mesh.close();
}
