/**
 * The custody bench: three figures of files outliving their peer (docs/PROTOCOL.md "Custody", docs/PROTOCOL.md "Backup peer"), each against its target
 * and, where the target is relative, against a baseline measured in the same run. Headless peers on loopback, keyed
 * (TLS 1.3 with the mesh key), as in the e2e tests peer/test/custody.e2e.test.ts and peer/test/backup.e2e.test.ts.
 *
 * 1. Handoff rate. An owner holds `--mib` MiB of unique random files (four equal parts) and one other peer is live
 *    (the custodian). Timed from typing `Stop` to `handoff-complete`. Baseline: a plain keyed download of one file of
 *    the same size between two other peers (`download-complete`'s `ms`, search included, as bench/transfer.ts).
 *    Target: handoff ≥ 0.6× the keyed rate. Every timed run starts after `sync` (untimed).
 * 2. Return. An owner with `--files` files of 64 KiB hands them off on `Stop`; they are deleted from its `shared/`
 *    and it is restarted from its folder. Timed from its `ready` to the last `files-returned` (all files back).
 *    Target: within 5 s plus the transfer time, estimated as the bytes at the keyed rate of part 1. Run twice:
 *    restarted at once, and `--away-ms` later (default 35 s, past the custodian's wait before it asks an owner
 *    again).
 * 3. Backup catch-up. `--peers` peers with 100 files of 4 KiB each (all contents distinct); then a `--backup` peer
 *    joins. Timed from its `ready` to `backup-synced` with every content kept and none missing; its RSS is read
 *    from /proc every 100 ms (VmRSS) and at the end (VmHWM, the kernel's peak). Target: 60 s, under 200 MB.
 * 4. Share. A user's download of min(`--mib`, 512) MiB from a holder, without and with a backup peer fetching a file
 *    twice that size from the same holder at that moment (fresh meshes, alternated, median of 3 each). Target: at
 *    most 10% slower.
 *
 *   npm run bench:custody                                   # 1 GiB, 100 files, 10 peers
 *   node dist/bench/custody.js --mib 256 --only handoff,return
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { Mesh, sha256, sha256File, type PeerProcess } from '../harness/mesh.js';
import { peakRssMb, table, writeRandomFile } from './bench-util.js';

type Of<K extends PeerEvent['event']> = Extract<PeerEvent, { event: K }>;

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    files: { type: 'string', default: '100' },
    peers: { type: 'string', default: '10' },
    only: { type: 'string', default: 'handoff,return,backup,share' },
    'away-ms': { type: 'string', default: '35000' },
  },
});
const MiB = 1024 * 1024;
const handoffBytes = Number(values.mib) * MiB;
const returnFiles = Number(values.files);
const meshPeers = Number(values.peers);
const only = new Set(values.only!.split(','));
const awayMs = Number(values['away-ms']);
const mbps = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const settle = () => execFileSync('sync'); // untimed: no run pays for the previous one's dirty pages
const ends = (e: PeerEvent) =>
  e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found';
const handoffEnds = (e: PeerEvent) => e.event === 'handoff-complete' || e.event === 'handoff-failed';
const readyOf = (p: PeerProcess) => p.events.find((e) => e.event === 'ready') as Of<'ready'>;

/** Writes random files of the given sizes into a peer's shared/, dated a minute back (offered at once). */
function seedRandom(mesh: Mesh, name: string, files: Record<string, number>): string[] {
  const shared = mesh.seed(name, {});
  const past = new Date(Date.now() - 60_000);
  for (const [file, bytes] of Object.entries(files)) {
    writeRandomFile(join(shared, file), bytes);
    utimesSync(join(shared, file), past, past);
  }
  return Object.keys(files).map((f) => join(shared, f));
}

/** The custodian's copies of `owner`'s files (peer/custody/custody-store.ts: .p2p/custody/<owner id>/files/). */
function custodyCopy(custodian: PeerProcess, ownerId: string, file: string): string {
  return join(custodian.dir, '.p2p', 'custody', ownerId, 'files', file);
}

