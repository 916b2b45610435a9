/**
 * bench/scale: a metadata server with `--max-peers 100` and N peers started all at once (racing joins), each peer on
 * its own host (a network namespace on a private bridge, harness/lan-hosts.ts; the server in the root namespace on
 * the bridge's address), or all on loopback with `--loopback`. For each N it reports: when the last peer was ready,
 * when a TOPO from the first peer listed all N as one connected mesh, how long that TOPO took, the memory of the
 * server and of the peers, the neighbour counts, and what one search for a missing file costs (`query-seen` events
 * across all peers: one per query message delivered). `--before DIR` runs the same with another build's dist/ (an
 * older commit, built into DIR/dist) first, for a before/after table. Needs root and iproute2 unless --loopback.
 *
 *   node dist/bench/scale.js [--counts 10,25,50,100] [--loopback] [--before /tmp/old]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createMeshKey } from '../common/mesh-key.js';
import type { PeerInfo } from '../common/wire/shapes.js';
import { LanHosts } from '../harness/lan-hosts.js';
import { randomPortRange } from '../harness/mesh.js';
import { table } from './bench-util.js';

const { values } = parseArgs({
  options: {
    counts: { type: 'string', default: '10,25,50,100' },
    loopback: { type: 'boolean', default: false },
    before: { type: 'string' },
  },
});
const counts = values.counts!.split(',').map(Number);
const namespaces = !values.loopback;
if (namespaces && !LanHosts.available()) {
  console.error('bench/scale needs root and iproute2 (network namespaces); --loopback runs every peer on 127.0.0.1');
  process.exit(2);
}
const OURS = fileURLToPath(new URL('../', import.meta.url));
const MAX_PEERS = 100;

type Event = Record<string, unknown> & { event: string };

/** A process whose stdout lines are kept (parsed as JSON when they are). */
class Proc {
  readonly lines: string[] = [];
  readonly events: Event[] = [];
  private waiters: { pred: (e: Event) => boolean; resolve: (e: Event) => void }[] = [];

