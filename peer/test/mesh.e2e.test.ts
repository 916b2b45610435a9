/**
 * The mesh end to end: a real metadata server and five peers as processes on loopback. Files of every
 * kind travel across at least two hops and are checked by SHA-256; TOPO is checked against what each peer holds;
 * a middle peer leaves and the mesh repairs; a killed peer is noticed; Stop all ends everyone.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh, sha256, sha256File } from '../../harness/mesh.js';

const test = suite<{ mesh: Mesh }>('mesh');

const text = Buffer.from('Meeting notes\nline two\n\u00e9t\u00e9 — unicode too\n'.repeat(50));
const everyByte = Buffer.from(Array.from({ length: 256 * 40 }, (_, i) => i % 256));
const big = randomBytes(6 * 1024 * 1024 + 12345); // several pieces, the last one short

type Topology = Extract<PeerEvent, { event: 'topology' }>;

/** Hop distance between two peers in a topology answer. */
function distance(topo: Topology, from: string, to: string): number {
  const adj = new Map(topo.peers.map((p) => [p.name, p.neighbours]));
  const dist = new Map([[from, 0]]);
  const queue = [from];
  while (queue.length) {
    const at = queue.shift()!;
    for (const n of adj.get(at) ?? []) {
      if (!dist.has(n)) {
        dist.set(n, dist.get(at)! + 1);
        queue.push(n);
      }
    }
  }
  return dist.get(to) ?? Infinity;
}

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer();
  ctx.mesh.seed('s5', { 'notes.txt': text, 'allbytes.bin': everyByte, 'big.bin': big });
  ctx.mesh.seed('s3', { 'empty.dat': Buffer.alloc(0) });
  for (const name of ['s1', 's2', 's3', 's4', 's5']) await ctx.mesh.startPeer(name);
});

test.after(async (ctx) => {
  await ctx.mesh.close();
});

test('every peer joins with a persistent id and symmetric neighbour links', async ({ mesh }) => {
  await new Promise((r) => setTimeout(r, 300));
  for (const [name, peer] of mesh.peers) {
    const ready = peer.events.find((e) => e.event === 'ready') as Extract<PeerEvent, { event: 'ready' }>;
    assert.is(ready.name, name);
    assert.match(ready.id, /^[A-Za-z0-9_-]{22}$/); // derived from its identity key (common/signing-key.ts)
    assert.ok(peer.neighbours().length >= 1, `${name} has a neighbour`);
    for (const n of peer.neighbours()) assert.ok(mesh.peer(n).neighbours().includes(name), `${n} lists ${name} back`);
  }
  assert.is(
    mesh.peer('s1').events.find((e) => e.event === 'ready' && e.neighbours.length === 0) !== undefined,
    true,
    'the first peer got no referral',
  );
});

test('TOPO shows every peer with the neighbours it really holds', async ({ mesh }) => {
  const topo = (await mesh.peer('s2').ask('TOPO', 'topology')) as Topology;
  assert.equal(
    topo.peers.map((p) => p.name),
    ['s1', 's2', 's3', 's4', 's5'],
  );
  for (const p of topo.peers) {
    assert.equal(p.neighbours, mesh.peer(p.name).neighbours(), `${p.name}'s neighbours`);
    const ready = mesh.peer(p.name).events.find((e) => e.event === 'ready') as Extract<PeerEvent, { event: 'ready' }>;
    assert.is(p.id, ready.id);
    assert.is(p.port, ready.port);
  }
  const maxDepth = Math.max(...topo.peers.map((p) => distance(topo, 's1', p.name)));
  assert.ok(maxDepth <= 3, `the mesh is shallow (depth from s1 is ${maxDepth})`);
});

test('downloads text, every byte value and a multi-megabyte binary across two hops, verified', async ({ mesh }) => {
  const topo = (await mesh.peer('s1').ask('TOPO', 'topology')) as Topology;
  const requester = ['s1', 's2', 's3', 's4'].find((n) => distance(topo, n, 's5') >= 2);
  assert.ok(requester, 'some peer is at least two hops from s5');
  const peer = mesh.peer(requester!);
  for (const [file, data] of [
    ['notes.txt', text],
    ['allbytes.bin', everyByte],
    ['big.bin', big],
  ] as const) {
    const done = (await peer.ask(
      file,
      (e) => e.event === 'download-complete' || e.event === 'download-failed' || e.event === 'not-found',
      15_000,
    )) as PeerEvent;
    assert.is(done.event, 'download-complete', JSON.stringify(done));
    if (done.event !== 'download-complete') return;
    assert.is(done.from, 's5');
    assert.is(done.path, `Downloads/${file}`);
    assert.is(done.bytes, data.length);
    assert.is(done.sha256, sha256(data));
    assert.is(sha256File(join(peer.dir, done.path)), sha256(data), `${file} is bit-identical`);
  }
  assert.equal(readdirSync(join(peer.dir, '.p2p', 'partial')), [], 'no partial file is left behind');
});

test('a name without extension finds the file whose stem it is; an empty file arrives too', async ({ mesh }) => {
  const done = await mesh.peer('s4').ask('notes', (e) => e.event === 'download-complete' || e.event === 'not-found');
  assert.is(done.event, 'download-complete');
  if (done.event === 'download-complete') assert.is(done.path, 'Downloads/notes.txt');
  const empty = await mesh
    .peer('s4')
    .ask('empty.dat', (e) => e.event === 'download-complete' || e.event === 'not-found');
  assert.is(empty.event, 'download-complete');
  if (empty.event === 'download-complete') assert.is(empty.sha256, sha256(Buffer.alloc(0)));
});

