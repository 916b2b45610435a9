/**
 * bench/live-fuzz: throws malformed and hostile traffic at a running metadata server and peers (real processes on
 * loopback, harness/mesh.ts) for N seconds, and reports: processes that crashed, each one's RSS and open files
 * before, at peak and after, whether a legitimate peer could still join, search and download a file (SHA-256
 * checked) before, during and after, which hostile sends got a non-error answer ("what got through"), and what
 * strangers received.
 *
 *   npm run bench:live-fuzz -- --seconds 60 [--as stranger|member|both] [--open] [--concurrency 6] [--seed N]
 *                              [--attacks deep-json,truncated] [--settle 20]
 *
 * The mesh is keyed (its key made by harness/mesh.ts) unless `--open`. The attack mix runs once as each of `--as`
 * (default both, the time split between them): a stranger connects in plain TCP without the key, so the TLS
 * handshake must refuse it and it must get nothing of the mesh (bench/live-fuzz-stranger.ts); a member dials
 * through the mesh key's handshake, so its hostile bytes reach the frame decoders, as from a member that
 * misbehaves. With `--open` both are the same plain TCP, and the mix runs once. Every connection goes through
 * `connectTo` in bench/live-fuzz-probe.ts.
 *
 * Traffic (harness/fuzz/hostile-traffic.ts): random bytes, truncated frames, oversized and zero length prefixes,
 * unknown types, schema-violating bodies, mutated recordings of real messages, deeply nested JSON and well-formed
 * messages with random contents, each on a fresh connection or after a real opener (`join`, `hello`); plus slowloris
 * trickles and bursts of connections.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { peerMessages } from '../common/wire/peer-messages.js';
import { serverMessages } from '../common/wire/server-messages.js';
import { ATTACKS, Draw, hostile, type Attack } from '../harness/fuzz/hostile-traffic.js';
import { Mesh, sha256, type PeerProcess } from '../harness/mesh.js';
import { table, writeRandomFile } from './bench-util.js';
import {
  connectTo,
  opener,
  probe,
  Session,
  strangerRef,
  type Access,
  type As,
  type Target,
} from './live-fuzz-probe.js';
import {
  burst,
  controlCheck,
  CONTROL_PREFIX,
  portBusyExhaustion,
  slowloris,
  startSampler,
  type ControlResult,
} from './live-fuzz-checks.js';
import { registerMember } from './live-fuzz-member.js';
import { meshSecrets, strangers } from './live-fuzz-stranger.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    settle: { type: 'string', default: '20' },
    concurrency: { type: 'string', default: '6' },
    seed: { type: 'string' },
    as: { type: 'string', default: 'both' },
    open: { type: 'boolean', default: false },
    attacks: { type: 'string', default: ATTACKS.join(',') },
  },
});
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);
const seed = values.seed !== undefined ? Number(values.seed) : (Math.random() * 0x7fffffff) | 0;
const open = values.open;
if (!['stranger', 'member', 'both'].includes(values.as)) throw new Error('--as takes stranger, member or both');
/** On an open mesh a stranger is a member: the mix runs once. */
const ases: As[] = values.as === 'both' ? (open ? ['member'] : ['stranger', 'member']) : [values.as as As];
const attacks = values.attacks.split(',').filter((a): a is Attack => (ATTACKS as readonly string[]).includes(a));
const CONTROL = 'control.bin';
const CONTROL_BYTES = 3 * 1024 * 1024 + 12345;
const HOLDERS = ['holder-s1', 'holder-s2', 'holder-s3'];

const mesh = new Mesh({ open });
const member: Access = { as: 'member', mesh: mesh.mode };
const processes: { name: string; pid: number; exit: () => number | null | undefined }[] = [];
try {
  await run();
} finally {
  await mesh.close();
}

interface Phase {
  stats: Map<string, Record<string, number>>;
  through: Map<string, number>;
  sends: number;
  lorises: string[];
  bursts: { connected: number; closedByTarget: number }[];
}

