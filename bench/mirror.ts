/**
 * The mirror bench (docs/PROTOCOL.md "Mirror"): three figures, each against its target, a real `peer --mirror`
 * process on loopback, keyed (TLS 1.3 with the mesh key).
 *
 * 1. Many small files. `--files` files of `--size` bytes (10,000 of 4 KiB) mirror in at most 3x the time of
 *    `tar -c | a TCP socket | tar -x` of the same folder on the same disk in the same run. The owner is the real
 *    owner side of the mirror room without a file catalog (bench/mirror-owner.ts): timed from the mirror's first
 *    `mirror-since` to its `mirror-status` saying `in-sync` with every file; every copy is checked by SHA-256.
 * 2. Latency. A real owner peer and the mirror; `--changes` times (50) a new file is written into the owner's
 *    `shared/` and timed until the mirror's `mirror` event for it. Target: median within 2 s.
 * 3. Memory. `--rss-files` files of `--rss-size` bytes (100,000 of 1 KiB) mirrored on /dev/shm; the mirror's RSS
 *    is read from /proc every 200 ms (VmRSS) and at the end (VmHWM, the kernel's peak). Target: under 250 MB.
 *
 *   npm run bench:mirror
 *   node dist/bench/mirror.js --only small,latency --files 2000
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { randomFillSync } from 'node:crypto';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { Mesh, sha256, sha256File, type PeerProcess } from '../harness/mesh.js';
import { peakRssMb, table } from './bench-util.js';
import { ScriptedOwner } from './mirror-owner.js';

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '10000' },
    size: { type: 'string', default: '4096' },
    changes: { type: 'string', default: '50' },
    'rss-files': { type: 'string', default: '100000' },
    'rss-size': { type: 'string', default: '1024' },
    only: { type: 'string', default: 'small,latency,rss' },
  },
});
const only = new Set(values.only!.split(','));
const rows: (string | number)[][] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const inSync = (files: number) => (e: PeerEvent) =>
  e.event === 'mirror-status' && e.owners.some((o) => o.owner === 'own' && o.state === 'in-sync' && o.files === files);

/** `count` files of `size` random bytes in `dir`, dated a minute back. */
function makeFiles(dir: string, count: number, size: number): void {
  mkdirSync(dir, { recursive: true });
  const data = Buffer.alloc(size);
  const past = new Date(Date.now() - 60_000);
  for (let i = 0; i < count; i++) {
    randomFillSync(data);
    const path = join(dir, `f${String(i).padStart(6, '0')}.bin`);
    writeFileSync(path, data);
    utimesSync(path, past, past);
  }
}