test('a file already held is not fetched again', async ({ mesh }) => {
  const e = await mesh.peer('s5').ask('notes.txt', (x) => x.event === 'already-have' || x.event === 'query-sent');
  assert.is(e.event, 'already-have');
  if (e.event === 'already-have') assert.is(e.path, 'shared/notes.txt');
});

test('a file nobody holds is reported not found after the query timeout', async ({ mesh }) => {
  const started = Date.now();
  const e = await mesh
    .peer('s1')
    .ask('no-such-file.txt', (x) => x.event === 'not-found' || x.event === 'download-started');
  assert.is(e.event, 'not-found');
  assert.ok(Date.now() - started >= 1500, 'waited for the timeout');
});

test('a downloader becomes a holder', async ({ mesh }) => {
  // Earlier tests left copies of notes.txt in some Downloads/ folders; with s5 (the original holder) gone, only
  // those copies can answer.
  const s5 = mesh.peer('s5');
  s5.send('Stop');
  assert.is(await s5.waitExit(), 0);
  const holds = (n: string) => existsSync(join(mesh.dirOf(n), 'Downloads', 'notes.txt'));
  const holders = ['s1', 's2', 's3', 's4'].filter(holds);
  const requester = mesh.peer(['s1', 's2', 's3', 's4'].find((n) => !holds(n))!);
  assert.ok(holders.length >= 1 && requester);
  const done = await requester.ask('notes.txt', (e) => e.event === 'download-complete' || e.event === 'not-found');
  assert.is(done.event, 'download-complete');
  if (done.event === 'download-complete') {
    assert.ok(holders.includes(done.from), `${done.from} served its own download`);
    assert.is(done.sha256, sha256(text));
  }
});

test('Stop of a middle peer: neighbours notice, the mesh repairs, downloads work again', async ({ mesh }) => {
  const s1 = mesh.peer('s1');
  const watchers = s1.neighbours().map((n) => mesh.peer(n));
  s1.send('Stop');
  const stopped = await s1.waitFor('stopped');
  assert.ok(stopped.event === 'stopped' && /user/.test(stopped.reason));
  assert.is(await s1.waitExit(), 0);
  for (const w of watchers) await w.waitFor((e) => e.event === 'neighbour-down' && e.name === 's1', 5000);
  // The remaining peers (s2, s3, s4) must form one connected mesh again.
  const deadline = Date.now() + 8000;
  let topo: Topology | undefined;
  for (;;) {
    topo = (await mesh.peer('s3').ask('TOPO', 'topology')) as Topology;
    const names = topo.peers.map((p) => p.name);
    if (names.join() === 's2,s3,s4' && distance(topo, 's3', 's2') < Infinity && distance(topo, 's3', 's4') < Infinity)
      break;
    if (Date.now() > deadline) assert.unreachable(`mesh did not repair: ${JSON.stringify(topo.peers)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  const done = await mesh
    .peer('s3')
    .ask('notes.txt', (e) => e.event === 'download-complete' || e.event === 'not-found');
  assert.is(done.event, 'download-complete');
});

test('a peer killed with SIGKILL is noticed within seconds and the mesh repairs', async ({ mesh }) => {
  const s6 = await mesh.startPeer('s6');
  const s7 = await mesh.startPeer('s7');
  const victim = mesh.peer('s4');
  const watchers = victim
    .neighbours()
    .filter((n) => mesh.peer(n).exitCode === undefined)
    .map((n) => mesh.peer(n));
  const killedAt = Date.now();
  victim.kill('SIGKILL');
  for (const w of watchers) await w.waitFor((e) => e.event === 'neighbour-down' && e.name === 's4', 5000);
  assert.ok(Date.now() - killedAt < 5000);
  const live = ['s2', 's3', 's6', 's7'];
  const deadline = Date.now() + 8000;
  for (;;) {
    const topo = (await s6.ask('TOPO', 'topology')) as Topology;
    if (topo.peers.map((p) => p.name).join() === live.join() && live.every((n) => distance(topo, 's6', n) < Infinity))
      break;
    if (Date.now() > deadline) assert.unreachable(`mesh did not repair after SIGKILL: ${JSON.stringify(topo.peers)}`);
    await new Promise((r) => setTimeout(r, 300));
  }
  assert.ok(existsSync(join(s7.dir, '.p2p', 'identity.key')));
});

test('Stop all: every peer leaves with exit 0 and the metadata server keeps running', async ({ mesh }) => {
  const live = ['s2', 's3', 's6', 's7'].map((n) => mesh.peer(n));
  live[0]!.send('Stop all');
  for (const p of live) {
    const e = await p.waitFor('stopped', 8000);
    assert.ok(e.event === 'stopped' && /stop all requested by s2/.test(e.reason), JSON.stringify(e));
    assert.is(await p.waitExit(), 0);
  }
  assert.is(mesh.server!.exitCode, null, 'the metadata server still runs');
  const again = await mesh.startPeer('s2');
  assert.ok(
    again.events.some((e) => e.event === 'ready'),
    'a new mesh forms without restarting the server',
  );
});

test.run();