async function run(): Promise<void> {
  const how = open ? 'an open mesh (--open): plain TCP' : 'a keyed mesh';
  const who = open ? 'a member (the same plain TCP as a stranger)' : ases.join(', then ');
  console.log(`live-fuzz: ${seconds} s, ${concurrency} at once, seed ${seed}, ${how}, as ${who}`);
  await mesh.startServer(['--max-peers', '100']);
  const [host, port] = [mesh.serverAddress.split(':')[0]!, Number(mesh.serverAddress.split(':')[1])];
  const shared = mesh.seed(HOLDERS[0]!, {});
  writeRandomFile(join(shared, CONTROL), CONTROL_BYTES);
  const want = sha256(readFileSync(join(shared, CONTROL)));
  const peers: PeerProcess[] = [];
  for (const name of HOLDERS) peers.push(await mesh.startPeer(name));
  await peers[0]!.waitHashed();
  let serverExit: number | null | undefined;
  mesh.server!.once('exit', (code) => (serverExit = code));
  processes.push({ name: 'server', pid: mesh.server!.pid!, exit: () => serverExit });
  for (const p of peers) processes.push({ name: p.name, pid: p.child.pid!, exit: () => p.exitCode });
  const targets: Target[] = [
    { name: 'server', protocol: 'server', host, port },
    ...peers.map((p) => ({ name: p.name, protocol: 'peer' as const, host: '127.0.0.1', port: readyOf(p).port })),
  ];
  meshSecrets.push(...HOLDERS, ...peers.map((p) => readyOf(p).id), CONTROL_PREFIX, CONTROL, want);
  if (mesh.key) meshSecrets.push(mesh.key.toString('hex'), mesh.key.toString('latin1'));

  const recorded = { server: await recordServer(targets[0]!), peer: await recordPeer(targets[1]!, want) };
  console.log(`recorded ${recorded.server.length} server and ${recorded.peer.length} peer frames (as a member)`);

  const sampler = startSampler(processes);
  const controls: ControlResult[] = [await controlCheck(mesh, 'before', CONTROL, want)];
  const draw = new Draw(seed);
  const phases = new Map<As, Phase>();
  for (const as of ases) {
    // A member joins first, as one would: the peers then know its id (bench/live-fuzz-member.ts).
    const leave = as === 'member' ? await registerMember(targets[0]!, member) : () => undefined;
    await sleep(as === 'member' ? 1500 : 0); // the peers' lists of live peers refresh every second
    const phase = await attack(
      { as, mesh: mesh.mode },
      targets,
      recorded,
      draw,
      (seconds / ases.length) * 1000,
      controls,
      want,
    );
    phases.set(as, phase);
    leave();
  }
  sampler.mark();
  await sleep(5000);
  controls.push(await controlCheck(mesh, 'after', CONTROL, want));
  // RSS after: once the processes had time to give back what the traffic made them allocate.
  await sleep(Number(values.settle) * 1000);
  const usage = sampler.stop();

  const sends = [...phases.values()].reduce((n, p) => n + p.sends, 0);
  console.log(`\n${sends} hostile sends in ${seconds} s, seed ${seed}, ${how}\n\nProcesses`);
  console.log(
    table(
      [
        'process',
        'exit',
        'RSS before MB',
        'peak MB',
        'attack end MB',
        `${values.settle} s after MB`,
        'since end MB',
        'fds before',
        'peak',
        'after',
      ],
      processes.map((p) => {
        const u = usage.get(p.pid)!;
        const code = p.exit();
        return [
          p.name,
          code === undefined ? 'running' : `exited ${code}`,
          mb(u.rss[0]),
          mb(u.peakRss),
          mb(u.endRss!),
          mb(u.rss[1]),
          mb(u.rss[1] - u.endRss!),
          u.fds[0],
          u.peakFds,
          u.fds[1],
        ];
      }),
    ),
  );
  const outcomes = ['closed', 'error answer', 'silent', 'answered', 'connect failed'];
  console.log('\nHostile sends by outcome (closed: the target hung up; silent: still open after 1 s)');
  const rows = [...phases].flatMap(([as, p]) =>
    [...p.stats.entries()]
      .sort()
      .map(([k, row]) => [
        as,
        ...k.split('\t'),
        Object.values(row).reduce((a, b) => a + b, 0),
        ...outcomes.map((o) => row[o] ?? 0),
      ]),
  );
  console.log(table(['as', 'target', 'attack', 'sent', ...outcomes], rows));
  console.log('\nWhat got through (hostile sends that got a non-error answer)');
  const through = [...phases].flatMap(([as, p]) => [...p.through.entries()].map(([k, n]) => [`${as}: ${k}`, n]));
  console.log(table(['send → answer', 'times'], through.sort((a, b) => +b[1]! - +a[1]!).slice(0, 25)));
  console.log('\nSlowloris (one byte of an opener a second) and bursts of 256 connections');
  console.log(
    table(
      ['as', 'target', 'slowloris held open', 'burst connected', 'closed by target within 6 s'],
      [...phases].flatMap(([as, p]) =>
        targets.map((t, i) => [as, t.name, p.lorises[i]!, p.bursts[i]!.connected, p.bursts[i]!.closedByTarget]),
      ),
    ),
  );
  console.log('\nA legitimate peer joins, searches and downloads control.bin (SHA-256 checked)');
  console.log(
    table(
      ['when', 'joined ms', 'downloaded ms', 'result'],
      controls.map((c) => [c.phase, c.joinMs ?? '-', c.downloadMs ?? '-', c.result]),
    ),
  );
  const leaked = open || !ases.includes('stranger') ? 0 : reportStrangers();
  // Last, as it may lock newcomers out for a while: one connection reporting every port it is given as busy.
  for (const as of ases) {
    const exhaustion = await portBusyExhaustion(targets[0]!, { as, mesh: mesh.mode }).catch((err: Error) => ({
      sent: 0,
      last: `could not join: ${err.message.slice(0, 80)}`,
    }));
    const locked = await controlCheck(mesh, `after port-busy (${as})`, CONTROL, want);
    if (locked.result !== 'ok') controls.push(locked);
    console.log(
      `\nAs a ${as}: sent ${exhaustion.sent} port-busy (each for the port just granted), then got ${exhaustion.last}; ` +
        `a legitimate newcomer then: ${locked.result}`,
    );
  }
  const crashed = processes.filter((p) => p.exit() !== undefined);
  const failed = controls.filter((c) => c.result !== 'ok');
  console.log(
    `\n${crashed.length} crashed, ${failed.length} of ${controls.length} control downloads failed` +
      (open || !ases.includes('stranger') ? '' : `, ${leaked} leaks to strangers`),
  );
  process.exitCode = crashed.length + failed.length + leaked > 0 ? 1 : 0;
}