  constructor(readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line);
      let e: Event;
      try {
        e = JSON.parse(line) as Event;
      } catch {
        return;
      }
      this.events.push(e);
      this.waiters = this.waiters.filter((w) => (w.pred(e) ? (w.resolve(e), false) : true));
    });
    child.stderr!.resume();
  }

  wait(pred: (e: Event) => boolean, ms: number, from = 0): Promise<Event | undefined> {
    const past = this.events.slice(from).find(pred);
    if (past) return Promise.resolve(past);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(undefined), ms);
      this.waiters.push({ pred, resolve: (e) => (clearTimeout(timer), resolve(e)) });
    });
  }

  async ask(line: string, pred: (e: Event) => boolean, ms: number): Promise<Event | undefined> {
    const from = this.events.length;
    this.child.stdin!.write(line + '\n');
    return this.wait(pred, ms, from);
  }

  /** CPU seconds used so far (user + system, /proc/PID/stat). */
  cpuS(): number {
    try {
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (USER_HZ 100)
    } catch {
      return NaN;
    }
  }

  rssMb(): number {
    try {
      const status = readFileSync(`/proc/${this.child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? NaN) / 1024;
    } catch {
      return NaN;
    }
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Hops from `from` to every peer reachable over the neighbour lists of `peers`. */
function hopsFrom(peers: PeerInfo[], from: string): Map<string, number> {
  const byName = new Map(peers.map((p) => [p.name, p]));
  const hops = new Map([[from, 0]]);
  const queue = [from];
  for (let i = 0; i < queue.length; i++)
    for (const n of byName.get(queue[i]!)?.neighbours ?? [])
      if (!hops.has(n) && byName.has(n)) (hops.set(n, hops.get(queue[i]!)! + 1), queue.push(n));
  return hops;
}

/** Whether the neighbour lists of `peers` connect all of them. */
const connected = (peers: PeerInfo[]) => hopsFrom(peers, peers[0]!.name).size === peers.length;

/** The longest shortest path in hops (Infinity when split). */
function diameter(peers: PeerInfo[]): number {
  let worst = 0;
  for (const p of peers) {
    const hops = hopsFrom(peers, p.name);
    if (hops.size < peers.length) return Number.POSITIVE_INFINITY;
    worst = Math.max(worst, ...hops.values());
  }
  return worst;
}

async function run(dist: string, count: number) {
  const root = mkdtempSync(join(tmpdir(), 'p2p-scale-'));
  const keyFile = join(root, 'mesh.key');
  createMeshKey(keyFile);
  const lan = namespaces ? new LanHosts() : undefined;
  const procs: Proc[] = [];
  let server: Proc | undefined;
  try {
    const hosts = lan ? lan.up(count) : Array.from({ length: count }, () => '127.0.0.1');
    const serverHost = lan ? lan.gateway : '127.0.0.1';
    const serverArgs = [join(dist, 'metadata-server', 'main.js'), '--host', serverHost, '--port', '0'];
    serverArgs.push('--max-peers', String(MAX_PEERS), '--peer-ports', randomPortRange(), '--no-announce');
    serverArgs.push('--state', join(root, 'server'), '--key-file', keyFile);
    server = new Proc(spawn(process.execPath, serverArgs, { stdio: ['ignore', 'pipe', 'pipe'] }));
    const t = Date.now();
    while (!server.lines.some((l) => l.startsWith('metadata server listening on')) && Date.now() - t < 10_000)
      await sleep(20);
    const listening = server.lines.find((l) => l.startsWith('metadata server listening on'));
    if (!listening) throw new Error(`the server did not start: ${server.lines.join('\n')}`);
    const address = /listening on (\S+) /.exec(listening)![1]!;

    const started = Date.now();
    for (let i = 0; i < count; i++) {
      const argv = [process.execPath, join(dist, 'peer', 'main.js'), `p${i}`, '--server', address];
      argv.push('--host', hosts[i]!, '--dir', join(root, `p${i}`), '--headless', '--key-file', keyFile);
      argv.push('--query-timeout', '2000');
      const all = [...(lan ? lan.exec(i) : []), ...argv];
      procs.push(new Proc(spawn(all[0]!, all.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] })));
    }
    const ready = await Promise.all(procs.map((p) => p.wait((e) => e.event === 'ready', 180_000)));
    const notReady = ready.filter((e) => !e).length;
    const readyS = (Date.now() - started) / 1000;
    const cpuAtReady = procs.map((p) => p.cpuS());

    // TOPO from p0 until it lists every peer as one connected mesh.
    let wholeS = NaN;
    let topoMs = NaN;
    let peers: PeerInfo[] = [];
    for (const until = Date.now() + 90_000; Date.now() < until; await sleep(250)) {
      const asked = Date.now();
      const topo = await procs[0]!.ask('TOPO', (e) => e.event === 'topology', 10_000);
      if (!topo) continue;
      topoMs = Date.now() - asked;
      peers = topo.peers as PeerInfo[];
      if (peers.length === count && connected(peers)) {
        wholeS = (Date.now() - started) / 1000;
        break;
      }
    }
    // Let repair and late links settle, then look again: the degrees are those of the settled mesh.
    await sleep(3000);
    const asked = Date.now();
    const topo = await procs[0]!.ask('TOPO', (e) => e.event === 'topology', 10_000);
    const settledTopoMs = Date.now() - asked;
    if (topo) peers = topo.peers as PeerInfo[];
    const degrees = peers.map((p) => p.neighbours.length).sort((a, b) => a - b);

    // One search for a file nobody holds: every query message delivered is one query-seen somewhere.
    const marks = procs.map((p) => p.events.length);
    const sent = await procs[0]!.ask('no-such-file-anywhere.bin', (e) => e.event === 'query-sent', 5000);
    await procs[0]!.wait((e) => e.event === 'not-found', 10_000, marks[0]);
    await sleep(500);
    const qid = sent?.query;
    let messages = 0;
    let reached = 0;
    procs.forEach((p, i) => {
      const seen = p.events.slice(marks[i]).filter((e) => e.event === 'query-seen' && e.query === qid);
      messages += seen.length;
      if (seen.length > 0 && i > 0) reached++;
    });
    const peerRss = procs.map((p) => p.rssMb());
    const serverSaid = (re: RegExp) => server!.lines.filter((l) => re.test(l)).length;
    const peersLogged = (re: RegExp) =>
      procs.reduce((n, p) => n + p.events.filter((e) => e.event === 'log' && re.test(String(e.message))).length, 0);
    const churn = {
      gone: serverSaid(/ is gone: /),
      refused: serverSaid(/^refused /),
      advised: serverSaid(/^mesh is split: advised /),
      noReferral: serverSaid(/referred to nobody/),
      couldNotLink: peersLogged(/^could not link/),
      declined: peersLogged(/declined/),
      why: [
        ...new Set(
          procs.flatMap((p) =>
            p.events
              .filter((e) => e.event === 'log' && /^could not link/.test(String(e.message)))
              .map((e) =>
                String(e.message)
                  .replace(/^could not link to \S+: /, '')
                  .replace(/\d+/g, 'N'),
              ),
          ),
        ),
      ].slice(0, 5),
    };
    return {
      count,
      readyS: notReady ? `${readyS.toFixed(1)} (${notReady} never)` : readyS.toFixed(1),
      wholeS: Number.isNaN(wholeS) ? `not within 90 s (TOPO: ${peers.length})` : wholeS.toFixed(1),
      topoMs: `${topoMs} / ${settledTopoMs}`,
      serverMb: server.rssMb().toFixed(0),
      peerMb: `${median(peerRss).toFixed(0)} / ${Math.max(...peerRss).toFixed(0)}`,
      degrees: degrees.length ? `${degrees[0]} / ${median(degrees)} / ${degrees.at(-1)}` : '-',
      flood: `${messages} (reached ${reached + 1}/${count})`,
      diameter: peers.length ? diameter(peers) : NaN,
      peerCpuAtReadyS: `${median(cpuAtReady).toFixed(2)} / ${Math.max(...cpuAtReady).toFixed(2)}`,
      churn,
      load: loadavg()[0]!.toFixed(2),
    };
  } finally {
    for (const p of [...procs, ...(server ? [server] : [])]) p.child.kill('SIGKILL');
    await sleep(300);
    lan?.down();
    rmSync(root, { recursive: true, force: true });
  }
}

const variants: [string, string][] = [];
if (values.before) variants.push(['before', join(values.before, 'dist')]);
variants.push(['after', OURS]);
const rows: (string | number)[][] = [];
for (const count of counts) {
  for (const [label, dist] of variants) {
    const r = await run(dist, count);
    console.error(`${label} N=${count}: ${JSON.stringify(r)}`);
    rows.push([
      label,
      r.count,
      r.readyS,
      r.wholeS,
      r.topoMs,
      r.serverMb,
      r.peerMb,
      r.degrees,
      r.diameter,
      r.flood,
      r.load,
    ]);
  }
}
console.log(
  `${namespaces ? 'each peer in its own network namespace' : 'all on loopback'}, --max-peers ${MAX_PEERS}, ` +
    `all peers started at once`,
);
console.log(
  table(
    [
      'code',
      'N',
      'all ready (s)',
      'mesh whole (s)',
      'TOPO ms (first whole / settled)',
      'server RSS MB',
      'peer RSS MB (median / max)',
      'degree min / median / max',
      'diameter (hops)',
      'query messages per search',
      'load (1 min)',
    ],
    rows,
  ),
);
