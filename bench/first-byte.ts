/**
 * bench/first-byte (issue 2): time from typing a file name to the first byte, on a 5-peer mesh where the holder
 * is 3 hops away. The metadata server's `--topology line` makes the chain s1–s2–s3–s4–s5; the holder of a 4 KiB
 * file is s4. Each round types the name on s1's stdin and takes the time to `download-started` (the holder dialled
 * back and the offer was accepted) and to `download-complete` (the single piece arrived, verified and renamed:
 * the first byte cannot come later than that). Target: median < 50 ms.
 *
 *   node dist/bench/first-byte.js [--rounds 40]
 */
import { randomBytes } from 'node:crypto';
import { unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PeerEvent } from '../peer/peer-events.js';
import { Mesh } from '../peer/test/mesh-harness.js';
import { table } from './bench-util.js';

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '40' } } });
const rounds = Number(values.rounds);
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

const mesh = new Mesh();
try {
  await mesh.startServer(['--topology', 'line']);
  mesh.seed('s4', { 'small.txt': randomBytes(4096) });
  for (const name of ['s1', 's2', 's3', 's4', 's5']) await mesh.startPeer(name);
  const s1 = mesh.peer('s1');
  const topo = (await s1.ask('TOPO', 'topology')) as Extract<PeerEvent, { event: 'topology' }>;
  const chain = topo.peers.map((p) => `${p.name}:${p.neighbours.join('/')}`).join(' ');
  const started: number[] = [];
  const completed: number[] = [];
  for (let i = 0; i < rounds; i++) {
    const from = s1.events.length;
    const t0 = Date.now();
    s1.send('small.txt');
    const done = await s1.waitFor((e) => e.event === 'download-complete' || e.event === 'not-found' || e.event === 'download-failed', 10_000, from);
    if (done.event !== 'download-complete') throw new Error(JSON.stringify(done));
    const start = s1.events.slice(from).find((e) => e.event === 'download-started')!;
    started.push(start.t - t0);
    completed.push(done.t - t0);
    unlinkSync(join(s1.dir, done.path));
  }
  console.log(`topology: ${chain} (holder s4 is 3 hops from s1); ${rounds} rounds`);
  console.log(table(['milestone', 'median ms', 'p90 ms', 'max ms'], [
    ['offer accepted (download-started)', pct(started, 50), pct(started, 90), Math.max(...started)],
    ['file verified in Downloads/ (≥ first byte)', pct(completed, 50), pct(completed, 90), Math.max(...completed)],
  ]));
} finally {
  await mesh.close();
}
