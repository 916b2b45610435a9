/**
 * The live fuzzer's side checks (bench/live-fuzz.ts): a legitimate peer that joins, searches and downloads a known
 * file (SHA-256 checked) while the traffic goes on, slowloris trickles, bursts of connections, and the processes'
 * RSS and open files.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import type { Mesh } from '../harness/mesh.js';
import { sha256File } from '../harness/mesh.js';
import { serverMessages } from '../common/wire/server-messages.js';
import { connectTo, opener, Session, type Access, type Target } from './live-fuzz-probe.js';

export interface ControlResult {
  phase: string;
  joinMs?: number;
  downloadMs?: number;
  result: string;
}

let controls = 0;
/** Control peers are named `control-peer-N`: a name a stranger must never see (bench/live-fuzz-stranger.ts). */
export const CONTROL_PREFIX = 'control-peer-';

/** Starts a fresh peer, waits until it has joined, asks it for `file` and checks what it saved; then it stops. */
export async function controlCheck(mesh: Mesh, phase: string, file: string, want: string): Promise<ControlResult> {
  controls += 1;
  const started = Date.now();
  let peer;
  try {
    peer = await mesh.startPeer(`${CONTROL_PREFIX}${controls}`);
  } catch (err) {
    return { phase, result: `did not join: ${String(err).slice(0, 80)}` };
  }
  const joinMs = Date.now() - started;
  try {
    const asked = Date.now();
    const e = await peer.ask(
      file,
      (x) => x.event === 'download-complete' || x.event === 'download-failed' || x.event === 'not-found',
      30_000,
    );
    const downloadMs = Date.now() - asked;
    if (e.event !== 'download-complete') return { phase, joinMs, downloadMs, result: e.event };
    const ok = sha256File(isAbsolute(e.path) ? e.path : join(peer.dir, e.path)) === want;
    return { phase, joinMs, downloadMs, result: ok ? 'ok' : 'SHA-256 mismatch' };
  } catch (err) {
    return { phase, joinMs, result: `no answer: ${String(err).slice(0, 80)}` };
  } finally {
    peer.send('stop');
    await peer.waitExit(5000).catch(() => peer.kill());
  }
}

/** Sends `bytes` one byte a second on one connection; says how long the target kept it open (up to `capMs`). */
export async function slowloris(target: Target, access: Access, bytes: Buffer, capMs: number): Promise<string> {
  let s: Session;
  try {
    s = new Session(await connectTo(target, access), target.protocol);
  } catch {
    return 'connect failed';
  }
  const started = Date.now();
  for (let i = 0; i < bytes.length && !s.closed && Date.now() - started < capMs; i++) {
    s.send(bytes.subarray(i, i + 1));
    await s.until(() => false, 1000);
  }
  const open = !s.closed;
  s.close();
  const held = ((open ? Date.now() : s.closedAt) - started) / 1000;
  return open ? `still open at ${held.toFixed(0)} s` : `closed after ${held.toFixed(1)} s`;
}

/** Opens `n` connections at once and holds them `holdMs`; counts how many connected and how many the target closed. */
export async function burst(
  target: Target,
  access: Access,
  n: number,
  holdMs: number,
): Promise<{ connected: number; closedByTarget: number }> {
  const sockets = await Promise.all(
    Array.from({ length: n }, () =>
      connectTo(target, access, 5000).then(
        (s) => new Session(s, target.protocol),
        () => undefined,
      ),
    ),
  );
  const live = sockets.filter((s): s is Session => s !== undefined);
  await new Promise((r) => setTimeout(r, holdMs));
  const closedByTarget = live.filter((s) => s.closed).length;
  for (const s of live) s.close();
  return { connected: live.length, closedByTarget };
}

/**
 * One connection (a member, or a stranger that a keyed server refuses at once) joins and answers every `welcome`
 * with `port-busy` for the port it was given: each marks that port busy for a while
 * (metadata-server/port-allocator.ts). Returns how many it sent before the server refused it, and its last answer.
 */
export async function portBusyExhaustion(
  target: Target,
  access: Access,
  max = 2000,
): Promise<{ sent: number; last: string }> {
  const s = new Session(await connectTo(target, access), 'server');
  try {
    s.send(opener('server'));
    let sent = 0;
    const decode = (frame: Buffer) => serverMessages.decode({ type: frame[4]!, payload: frame.subarray(5) });
    let seen = 0;
    for (;;) {
      // The answer to the last send: the next frame that is not the trust list the server sends by itself.
      const answer = () => s.frames.slice(seen).find((f) => decode(f).kind !== 'trust');
      await s.until(() => answer() !== undefined, 3000);
      const frame = answer();
      if (!frame) return { sent, last: s.closed ? 'closed' : 'no answer' };
      seen = s.frames.indexOf(frame) + 1;
      const msg = decode(frame);
      if (msg.kind !== 'welcome' || sent >= max)
        return { sent, last: msg.kind === 'refused' ? msg.body.code : msg.kind };
      s.send(serverMessages.encode('port-busy', { port: msg.body.port }));
      sent++;
    }
  } finally {
    s.close();
  }
}

export interface Usage {
  /** RSS at the start and at the last sample. */
  rss: [number, number];
  peakRss: number;
  /** RSS when the attack ended (`mark()`). */
  endRss?: number;
  fds: [number, number];
  peakFds: number;
}

/** Samples every process's RSS (VmRSS) and open file count each 500 ms; `mark()` notes the RSS as the attack ends. */
export function startSampler(processes: { pid: number }[]): { mark(): void; stop(): Map<number, Usage> } {
  const usage = new Map<number, Usage>();
  const sample = () => {
    for (const p of processes) {
      let rss: number;
      let fds: number;
      try {
        rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p.pid}/status`, 'utf8'))?.[1] ?? NaN) * 1024;
        fds = readdirSync(`/proc/${p.pid}/fd`).length;
      } catch {
        continue;
      }
      const u = usage.get(p.pid) ?? { rss: [rss, rss], peakRss: rss, fds: [fds, fds], peakFds: fds };
      u.rss[1] = rss;
      u.fds[1] = fds;
      u.peakRss = Math.max(u.peakRss, rss);
      u.peakFds = Math.max(u.peakFds, fds);
      usage.set(p.pid, u);
    }
  };
  sample();
  const timer = setInterval(sample, 500);
  return {
    mark: () => {
      sample();
      for (const u of usage.values()) u.endRss = u.rss[1];
    },
    stop: () => {
      clearInterval(timer);
      sample();
      return usage;
    },
  };
}
