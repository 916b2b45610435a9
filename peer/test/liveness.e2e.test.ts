/**
 * Liveness against links that go silent WITHOUT closing (a frozen or vanished host: no FIN, no RST). Real
 * processes are frozen with SIGSTOP: the kernel keeps their connections open and even accepts our writes, so only
 * a clock on what is received can tell (docs/PROTOCOL.md#liveness).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import { Mesh } from '../../harness/mesh.js';

type Topology = Extract<PeerEvent, { event: 'topology' }>;

const neighbours = suite<{ mesh: Mesh }>('liveness: a frozen neighbour');

neighbours.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer();
  for (const name of ['s1', 's2', 's3']) await ctx.mesh.startPeer(name);
});

neighbours.after(async (ctx) => {
  ctx.mesh.peers.get('s3')?.kill('SIGCONT');
  await ctx.mesh.close();
});

neighbours('its neighbours report it down within 7 s, and TOPO no longer lists it', async ({ mesh }) => {
  await new Promise((r) => setTimeout(r, 300));
  const frozen = mesh.peer('s3');
  const around = frozen.neighbours();
  assert.ok(around.length >= 1, 's3 has a neighbour');
  const marks = new Map(around.map((n) => [n, mesh.peer(n).events.length]));
  const stoppedAt = Date.now();
  frozen.kill('SIGSTOP');
  await Promise.all(
    around.map((n) => mesh.peer(n).waitFor((e) => e.event === 'neighbour-down' && e.name === 's3', 7000, marks.get(n))),
  );
  const took = Date.now() - stoppedAt;
  assert.ok(took >= 4000, `noticed after ${took} ms: not before the 5 s of silence`);
  assert.ok(took <= 7000, `noticed after ${took} ms`);
  const asker = mesh.peer(around[0]!);
  const topo = (await asker.ask('TOPO', 'topology', 10_000)) as Topology;
  assert.not.ok(
    topo.peers.some((p) => p.name === 's3'),
    `s3 is not in TOPO: ${JSON.stringify(topo.peers)}`,
  );
  for (const p of topo.peers) assert.not.ok(p.neighbours.includes('s3'), `${p.name} no longer lists s3`);
});

neighbours.run();

const server = suite<{ mesh: Mesh }>('liveness: a frozen metadata server');

server.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer();
  await ctx.mesh.startPeer('s1');
});

server.after(async (ctx) => {
  ctx.mesh.server?.kill('SIGCONT');
  await ctx.mesh.close();
});

server('the peer reports the server lost within a few seconds, and re-registers once it thaws', async ({ mesh }) => {
  const s1 = mesh.peer('s1');
  await s1.waitFor((e) => e.event === 'server' && e.state === 'connected', 5000);
  const from = s1.events.length;
  const stoppedAt = Date.now();
  mesh.server!.kill('SIGSTOP');
  const lost = await s1.waitFor((e) => e.event === 'server' && e.state === 'lost', 9000, from);
  const took = Date.now() - stoppedAt;
  assert.ok(took >= 4000 && took <= 7500, `lost after ${took} ms`);
  assert.match(JSON.stringify(lost), /nothing received/);
  const thawed = s1.events.length;
  mesh.server!.kill('SIGCONT');
  await s1.waitFor((e) => e.event === 'server' && e.state === 'connected', 15_000, thawed);
});

server.run();