/** One run of the attack mix as `access.as` for `ms`, with control downloads during it. */
async function attack(
  access: Access,
  targets: Target[],
  recorded: Record<'server' | 'peer', Buffer[]>,
  draw: Draw,
  ms: number,
  controls: ControlResult[],
  want: string,
): Promise<Phase> {
  const stats = new Map<string, Record<string, number>>();
  const through = new Map<string, number>();
  let sends = 0;
  const deadline = Date.now() + ms;
  const worker = async () => {
    while (Date.now() < deadline) {
      const target = draw.pick(targets);
      const attack: Attack = draw.pick(attacks);
      const send = hostile(draw, target.protocol, attack, recorded[target.protocol]);
      const session = draw.int(0, 1) === 1 && attack !== 'truncated';
      const r = await probe(target, access, send.bytes, { session, end: send.end, waitMs: 1000 });
      sends++;
      const key = `${target.protocol}\t${attack}${session ? ' (after opener)' : ''}`;
      const row = stats.get(key) ?? {};
      row[r.outcome] = (row[r.outcome] ?? 0) + 1;
      stats.set(key, row);
      if (r.outcome === 'answered') {
        const what = `${target.protocol} ${attack}${session ? ' after opener' : ''}: ${send.kind} → ${[...new Set(r.answers)].join(', ')}`;
        through.set(what, (through.get(what) ?? 0) + 1);
      }
    }
  };
  const during = (async () => {
    while (Date.now() + 20_000 < deadline) {
      await sleep(Math.min(15_000, deadline - Date.now() - 15_000));
      if (Date.now() < deadline) controls.push(await controlCheck(mesh, `during (${access.as})`, CONTROL, want));
    }
  })();
  const side = (async () => {
    const lorises = await Promise.all(
      targets.map((t) => slowloris(t, access, opener(t.protocol), Math.min(30_000, ms))),
    );
    const bursts = [];
    for (const t of targets) bursts.push(await burst(t, access, 256, 6000));
    return { lorises, bursts };
  })();
  await Promise.all(Array.from({ length: concurrency }, worker));
  await during;
  return { stats, through, sends, ...(await side) };
}

