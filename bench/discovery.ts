/**
 * bench/discovery: how long a headless peer takes from its spawn to `ready`, joining a metadata server on a
 * non-default port on loopback, (a) given `--server`, (b) without it, finding the server by its announcements
 * (docs/CONTRACT.md "Mirror, discovery and bandwidth"); and (c) how long after a server starts a peer that was
 * already looking is ready. Median and worst of N runs, each peer a fresh process and folder. Target: under 3 s.
 *
 *   npm run bench:discovery      (node dist/bench/discovery.js [--runs 20])
 */
import { parseArgs } from 'node:util';
import { Mesh } from '../harness/mesh.js';
import { table } from './bench-util.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '20' } } });
const runs = Number(values.runs);
const port = String(30_000 + Math.floor(Math.random() * 10_000));
const discovery = ['--discovery-port', port];

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function untilReady(mesh: Mesh, name: string, discover: boolean): Promise<number> {
  const t0 = performance.now();
  const peer = await mesh.startPeer(name, discovery, false, [], { discover });
  await peer.waitFor('ready', 10_000);
  const ms = performance.now() - t0;
  peer.kill('SIGTERM');
  await peer.waitExit(5000);
  return ms;
}

const mesh = new Mesh();
const rows: (string | number)[][] = [];
try {
  await mesh.startServer(discovery);
  const direct: number[] = [];
  const found: number[] = [];
  for (let i = 0; i < runs; i++) {
    direct.push(await untilReady(mesh, `s${i}`, false));
    found.push(await untilReady(mesh, `d${i}`, true));
  }
  const row = (what: string, xs: number[]) => [what, Math.round(median(xs)), Math.round(Math.max(...xs))];
  rows.push(row('spawn → ready, --server given', direct));
  rows.push(row('spawn → ready, found by discovery', found));
  // (c) Peers already looking when a server starts: from the server's listening line to their ready.
  const late: number[] = [];
  for (let i = 0; i < Math.min(runs, 5); i++) {
    mesh.server?.kill('SIGKILL');
    const peer = await mesh.startPeer(`l${i}`, discovery, false, [], { discover: true });
    await peer.waitFor((e) => e.event === 'log' && /^no --server: looking/.test(e.message), 5000);
    await mesh.startServer(discovery);
    const listening = performance.now();
    await peer.waitFor('ready', 10_000);
    late.push(performance.now() - listening);
    peer.kill('SIGTERM');
    await peer.waitExit(5000);
  }
  rows.push(row('server listening → ready, peer already looking', late));
} finally {
  await mesh.close();
}
console.log(`discovery on loopback, ${runs} runs (server on a non-default port; udp port ${port})\n`);
console.log(table(['what', 'median ms', 'worst ms'], rows));
