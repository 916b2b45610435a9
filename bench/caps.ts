/**
 * bench/caps: achieved against asked rate of the bandwidth caps (docs/CONTRACT.md "Mirror, discovery and
 * bandwidth"), two real peers on loopback in a keyed mesh. For each asked rate (1, 10 and 100 MB/s by default) one
 * download is capped at the receiver (`--max-down`) and one at the sender (`--max-up`); the file holds `--seconds`
 * of the rate, so each transfer lasts about that long.
 *
 * Measured at the receiver from its `download-progress` events: each is emitted when a piece has just been verified,
 * so every (time, bytes verified) pair is an exact point of the transfer, not a sample rounded to a piece. "mean" is
 * from the first such point to the last; "worst window" is, over every pair of points at least W apart (W = 10 s,
 * or the run's span less a second when it is shorter), the window whose rate is farthest from the asked one,
 * signed. The first point comes after the first piece: the burst saved up at the start (at most a fifth of a second
 * of the rate) is in the first window.
 *
 *   npm run bench:caps                                 # 1, 10, 100 MB/s, 12 s each, up and down
 *   node dist/bench/caps.js --rates 5,50 --seconds 20  # rates in MB/s (1000-based, as --max-down reads them)
 */
import { linkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Mesh, sha256File } from '../harness/mesh.js';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { table, writeRandomFile } from './bench-util.js';

const { values } = parseArgs({
  options: { rates: { type: 'string', default: '1,10,100' }, seconds: { type: 'string', default: '12' } },
});
const rates = values.rates!.split(',').map((r) => Number(r) * 1e6);
const seconds = Number(values.seconds);
const WINDOW_MS = 10_000;

interface Point {
  t: number;
  bytes: number;
}

/** The mean rate, and the window (≥ `windowMs`) whose rate is farthest from `asked`. */
function measure(points: Point[], asked: number): { mean: number; worst: number; windowMs: number } {
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const span = last.t - first.t;
  const windowMs = Math.min(WINDOW_MS, span - 1000);
  let worst = asked;
  for (let i = 0, j = 0; i < points.length; i++) {
    while (j < points.length && points[j]!.t - points[i]!.t < windowMs) j++;
    if (j === points.length) break;
    const rate = ((points[j]!.bytes - points[i]!.bytes) * 1000) / (points[j]!.t - points[i]!.t);
    if (Math.abs(rate - asked) > Math.abs(worst - asked)) worst = rate;
  }
  return { mean: ((last.bytes - first.bytes) * 1000) / span, worst, windowMs };
}

async function run(source: string, size: number, asked: number, side: 'up' | 'down') {
  const mesh = new Mesh();
  try {
    linkSync(source, join(mesh.seed('holder', {}), 'big.bin'));
    await mesh.startServer();
    const rate = `${asked / 1e6}MB/s`;
    const holder = await mesh.startPeer('holder', side === 'up' ? ['--max-up', rate] : []);
    await holder.waitHashed(600_000);
    const me = await mesh.startPeer('me', ['--verbose', ...(side === 'down' ? ['--max-down', rate] : [])]);
    const done = await me.ask(
      'big.bin',
      (e) => e.event === 'download-complete' || e.event === 'download-failed',
      (seconds * 3 + 60) * 1000,
    );
    if (done.event !== 'download-complete') throw new Error(`transfer failed: ${JSON.stringify(done)}`);
    const points = me.events
      .filter((e): e is Extract<PeerEvent, { event: 'download-progress' }> => e.event === 'download-progress')
      .map((e) => ({ t: e.t, bytes: e.received }));
    const ok = sha256File(join(me.dir, done.path)) === sha256File(source);
    return { ...measure(points, asked), ok, size };
  } finally {
    await mesh.close();
  }
}

const rows: (string | number)[][] = [];
const pct = (x: number, asked: number) => `${x >= asked ? '+' : ''}${(((x - asked) / asked) * 100).toFixed(1)}%`;
for (const asked of rates) {
  const scratch = new Mesh();
  try {
    const size = Math.round(asked * seconds);
    const source = join(scratch.seed('source', {}), 'big.bin');
    writeRandomFile(source, size);
    for (const side of ['down', 'up'] as const) {
      const r = await run(source, size, asked, side);
      rows.push([
        `${asked / 1e6} MB/s`,
        side === 'down' ? '--max-down (receiver)' : '--max-up (sender)',
        `${(size / 1e6).toFixed(0)} MB`,
        `${(r.mean / 1e6).toFixed(3)} (${pct(r.mean, asked)})`,
        `${(r.worst / 1e6).toFixed(3)} (${pct(r.worst, asked)})`,
        `${(r.windowMs / 1000).toFixed(1)} s`,
        r.ok ? 'yes' : 'NO',
      ]);
      process.stderr.write(`${rows[rows.length - 1]!.join('  ')}\n`);
    }
  } finally {
    await scratch.close();
  }
}
console.log(table(['asked', 'cap at', 'file', 'mean MB/s', 'worst window MB/s', 'window', 'SHA-256 ok'], rows));
