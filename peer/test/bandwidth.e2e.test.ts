/**
 * Bandwidth caps end to end (docs/CONTRACT.md "Mirror, discovery and bandwidth"), real peers on loopback: a download
 * capped at the receiver (`--max-down`) and at the sender (`--max-up`) runs at the asked rate within 10%, measured
 * from the downloader's progress events, and arrives whole (SHA-256); `limit` changes the rate of a transfer
 * already running and `limit off` lifts it; searches and TOPO keep their speed while a capped transfer runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, PEER_BIN, sha256File } from '../../harness/mesh.js';
import { runToExit } from '../../harness/run-to-exit.js';
import { writeRandomFile } from '../../harness/random-file.js';
import type { PeerEvent } from '../control/peer-events.js';

const MiB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));
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

test('limit changes the rate of a download already running, and limit off lifts the cap', async () => {
  const size = 120 * MiB;
  const { mesh, me, want } = await twoPeers(size, [], ['--max-down', '10MB/s']);
  try {
    const announced = await me.waitFor('limits');
    assert.equal(
      [announced.event === 'limits' && announced.up, announced.event === 'limits' && announced.down],
      [null, 10e6],
    );
    const start = (await me.ask('big.bin', 'download-started')).t;
    await sleep(start + 2600 - Date.now());
    within(rateBetween(me.events, start + 500, start + 2500), 10e6);
    const raised = await me.ask('limit down 25MB/s', 'limits');
    assert.ok(raised.event === 'limits' && raised.down === 25e6 && raised.up === null && raised.cmd !== undefined);
    await sleep(raised.t + 2600 - Date.now());
    within(rateBetween(me.events, raised.t + 500, raised.t + 2500), 25e6);
    const bad = await me.ask('limit down fast', (e) => e.event === 'error' || e.event === 'limits');
    assert.ok(bad.event === 'error' && /"fast" is not a rate/.test(bad.message), JSON.stringify(bad));
    const off = await me.ask('limit off', 'limits');
    assert.ok(off.event === 'limits' && off.down === null && off.up === null);
    const done = await me.waitFor((e) => e.event === 'download-complete' || e.event === 'download-failed', 30_000);
    assert.is(done.event, 'download-complete');
    if (done.event !== 'download-complete') return;
    assert.is(sha256File(join(me.dir, done.path)), want);
    const before = me.events.filter((e): e is Progress => e.event === 'download-progress' && e.t <= off.t).pop()!;
    const rest = ((size - before.received) * 1000) / Math.max(1, done.t - before.t);
    assert.ok(rest > 50e6, `after limit off: ${(rest / 1e6).toFixed(1)} MB/s, over twice the last cap`);
  } finally {
    await mesh.close();
  }
});

test('a capped transfer does not slow the neighbour links: a flood search and TOPO answer at once', async () => {
  const { mesh, h1, me } = await twoPeers(64 * MiB, ['--verbose'], ['--max-down', '5MB/s']);
  try {
    await me.ask('big.bin', 'download-started');
    await sleep(1000); // the cap is biting: every read of the transfer waits for it
    const topo = await me.ask('TOPO', (e) => e.event === 'topology' && e.cmd !== undefined);
    const asked = me.events.filter((e) => e.event === 'topology').length; // the answer came; now time it
    const t0 = Date.now();
    const again = await me.ask('TOPO', (e) => e.event === 'topology' && e.cmd !== undefined && e.t >= t0, 5000);
    assert.ok(asked >= 1 && topo.event === 'topology');
    assert.ok(again.t - t0 < 1000, `TOPO answered in ${again.t - t0} ms during a capped transfer`);
    const sent = await me.ask('nobody-has-this.bin', 'query-sent', 5000);
    const seen = await h1.waitFor(
      (e) => e.event === 'query-seen' && sent.event === 'query-sent' && e.query === sent.query,
      5000,
    );
    assert.ok(seen.t - sent.t < 300, `the flood reached the neighbour in ${seen.t - sent.t} ms`);
    const stats = await me.waitFor((e) => e.event === 'neighbour-stats' && e.t > sent.t, 5000);
    assert.ok(stats.event === 'neighbour-stats');
    const rtt = stats.neighbours.find((n) => n.name === 'h1')?.rttMs;
    assert.ok(rtt !== undefined && rtt !== null && rtt < 200, `ping round trip ${rtt} ms`);
    const progress = me.events.filter((e) => e.event === 'download-progress').pop();
    assert.ok(progress?.event === 'download-progress' && progress.received < 64 * MiB, 'the transfer was still capped');
  } finally {
    await mesh.close();
  }
});

test("a backup peer's catching up counts against its --max-down too, below its own 4 MiB/s share", async () => {
  const size = 6 * MiB;
  const mesh = new Mesh();
  try {
    await mesh.startServer();
    const file = join(mesh.seed('h1', {}), 'kept.bin');
    writeRandomFile(file, size);
    await (await mesh.startPeer('h1')).waitHashed();
    const bk = await mesh.startPeer('bk', ['--backup', '--max-down', '1MB/s']);
    const ready = bk.events.find((e) => e.event === 'ready')!;
    const synced = await bk.waitFor((e) => e.event === 'backup-synced' && e.files === 1 && e.missing === 0, 30_000);
    // At its own 4 MiB/s share this takes 1.5 s; at 1 MB/s 6.3 s, less a fifth of a second of burst and the index
    // read that starts it (every second).
    const seconds = (synced.t - ready.t) / 1000;
    assert.ok(seconds > 5.5 && seconds < 9, `the backup took ${seconds} s`);
  } finally {
    await mesh.close();
  }
});

test("a mirror's copying counts against its --max-down, and the owner's against its --max-up", async () => {
  const cases: [string[], string[]][] = [
    [[], ['--max-down', '1MB/s']],
    [['--max-up', '1MB/s'], []],
  ];
  for (const [ownArgs, mirArgs] of cases) {
    const size = 4 * MiB;
    const mesh = new Mesh();
    try {
      await mesh.startServer();
      const file = join(mesh.seed('own', {}), 'kept.bin');
      writeRandomFile(file, size);
      await (await mesh.startPeer('own', ownArgs)).waitHashed();
      const mir = await mesh.startPeer('mir', ['--mirror', ...mirArgs]);
      const ready = mir.events.find((e) => e.event === 'ready')!;
      const done = await mir.waitFor((e) => e.event === 'mirror' && e.path === 'kept.bin', 30_000);
      // Uncapped this takes a fraction of a second on loopback; at 1 MB/s 4.2 s, less a fifth of a second of burst.
      const seconds = (done.t - ready.t) / 1000;
      assert.ok(
        seconds > 3.6 && seconds < 8,
        `the mirror took ${seconds} s with ${[...ownArgs, ...mirArgs].join(' ')}`,
      );
      assert.is(sha256File(join(mesh.dirOf('mir'), 'Mirror', 'own', 'kept.bin')), sha256File(file));
    } finally {
      await mesh.close();
    }
  }
});

test('a rate the peer cannot read, or out of range, is one sentence on stderr and exit 2', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'p2p-caps-'));
  try {
    for (const [args, said] of [
      [
        ['--max-down', 'fast'],
        /^peer: --max-down: "fast" is not a rate: give a number and a unit, for example 500KB\/s/,
      ],
      [['--max-up', '10KB/s'], /^peer: --max-up: 10KB\/s is outside the rates a cap takes, 100 KB\/s to 100 GB\/s/],
    ] as const) {
      const run = await runToExit(PEER_BIN, ['s1', '--open', ...args], { cwd, ms: 10_000, what: 'peer' });
      assert.is(run.code, 2, run.stderr);
      assert.match(run.stderr, said);
      assert.is(run.stderr.trim().split('\n').length, 1, run.stderr);
    }
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test.run();
