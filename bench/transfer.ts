/**
 * bench/transfer: one verified transfer of a large random file between two peers on loopback and, in
 * the same run, the same bytes through a minimal Node pipe (baseline-pipe.ts: socket → file, no verification).
 * Prints MB/s for both, the ratio, and each side's peak RSS. The verified transfer runs twice, in an `--open` mesh
 * (plain TCP) and in a keyed one (TLS 1.3 with the mesh key: docs/PROTOCOL.md "The mesh key: TLS 1.3 with a
 * pre-shared key"), side by side. Loopback figures drift 20–40% between runs: only the ratios of one run mean
 * anything.
 *
 * Each size runs several rounds, alternating which path goes first, and every run starts after `sync` (untimed):
 * the pipe leaves a gigabyte of dirty pages behind (it does not flush; the peer does, before its rename), and on this
 * machine whichever run comes next would pay for writing them back. The table shows the median of each path and the
 * ratio of the medians.
 *
 *   npm run bench:transfer                                  # 1 GiB and 4 GiB, 3 rounds
 *   node dist/bench/transfer.js --sizes 1024 --rounds 5     # sizes in MiB
 */
import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { Mesh, sha256File } from '../harness/mesh.js';
import { peakRssMb, runNode, table, writeRandomFile } from './bench-util.js';

const { values } = parseArgs({
  options: { sizes: { type: 'string', default: '1024,4096' }, rounds: { type: 'string', default: '3' } },
});
const rounds = Number(values.rounds);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sizes = values.sizes!.split(',').map((s) => Number(s) * 1024 * 1024);
const BASELINE = fileURLToPath(new URL('./baseline-pipe.js', import.meta.url));
const mb = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

async function baseline(
  source: string,
  target: string,
): Promise<{ mbps: number; senderMb: number; receiverMb: number }> {
  let port = 0;
  let resolvePort!: () => void;
  const portKnown = new Promise<void>((r) => (resolvePort = r));
  const receiving = runNode([BASELINE, 'receive', target], (o) => {
    if (typeof o.port === 'number') {
      port = o.port;
      resolvePort();
    }
  });
  await portKnown;
  const sent = await runNode([BASELINE, 'send', `127.0.0.1:${port}`, source]);
  const received = (await receiving).find((o) => typeof o.ms === 'number')!;
  return {
    mbps: mb(received.bytes as number, received.ms as number),
    senderMb: (sent[0]!.maxRssKb as number) / 1024,
    receiverMb: (received.maxRssKb as number) / 1024,
  };
}

async function verified(
  mesh: Mesh,
  bytes: number,
): Promise<{ mbps: number; senderMb: number; receiverMb: number; ok: boolean }> {
  const holder = mesh.peer('holder');
  const requester = mesh.peer('requester');
  const done = await requester.ask(
    'big.bin',
    (e) => e.event === 'download-complete' || e.event === 'download-failed',
    300_000,
  );
  if (done.event !== 'download-complete') throw new Error(`transfer failed: ${JSON.stringify(done)}`);
  const result = {
    mbps: mb(bytes, done.ms),
    senderMb: peakRssMb(holder.child.pid!),
    receiverMb: peakRssMb(requester.child.pid!),
    // Independent check: hash what landed and what was sent, outside the peers.
    ok: sha256File(join(requester.dir, done.path)) === sha256File(join(holder.dir, 'shared', 'big.bin')),
  };
  unlinkSync(join(requester.dir, 'Downloads', 'big.bin'));
  return result;
}

const rows: (string | number)[][] = [];
for (const bytes of sizes) {
  const open = new Mesh({ open: true });
  const keyed = new Mesh();
  try {
    const source = join(open.seed('holder', {}), 'big.bin');
    writeRandomFile(source, bytes);
    linkSync(source, join(keyed.seed('holder', {}), 'big.bin'));
    for (const mesh of [open, keyed]) {
      await mesh.startServer();
      const holder = await mesh.startPeer('holder');
      await holder.waitHashed(600_000);
      await mesh.startPeer('requester');
    }
    const scratch = join(open.root, 'baseline');
    mkdirSync(scratch);
    const ceiling = await baseline(source, '-');
    const pipe: Awaited<ReturnType<typeof baseline>>[] = [];
    const ours = {
      open: [] as Awaited<ReturnType<typeof verified>>[],
      keyed: [] as Awaited<ReturnType<typeof verified>>[],
    };
    for (let round = 0; round < rounds; round++) {
      const settle = () => execFileSync('sync'); // untimed: start every run from the same clean page cache
      const runs = [
        async () => {
          settle();
          pipe.push(await baseline(source, join(scratch, 'copy.bin')));
          rmSync(join(scratch, 'copy.bin'));
        },
        async () => {
          settle();
          ours.open.push(await verified(open, bytes));
        },
        async () => {
          settle();
          ours.keyed.push(await verified(keyed, bytes));
        },
      ];
      // Each round starts with another path, so none always runs first.
      for (let i = 0; i < runs.length; i++) await runs[(round + i) % runs.length]!();
    }
    const label = `${bytes / 1024 / 1024} MiB`;
    const pipeMbps = median(pipe.map((r) => r.mbps));
    const each = (xs: { mbps: number }[]) => xs.map((r) => r.mbps.toFixed(0)).join(' / ');
    rows.push([
      label,
      'socket → /dev/null (ceiling)',
      ceiling.mbps.toFixed(0),
      '-',
      (ceiling.mbps / pipeMbps).toFixed(2),
      ceiling.senderMb.toFixed(0),
      ceiling.receiverMb.toFixed(0),
      '-',
    ]);
    rows.push([
      label,
      'minimal pipe (no verification)',
      pipeMbps.toFixed(0),
      each(pipe),
      '1.00',
      Math.max(...pipe.map((r) => r.senderMb)).toFixed(0),
      Math.max(...pipe.map((r) => r.receiverMb)).toFixed(0),
      '-',
    ]);
    for (const [mode, runsOf] of [
      ['open (--open, plain TCP)', ours.open],
      ['keyed (TLS 1.3 PSK)', ours.keyed],
    ] as const) {
      const mbps = median(runsOf.map((r) => r.mbps));
      rows.push([
        label,
        `peer → peer, verified, ${mode}`,
        mbps.toFixed(0),
        each(runsOf),
        (mbps / pipeMbps).toFixed(2),
        Math.max(...runsOf.map((r) => r.senderMb)).toFixed(0),
        Math.max(...runsOf.map((r) => r.receiverMb)).toFixed(0),
        runsOf.every((r) => r.ok) ? 'sha256 ok' : 'MISMATCH',
      ]);
    }
  } finally {
    await open.close();
    await keyed.close();
  }
}
console.log(`${rounds} rounds per size, rotating which path goes first; MB/s is the median`);
console.log(
  table(
    ['size', 'path', 'MB/s (median)', 'each round', 'ratio', 'sender peak RSS MB', 'receiver peak RSS MB', 'check'],
    rows,
  ),
);