/** Baseline of part 1: one keyed download of `bytes` between two peers. */
async function keyedDownload(bytes: number): Promise<{ ms: number; ok: boolean }> {
  const mesh = new Mesh();
  try {
    const [source] = seedRandom(mesh, 'holder', { 'big.bin': bytes });
    await mesh.startServer();
    const holder = await mesh.startPeer('holder');
    await holder.waitHashed(600_000);
    const requester = await mesh.startPeer('requester');
    settle();
    const done = await requester.ask('big.bin', ends, 900_000);
    if (done.event !== 'download-complete') throw new Error(`keyed download failed: ${JSON.stringify(done)}`);
    return { ms: done.ms, ok: sha256File(join(requester.dir, done.path)) === sha256File(source!) };
  } finally {
    await mesh.close();
  }
}

interface HandoffRun {
  /** Stop → handoff-complete, and handoff-started → handoff-complete (undefined: none came). */
  ms?: number;
  sinceStarted?: number;
  /** Stop → the custodian's custody-received naming all four parts (its copies verified whole). */
  receivedMs?: number;
  /** Reasons of the owner's handoff-failed events, in order. */
  failures: string[];
  ok: boolean;
}

/**
 * Part 1: an owner with `bytes` of unique files in four parts stops; one custodian takes them. The owner tries up to
 * three plans before it leaves (peer/custody/handoff.ts): every outcome is recorded, none is thrown.
 */
async function handoff(bytes: number): Promise<HandoffRun> {
  const mesh = new Mesh();
  try {
    const parts: Record<string, number> = {};
    for (let i = 1; i <= 4; i++) parts[`part-${i}.bin`] = Math.floor(bytes / 4);
    const sources = seedRandom(mesh, 'owner', parts);
    await mesh.startServer();
    const owner = await mesh.startPeer('owner');
    await owner.waitHashed(600_000);
    const custodian = await mesh.startPeer('custodian');
    await sleep(1500); // indexes and room reported (heartbeats), as in peer/test/custody.e2e.test.ts
    settle();
    const t0 = Date.now();
    owner.send('Stop');
    const started = (await owner.waitFor('handoff-started', 30_000)) as Of<'handoff-started'>;
    if (started.files.length !== 4) throw new Error(`handed off ${started.files.join(', ')}, not the 4 parts`);
    await owner.waitExit(900_000);
    const all = (e: PeerEvent) => e.event === 'custody-received' && e.files.length === 4;
    const received = await custodian.waitFor(all, 10_000).catch(() => undefined);
    const done = owner.events.find((e) => e.event === 'handoff-complete');
    const failures = owner.events.flatMap((e) => (e.event === 'handoff-failed' ? [e.reason] : []));
    const id = readyOf(owner).id;
    const copy = (i: number) => custodyCopy(custodian, id, `part-${i + 1}.bin`);
    const ok = received !== undefined && sources.every((s, i) => sha256File(s) === sha256File(copy(i)));
    return {
      ...(done ? { ms: done.t - t0, sinceStarted: done.t - started.t } : {}),
      ...(received ? { receivedMs: received.t - t0 } : {}),
      failures,
      ok,
    };
  } finally {
    await mesh.close();
  }
}

/** Part 2: `count` files of 64 KiB handed off, deleted at the owner, and returned when it starts again. */
async function giveBack(
  count: number,
  awayMs: number,
): Promise<{ ms: number; bytes: number; handoffMs: number; ok: boolean }> {
  const mesh = new Mesh();
  try {
    const files: Record<string, Buffer> = {};
    for (let i = 0; i < count; i++) files[`doc-${String(i).padStart(3, '0')}.bin`] = randomBytes(64 * 1024);
    const bytes = count * 64 * 1024;
    const shared = mesh.seed('owner', files);
    await mesh.startServer();
    const owner = await mesh.startPeer('owner');
    await owner.waitHashed(60_000);
    const custodian = await mesh.startPeer('custodian');
    await sleep(1500);
    const t0 = Date.now();
    owner.send('Stop');
    const done = await owner.waitFor(handoffEnds, 120_000);
    if (done.event !== 'handoff-complete' || done.files.length !== count)
      throw new Error(`handoff of ${count} files failed: ${JSON.stringify(done).slice(0, 300)}`);
    await owner.waitExit(30_000);
    await custodian.waitFor('custody-received', 10_000);
    for (const f of Object.keys(files)) rmSync(join(shared, f));
    await sleep(awayMs);
    settle();
    const back = await mesh.startPeer('owner');
    const ready = readyOf(back);
    let returned = 0;
    let last = ready.t;
    for (let from = 0; returned < count;) {
      const e = (await back.waitFor('files-returned', 120_000, from)) as Of<'files-returned'>;
      from = back.events.indexOf(e) + 1;
      returned += e.files.length;
      last = e.t;
    }
    await custodian.waitFor('custody-returned', 30_000);
    const ok = Object.entries(files).every(([f, data]) => sha256File(join(shared, f)) === sha256(data));
    return { ms: last - ready.t, bytes, handoffMs: done.t - t0, ok };
  } finally {
    await mesh.close();
  }
}