/** Prints what strangers received; returns how many leaks (bytes of the mesh, or its names) it found. */
function reportStrangers(): number {
  const s = strangers;
  console.log(
    `\nStrangers: ${s.connections} connections received ${s.bytes} bytes in total: nothing on ${s.nothing}; ` +
      `TLS alerts only on ${s.alerts.connections} (${s.alerts.bytes} bytes); the metadata server's plain refused ` +
      `P2P_ERR_MESH_KEY only on ${s.refusals.connections} (${s.refusals.bytes} bytes); anything else: ` +
      `${s.otherBytes} bytes${s.other.length ? ` (${s.other.join('; ')})` : ''}. Names, ids or file names of the ` +
      `mesh in what they got: ${s.secretsSeen.length ? s.secretsSeen.join(', ') : 'none'}`,
  );
  return s.other.length + s.secretsSeen.length;
}

function readyOf(p: PeerProcess): { port: number; id: string } {
  const ready = p.events.find((e) => e.event === 'ready');
  if (!ready || ready.event !== 'ready') throw new Error(`${p.name} is not ready`);
  return ready;
}

/** A real client's exchange with the server, recorded both ways: the corpus for mutations. */
async function recordServer(target: Target): Promise<Buffer[]> {
  const s = new Session(await connectTo(target, member), 'server');
  const sent = [
    opener('server'),
    serverMessages.encode('peers-request', { rid: 'r1' }),
    serverMessages.encode('files-request', { rid: 'r2', mode: 'all', pattern: '' }),
    serverMessages.encode('files-request', { rid: 'r3', mode: 'name', pattern: CONTROL }),
    serverMessages.encode('heartbeat', { neighbours: [HOLDERS[1]!] }),
    serverMessages.encode('index', { files: [{ name: 'notes.txt', size: 5, sha256: '0'.repeat(64) }] }),
    serverMessages.encode('listening', { port: 9, neighbours: [] }),
    serverMessages.encode('port-busy', { port: 9 }),
  ];
  for (const f of sent) {
    s.send(f);
    await sleep(100);
  }
  s.send(serverMessages.encode('leave', { reason: 'recorded' }));
  await s.until(() => false, 300);
  s.close();
  return [...sent, ...s.frames];
}

async function recordPeer(target: Target, sha: string): Promise<Buffer[]> {
  const me = { ...strangerRef(), host: '127.0.0.1', port: 9 };
  const link = new Session(await connectTo(target, member), 'peer');
  const sent = [
    peerMessages.encode('hello', { ...me, neighbours: [] }),
    peerMessages.encode('ping', { n: 1 }),
    peerMessages.encode('pong', { n: 1 }),
    peerMessages.encode('topo-query', { qid: 'recorded-topo-1', hops: 2, origin: me }),
    peerMessages.encode('query', { qid: 'recorded-query-1', file: 'no-such-file.txt', hops: 1, origin: me }),
    peerMessages.encode('bye', { reason: 'recorded' }),
  ];
  for (const f of sent) {
    link.send(f);
    await sleep(150);
  }
  link.close();
  const transfer = new Session(await connectTo(target, member), 'peer');
  const asks = [
    peerMessages.encode('fetch', { qid: 'recorded-fetch-1', file: CONTROL, sha256: sha, from: me }),
    peerMessages.encode('want', { qid: 'recorded-fetch-1', pieces: [] }),
    peerMessages.encode('cancel', { qid: 'recorded-fetch-1', pieces: [0] }),
    peerMessages.encode('result', { qid: 'recorded-fetch-1', ok: false, reason: 'recorded' }),
  ];
  for (const f of asks) {
    transfer.send(f);
    await transfer.until(() => transfer.frames.length > 0, 300);
  }
  transfer.close();
  return [...sent, ...asks, ...link.frames, ...transfer.frames.filter((f) => f.length < 64 * 1024)];
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}
function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.max(0, ms)));
}