/** `tar -c src | TCP on loopback | tar -x -C dst`; resolves with the milliseconds it took. */
async function tarPipe(src: string, dst: string): Promise<number> {
  mkdirSync(dst, { recursive: true });
  const started = performance.now();
  const done = new Promise<void>((resolve, reject) => {
    const server = createServer((socket) => {
      const untar = spawn('tar', ['-x', '-C', dst], { stdio: ['pipe', 'ignore', 'inherit'] });
      socket.pipe(untar.stdin);
      untar.on('exit', (code) => (server.close(), code === 0 ? resolve() : reject(new Error(`tar -x: ${code}`))));
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const tar = spawn('tar', ['-c', '-C', src, '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
      const socket = connect({ host: '127.0.0.1', port });
      tar.stdout.pipe(socket);
    });
  });
  await done;
  return performance.now() - started;
}

/** A mirror peer and a scripted owner of `src`; resolves with the ms from the first ask to in-sync, and the mirror. */
async function mirrorOnce(
  mesh: Mesh,
  src: string,
  count: number,
): Promise<{ ms: number; mir: PeerProcess; startMs: number }> {
  const started = performance.now();
  const mir = await mesh.startPeer('mir', ['--mirror']);
  const owner = new ScriptedOwner('own', src, join(mesh.root, 'own-manifest.json'), mesh.mode);
  owner.publish();
  let syncedAt = 0;
  const synced = mir.waitFor(inSync(count), 600_000).then(() => (syncedAt = performance.now()));
  await owner.start(mir.port);
  await synced;
  owner.stop();
  return { ms: syncedAt - owner.askedAt, mir, startMs: syncedAt - started };
}

function checkCopies(src: string, dst: string, count: number): void {
  const names = readdirSync(src);
  if (names.length !== count || readdirSync(dst).length !== count) throw new Error('the mirror holds another count');
  for (const name of names)
    if (sha256(readFileSync(join(src, name))) !== sha256File(join(dst, name))) throw new Error(`${name} differs`);
}

async function small(): Promise<void> {
  const count = Number(values.files);
  const size = Number(values.size);
  const mesh = new Mesh();
  try {
    const src = join(mesh.root, 'src');
    makeFiles(src, count, size);
    const tarMs = await tarPipe(src, join(mesh.root, 'untarred'));
    await mesh.startServer();
    const { ms, startMs, mir } = await mirrorOnce(mesh, src, count);
    checkCopies(src, join(mesh.dirOf('mir'), 'Mirror', 'own'), count);
    const ratio = ms / tarMs;
    rows.push([`${count} files of ${size} B: tar | socket | untar`, `${tarMs.toFixed(0)} ms`, '', '']);
    rows.push([
      `${count} files of ${size} B: mirror (first ask → in-sync)`,
      `${ms.toFixed(0)} ms (${startMs.toFixed(0)} ms from process start)`,
      `≤ 3.0× tar: ${ratio.toFixed(2)}×`,
      ratio <= 3 ? 'met' : 'MISSED',
    ]);
    mir.kill('SIGTERM');
  } finally {
    await mesh.close();
  }
}

async function latency(): Promise<void> {
  const changes = Number(values.changes);
  const mesh = new Mesh();
  try {
    mesh.seed('own', { 'first.txt': 'first\n' });
    await mesh.startServer();
    const own = await mesh.startPeer('own');
    await own.waitHashed();
    const mir = await mesh.startPeer('mir', ['--mirror']);
    await mir.waitFor(inSync(1), 20_000);
    const shared = join(mesh.dirOf('own'), 'shared');
    // Changes at varied points of the owner's refresh cycle.
    const took = await timeChanges(
      mir,
      changes,
      shared,
      () => undefined,
      () => 50 + Math.random() * 200,
    );
    rows.push(latencyRow(`a change seen on the mirror (${changes} new files, real owner)`, took));
  } finally {
    await mesh.close();
  }
  // The same with the scripted owner, which publishes at once: what the mirror protocol itself adds.
  const bare = new Mesh();
  try {
    const src = join(bare.root, 'src');
    makeFiles(src, 1, 100);
    await bare.startServer();
    const mir = await bare.startPeer('mir', ['--mirror']);
    const owner = new ScriptedOwner('own', src, join(bare.root, 'own-manifest.json'), bare.mode);
    owner.publish();
    await owner.start(mir.port);
    await mir.waitFor(inSync(1), 20_000);
    const took = await timeChanges(
      mir,
      changes,
      src,
      () => owner.changed(),
      () => 20,
    );
    owner.stop();
    rows.push(latencyRow(`the same, owner publishing at once (mirror protocol only)`, took));
  } finally {
    await bare.close();
  }
}

/** Writes `count` new files into `dir` (then `after()`), each timed until the mirror's `mirror` event for it. */
async function timeChanges(
  mir: PeerProcess,
  count: number,
  dir: string,
  after: () => void,
  pause: () => number,
): Promise<number[]> {
  const took: number[] = [];
  for (let i = 0; i < count; i++) {
    const name = `change-${i}.txt`;
    const from = mir.events.length;
    const t0 = performance.now();
    writeFileSync(join(dir, name), `change ${i}\n`);
    after();
    await mir.waitFor((e) => e.event === 'mirror' && e.path === name, 20_000, from);
    took.push(performance.now() - t0);
    await sleep(pause());
  }
  return took;
}

function latencyRow(what: string, took: number[]): (string | number)[] {
  took.sort((a, b) => a - b);
  const at = (q: number) => took[Math.min(took.length - 1, Math.floor(q * took.length))]!;
  return [
    what,
    `median ${at(0.5).toFixed(0)} ms, p90 ${at(0.9).toFixed(0)} ms (min ${took[0]!.toFixed(0)}, max ${took.at(-1)!.toFixed(0)})`,
    'median ≤ 2000 ms',
    at(0.5) <= 2000 ? 'met' : 'MISSED',
  ];
}

async function rss(): Promise<void> {
  const count = Number(values['rss-files']);
  const size = Number(values['rss-size']);
  const before = process.env.TMPDIR;
  process.env.TMPDIR = '/dev/shm';
  const mesh = new Mesh();
  if (before === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = before;
  try {
    const src = join(mesh.root, 'src');
    makeFiles(src, count, size);
    await mesh.startServer();
    let peak = 0;
    const poll = setInterval(() => {
      const pid = mesh.peers.get('mir')?.child.pid;
      if (!pid) return;
      try {
        const kb = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
        peak = Math.max(peak, kb / 1024);
      } catch {
        // gone
      }
    }, 200);
    const { ms, mir } = await mirrorOnce(mesh, src, count);
    clearInterval(poll);
    const hwm = peakRssMb(mir.child.pid!);
    checkCopies(src, join(mesh.dirOf('mir'), 'Mirror', 'own'), count);
    rows.push([
      `RSS of a mirror of ${count} files of ${size} B (/dev/shm)`,
      `peak ${hwm.toFixed(0)} MB (VmHWM; sampled ${peak.toFixed(0)} MB), synced in ${(ms / 1000).toFixed(1)} s`,
      '< 250 MB',
      hwm < 250 ? 'met' : 'MISSED',
    ]);
    mir.kill('SIGTERM');
  } finally {
    await mesh.close();
    rmSync(mesh.root, { recursive: true, force: true });
  }
}

if (only.has('small')) await small();
if (only.has('latency')) await latency();
if (only.has('rss')) await rss();
console.log(table(['measure', 'result', 'target', ''], rows));