/** Part 3: `peers` peers with 100 files of 4 KiB each; a backup peer joins and catches up. */
async function backup(
  peers: number,
): Promise<{ ms: number; files: number; sampledMb: number; hwmMb: number; listed: number }> {
  const mesh = new Mesh();
  const perPeer = 100;
  const total = peers * perPeer;
  let sampler: NodeJS.Timeout | undefined;
  try {
    for (let p = 1; p <= peers; p++) {
      const files: Record<string, Buffer> = {};
      for (let i = 0; i < perPeer; i++) files[`p${p}-${String(i).padStart(3, '0')}.bin`] = randomBytes(4096);
      mesh.seed(`p${p}`, files);
    }
    await mesh.startServer(['--max-peers', String(peers + 2)]);
    for (let p = 1; p <= peers; p++) await (await mesh.startPeer(`p${p}`)).waitHashed(60_000);
    // The whole index at the metadata server before the backup peer joins.
    let listed = 0;
    for (const until = Date.now() + 30_000; listed < total && Date.now() < until; await sleep(250)) {
      const list = (await mesh.peer('p1').ask('list', 'list')) as Of<'list'>;
      listed = list.files.length;
    }
    const bk = await mesh.startPeer('bk', ['--backup'], false);
    const pid = bk.child.pid!;
    let sampledMb = 0;
    sampler = setInterval(() => {
      try {
        const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        sampledMb = Math.max(sampledMb, kb / 1024);
      } catch {
        // exited
      }
    }, 100);
    const ready = (await bk.waitFor('ready', 15_000)) as Of<'ready'>;
    const synced = (await bk.waitFor(
      (e) => e.event === 'backup-synced' && e.files >= total && e.missing === 0,
      480_000,
    )) as Of<'backup-synced'>;
    const hwmMb = peakRssMb(pid);
    return { ms: synced.t - ready.t, files: synced.files, sampledMb, hwmMb, listed };
  } finally {
    clearInterval(sampler);
    await mesh.close();
  }
}

/**
 * Part 4: what a backup peer catching up costs a user's download from the same holder. One run: a holder with a file
 * of `bytes` for the user and one twice that size; a first user downloads another file of `bytes` (warming the same
 * path), then a second user downloads the user's file, with or without a backup peer fetching the big file from the
 * same holder at that moment. Returns the second download's ms (NaN when it failed).
 */
async function share(bytes: number, withBackup: boolean): Promise<number> {
  const mesh = new Mesh();
  try {
    seedRandom(mesh, 'holder', { 'other.bin': 2 * bytes, 'user.bin': bytes, 'warm.bin': bytes });
    await mesh.startServer();
    const holder = await mesh.startPeer('holder');
    await holder.waitHashed(600_000);
    await (await mesh.startPeer('u1')).ask('warm.bin', ends, 900_000);
    const second = await mesh.startPeer('u2');
    settle();
    if (withBackup) {
      await mesh.startPeer('bk', ['--backup']);
      // The backup peer reads the index and starts on other.bin (first by name) from the holder.
      await holder.waitFor((e) => e.event === 'upload-started' && e.to === 'bk' && e.file === 'other.bin', 60_000);
    }
    const done = await second.ask('user.bin', ends, 900_000);
    return done.event === 'download-complete' ? done.ms : NaN;
  } finally {
    await mesh.close();
  }
}

