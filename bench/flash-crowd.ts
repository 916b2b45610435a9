/**
 * bench/flash-crowd: a holder and N downloaders, each on its own network-namespace host with its link shaped to
 * 100 Mbit/s both ways (harness/lan-hosts.ts `shape`, tc tbf), the metadata server in the root namespace on the
 * bridge. Measures one download alone (a separate peer, stopped afterwards so it holds nothing for the crowd), then
 * N downloads started within a few ms of each other, and prints: alone, crowd (last finisher, median), their ratio,
 * how many bytes came from other downloaders, the BitTorrent-style lower bound max(F/u_s, F/d_min, N·F/(u_s+Σu_i))
 * and the crowd's ratio to it, the load (`uptime`) and the CPU the peers used (docs/PROTOCOL.md "Swarming"). Folders
 * go to /dev/shm by default (tmpfs). Traffic stays inside the namespaces and the bridge made here. Needs root.
 *
 *   node dist/bench/flash-crowd.js [--mib 200] [--peers 10] [--mbit 100] [--tmp /dev/shm]
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { PeerEvent } from '../peer/control/peer-events.js';
import { LanHosts } from '../harness/lan-hosts.js';
import { Mesh, sha256File, type PeerProcess } from '../harness/mesh.js';
import { table, writeRandomFile } from './bench-util.js';

const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '200' },
    peers: { type: 'string', default: '10' },
    mbit: { type: 'string', default: '100' },
    tmp: { type: 'string', default: '/dev/shm' },
    events: { type: 'string' }, // a file to write every crowd peer's events to (JSON lines), to study a run
  },
});
const size = Number(values.mib) * 1024 * 1024;
const n = Number(values.peers);
const mbit = Number(values.mbit);
if (values.tmp) process.env.TMPDIR = values.tmp; // the Mesh's folders (harness/mesh.ts uses os.tmpdir())

if (!LanHosts.available()) {
  console.error('bench/flash-crowd needs root and iproute2 (network namespaces)');
  process.exit(2);
}

type Complete = Extract<PeerEvent, { event: 'download-complete' }>;
const load = () =>
  execFileSync('uptime', { encoding: 'utf8' })
    .trim()
    .replace(/^.*load/, 'load');
/** The whole machine's CPU time so far, busy and idle (iowait counts as idle), in clock ticks, from /proc/stat. */
const machine = () => {
  const [, ...ticks] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const t = ticks.map(Number);
  const idle = t[3]! + t[4]!;
  return { busy: t.reduce((a, b) => a + b, 0) - idle, idle };
};
/** Seconds a process's threads have waited for a CPU while runnable, from /proc (schedstat: run-queue delay). */
const waited = (p: PeerProcess) => {
  let ns = 0;
  for (const task of readdirSync(`/proc/${p.child.pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${p.child.pid}/task/${task}/schedstat`, 'utf8').split(' ')[1]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e9;
};
/** CPU seconds (user + system) a process has used so far, from /proc. */
const cpu = (p: PeerProcess) => {
  const fields = readFileSync(`/proc/${p.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 a second)
};

const lan = new LanHosts();
const mesh = new Mesh();
try {
  // Host 0: the holder; 1..n: the crowd; n + 1: the lone downloader.
  const hosts = lan.up(n + 2);
  for (let i = 0; i < hosts.length; i++) lan.shape(i, { upMbit: mbit, downMbit: mbit });
  await mesh.startServer(['--host', lan.gateway, '--max-peers', String(n + 4)]);
  const file = join(mesh.seed('holder', {}), 'payload.bin');
  writeRandomFile(file, size);
  const want = sha256File(file);
  const holder = await mesh.startPeer('holder', ['--host', hosts[0]!], true, lan.exec(0));
  await holder.waitHashed(120_000);
  const finished = (p: PeerProcess) =>
    p.waitFor((e) => e.event === 'download-complete' || e.event === 'download-failed', 900_000);
  const check = (p: PeerProcess, e: PeerEvent) => {
    if (e.event !== 'download-complete') throw new Error(`${p.name}: ${JSON.stringify(e).slice(0, 300)}`);
    return sha256File(join(p.dir, e.path)) === want;
  };

  // One download alone.
  const solo = await mesh.startPeer('solo', ['--host', hosts[n + 1]!], true, lan.exec(n + 1));
  const loadAlone = load();
  const soloCpu = [holder, solo].map(cpu);
  const soloMachine = machine();
  const t0 = Date.now();
  solo.send('payload.bin');
  const soloDone = await finished(solo);
  const aloneOk = check(solo, soloDone);
  const alone = (soloDone.t - t0) / 1000;
  const aloneCpu = [holder, solo].map(cpu).reduce((a, b, i) => a + b - soloCpu[i]!, 0);
  const soloMachineAfter = machine();
  const soloBusy = soloMachineAfter.busy - soloMachine.busy;
  const aloneBusy = soloBusy / (soloBusy + soloMachineAfter.idle - soloMachine.idle);
  solo.send('Stop'); // it would be a second full holder for the crowd
  await solo.waitExit(20_000);

  // The crowd: every downloader up first, then all asked within a few ms.
  const crowd: PeerProcess[] = [];
  const verbose = values.events ? ['--verbose'] : [];
  for (let i = 1; i <= n; i++)
    crowd.push(await mesh.startPeer(`d${i}`, ['--host', hosts[i]!, ...verbose], true, lan.exec(i)));
  await new Promise((r) => setTimeout(r, 1500)); // the solo peer is off the server's lists
  const cpuBefore = [holder, ...crowd].map(cpu);
  const waitBefore = [holder, ...crowd].map(waited);
  const machineBefore = machine();
  const loadCrowdBefore = load();
  const c0 = Date.now();
  const waits = crowd.map(finished);
  for (const d of crowd) d.send('payload.bin');
  const sent = Date.now() - c0;
  const done = await Promise.all(waits);
  const wall = (Date.now() - c0) / 1000;
  const cpuUsed = [holder, ...crowd].map(cpu).reduce((a, b, i) => a + b - cpuBefore[i]!, 0);
  const waitedFor = [holder, ...crowd].map(waited).reduce((a, b, i) => a + b - waitBefore[i]!, 0);
  const machineAfter = machine();
  const busy = machineAfter.busy - machineBefore.busy;
  const machineBusy = busy / (busy + machineAfter.idle - machineBefore.idle);
  const loadCrowdAfter = load();
  const ok = done.every((e, i) => check(crowd[i]!, e));
  const times = done.map((e) => (e.t - c0) / 1000).sort((a, b) => a - b);
  const last = times[times.length - 1]!;
  const median = times[Math.floor(times.length / 2)]!;
  const fromPeers = done.reduce(
    (sum, e) => sum + (e as Complete).sources.filter((s) => s.name !== 'holder').reduce((a, s) => a + s.bytes, 0),
    0,
  );
  const rate = (mbit * 1e6) / 8; // bytes a second, every link alike
  const bound = Math.max(size / rate, size / rate, (n * size) / (rate + n * rate));
  console.log(
    `${values.mib} MiB, ${n} downloaders and 1 holder, each on its own host with ${mbit} Mbit/s up and down (tc tbf)`,
  );
  console.log(`crowd asked within ${sent} ms; load alone: ${loadAlone}; crowd: ${loadCrowdBefore} → ${loadCrowdAfter}`);
  console.log(
    table(
      ['run', 'seconds', 'ratio to alone', 'ratio to bound', 'check'],
      [
        [
          'alone (1 downloader)',
          alone.toFixed(2),
          '1.00',
          (alone / bound).toFixed(2),
          aloneOk ? 'sha256 ok' : 'MISMATCH',
        ],
        [
          `crowd of ${n}: last`,
          last.toFixed(2),
          (last / alone).toFixed(2),
          (last / bound).toFixed(2),
          ok ? 'sha256 ok' : 'MISMATCH',
        ],
        [`crowd of ${n}: median`, median.toFixed(2), (median / alone).toFixed(2), (median / bound).toFixed(2), ''],
        ['lower bound', bound.toFixed(2), (bound / alone).toFixed(2), '1.00', 'max(F/u_s, F/d_min, N·F/(u_s+Σu_i))'],
        ['holder only', ((n * size) / rate).toFixed(2), ((n * size) / rate / alone).toFixed(2), '', 'N·F/u_s'],
      ],
    ),
  );
  if (values.events) {
    const lines = [holder, ...crowd].flatMap((p) => p.events.map((e) => JSON.stringify({ peer: p.name, ...e })));
    writeFileSync(values.events, lines.join('\n') + '\n');
  }
  const share = (fromPeers / (n * size)) * 100;
  console.log(
    `alone: the holder and the downloader used ${aloneCpu.toFixed(1)} CPU s in ${alone.toFixed(1)} s; the machine's CPUs were ${(aloneBusy * 100).toFixed(0)}% busy`,
  );
  console.log(
    `${share.toFixed(0)}% of the crowd's bytes came from other downloaders; the ${n + 1} peers used ${cpuUsed.toFixed(1)} CPU s in ${wall.toFixed(1)} s (${(cpuUsed / wall).toFixed(2)} cores of ${cpus().length}), and their threads waited ${waitedFor.toFixed(1)} s in all for a CPU while runnable; the machine's CPUs were ${(machineBusy * 100).toFixed(0)}% busy (every process, and the kernel's network work)`,
  );
} finally {
  await mesh.close();
  lan.down();
}
