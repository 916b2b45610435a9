/**
 * bench/first-byte: time from typing a file name to the first byte, on a 5-peer mesh where the
 * holder is 3 hops away. The metadata server's `--topology line` makes the chain s1–s2–s3–s4–s5; s4 holds small
 * (4 KiB) files. Two phases of rounds, each asking a new name on s1's stdin:
 * - index: the metadata server's index names the holder, s1 dials it directly;
 * - flood: the metadata server is stopped and the names are new to s1's address book, so the query floods 3 hops
 *   and the holder dials back.
 * For each, the time to `download-started` (data flowing) and to `download-complete` (the single piece arrived,
 * verified, renamed: the first byte cannot come later). Target: median < 50 ms.
 *
 * The mesh is keyed (TLS 1.3 with the mesh key on every connection); `--open` runs it open, for comparison. It also
 * prints how long each peer took from its start to `ready` (process start-up included).
 *
 *   npm run bench:first-byte      (node dist/bench/first-byte.js [--rounds 30] [--open])
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { Mesh, type PeerProcess } from '../harness/mesh.js';
import { table } from './bench-util.js';

const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '30' }, open: { type: 'boolean', default: false } },
});
const rounds = Number(values.rounds);
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

async function measure(
  s1: PeerProcess,
  prefix: string,
): Promise<{ started: number[]; completed: number[]; flooded: number }> {
  const started: number[] = [];
  const completed: number[] = [];
  let flooded = 0;
  for (let i = 0; i < rounds; i++) {
    const from = s1.events.length;
    const t0 = Date.now();
    s1.send(`${prefix}-${i}.txt`);
    const done = await s1.waitFor(
      (e) => e.event === 'download-complete' || e.event === 'not-found' || e.event === 'download-failed',
      10_000,
      from,
    );
    if (done.event !== 'download-complete') throw new Error(JSON.stringify(done));
    const after = s1.events.slice(from);
    started.push(after.find((e) => e.event === 'download-started')!.t - t0);
    completed.push(done.t - t0);
    if (after.some((e) => e.event === 'query-sent')) flooded++;
  }
  return { started, completed, flooded };
}

const mesh = new Mesh({ open: values.open! });
const joins: number[] = [];
try {
  await mesh.startServer(['--topology', 'line']);
  const files: Record<string, Buffer> = {};
  for (let i = 0; i < rounds; i++) {
    files[`indexed-${i}.txt`] = randomBytes(4096);
    files[`flooded-${i}.txt`] = randomBytes(4096);
  }
  mesh.seed('s4', files);
  for (const name of ['s1', 's2', 's3', 's4', 's5']) {
    const t0 = Date.now();
    const p = await mesh.startPeer(name);
    joins.push(Date.now() - t0);
    if (name === 's4') await p.waitHashed();
  }
  const s1 = mesh.peer('s1');
  const topo = (await s1.ask('TOPO', 'topology')) as Extract<PeerEvent, { event: 'topology' }>;
  const chain = topo.peers.map((p) => `${p.name}:${p.neighbours.join('/')}`).join(' ');
  const indexed = await measure(s1, 'indexed');
  mesh.server!.kill('SIGKILL');
  await s1.waitFor((e) => e.event === 'server' && (e.state === 'lost' || e.state === 'unreachable'), 10_000);
  const flooded = await measure(s1, 'flooded');
  console.log(`topology: ${chain} (holder s4 is 3 hops from s1); ${rounds} rounds per phase`);
  console.log(
    `mesh: ${values.open ? 'open (--open)' : 'keyed (TLS 1.3 PSK)'}; start → ready per peer: ${joins.join(' / ')} ms`,
  );
  const row = (label: string, xs: number[]) => [label, pct(xs, 50), pct(xs, 90), Math.max(...xs)];
  console.log(
    table(
      ['phase: milestone', 'median ms', 'p90 ms', 'max ms'],
      [
        row(`index (${rounds - indexed.flooded}/${rounds} direct): data flowing`, indexed.started),
        row('index: file verified (≥ first byte)', indexed.completed),
        row(`flood (${flooded.flooded}/${rounds} flooded, 3 hops): data flowing`, flooded.started),
        row('flood: file verified (≥ first byte)', flooded.completed),
      ],
    ),
  );
} finally {
  await mesh.close();
}