const rows: string[][] = [];
const verdict = (ok: boolean) => (ok ? 'pass' : 'FAIL');
const mib = (bytes: number) => `${(bytes / MiB).toFixed(bytes < MiB ? 2 : 0)} MiB`;
let keyedMbps: number | undefined;
if (only.has('handoff')) {
  const base = await keyedDownload(handoffBytes);
  keyedMbps = mbps(handoffBytes, base.ms);
  const hand = await handoff(handoffBytes);
  rows.push([
    `keyed download, 1 file of ${mib(handoffBytes)} (baseline)`,
    `${keyedMbps.toFixed(0)} MB/s (${(base.ms / 1000).toFixed(2)} s)${base.ok ? '' : ' sha256 MISMATCH'}`,
    '-',
    '-',
  ]);
  const rated = (ms: number) => `${mbps(handoffBytes, ms).toFixed(0)} MB/s (${(ms / 1000).toFixed(2)} s)`;
  const ratio = (ms: number) => mbps(handoffBytes, ms) / keyedMbps!;
  const failed = hand.failures.length ? `; handoff-failed ×${hand.failures.length}: ${hand.failures.join(' / ')}` : '';
  rows.push([
    `handoff, 4 files, ${mib(handoffBytes)}: Stop → handoff-complete`,
    hand.ms === undefined
      ? `no handoff-complete${failed}`
      : `${rated(hand.ms)} = ${ratio(hand.ms).toFixed(2)}× keyed; ${(hand.sinceStarted! / 1000).toFixed(2)} s from ` +
        `handoff-started${failed}`,
    '≥ 0.60× keyed',
    verdict(hand.ms !== undefined && ratio(hand.ms) >= 0.6 && hand.ok),
  ]);
  rows.push([
    `  the custodian: Stop → custody-received (all 4 verified)`,
    hand.receivedMs === undefined
      ? 'never'
      : `${rated(hand.receivedMs)} = ${ratio(hand.receivedMs).toFixed(2)}× keyed${hand.ok ? ', sha256 ok' : ', sha256 MISMATCH'}`,
    '-',
    '-',
  ]);
}
if (only.has('return')) {
  // Twice: restarted at once, and after `--away-ms` (past the custodian's wait before it offers an owner its files
  // again, RETRY_AFTER_MS in peer/custody/custody-keeper.ts).
  for (const away of [0, awayMs]) {
    const back = await giveBack(returnFiles, away);
    const estimate = keyedMbps === undefined ? undefined : back.bytes / 1e6 / keyedMbps;
    const after = away === 0 ? 'restarted at once' : `restarted ${(away / 1000).toFixed(0)} s after`;
    rows.push([
      `return of ${returnFiles} files × 64 KiB (${mib(back.bytes)}), ${after}: ready → files-returned`,
      `${(back.ms / 1000).toFixed(2)} s; transfer at keyed rate ${estimate === undefined ? 'n/a' : `${estimate.toFixed(3)} s`}` +
        `; handoff took ${(back.handoffMs / 1000).toFixed(2)} s${back.ok ? ', sha256 ok' : ', sha256 MISMATCH'}`,
      `≤ 5 s + transfer (${(5 + (estimate ?? 0)).toFixed(2)} s)`,
      verdict(back.ms <= 5000 + (estimate ?? 0) * 1000 && back.ok),
    ]);
  }
}
if (only.has('backup')) {
  const b = await backup(meshPeers);
  rows.push([
    `backup peer joins ${meshPeers} peers × 100 files × 4 KiB: ready → backup-synced`,
    `${(b.ms / 1000).toFixed(2)} s, ${b.files} contents, missing 0 (index listed ${b.listed} before it joined)`,
    '≤ 60 s',
    verdict(b.ms <= 60_000),
  ]);
  rows.push([
    'backup peer RSS while catching up',
    `peak ${b.hwmMb.toFixed(0)} MB (VmHWM); highest sample ${b.sampledMb.toFixed(0)} MB (VmRSS every 100 ms)`,
    '< 200 MB',
    verdict(b.hwmMb < 200),
  ]);
}
if (only.has('share')) {
  // Alternated, three runs each, medians: the second download of a run is slower than the first whatever else runs.
  const bytes = Math.min(handoffBytes, 512 * MiB);
  const runs: Record<'alone' | 'backup', number[]> = { alone: [], backup: [] };
  for (let i = 0; i < 6; i++) runs[i % 2 ? 'backup' : 'alone'].push(await share(bytes, i % 2 === 1));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const alone = median(runs.alone);
  const shared = median(runs.backup);
  const slower = shared / alone - 1;
  rows.push([
    `a user's ${mib(bytes)} download, without / while a backup peer catches up from the same holder (median of 3)`,
    `${(alone / 1000).toFixed(2)} s / ${(shared / 1000).toFixed(2)} s: ${(slower * 100).toFixed(0)}% slower`,
    '≤ 10% slower',
    verdict(Number.isFinite(slower) && slower <= 0.1),
  ]);
}
console.log(`keyed mesh (TLS 1.3 PSK) on loopback; temporary folders under ${tmpdir()}`);
console.log(table(['measure', 'result', 'target', 'pass/fail'], rows));
