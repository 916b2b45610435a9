/**
 * A holder dials back only to addresses the mesh knows for a query's origin, never to an address the query names
 * (docs/SECURITY.md "Limits"): a fake neighbour floods queries naming a real peer, a stranger and itself at an
 * address it listens on; no connection arrives there, while the real origin is answered, also with the metadata
 * server gone.
 */
import { createServer, type Server } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { PeerEvent } from '../control/peer-events.js';
import type { PeerRef } from '../../common/wire/shapes.js';
import { FakePeer } from './fake-peer.js';
import { Mesh, type PeerProcess } from '../../harness/mesh.js';

const test = suite<{ mesh: Mesh; s1: PeerProcess; s3: PeerProcess }>('origin check');

function refOf(p: PeerProcess): PeerRef {
  const ready = p.events.find((e) => e.event === 'ready') as Extract<PeerEvent, { event: 'ready' }>;
  return { name: ready.name, id: ready.id, host: ready.host, port: ready.port };
}

/** A listener that counts the connections it gets. */
async function trap(): Promise<{ server: Server; port: number; hits: () => number }> {
  let hits = 0;
  const server = createServer((socket) => {
    hits++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as { port: number }).port, hits: () => hits };
}

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer(['--topology', 'line']); // s1 – s2 – s3: s1 is no neighbour of s3
  ctx.mesh.seed('s3', { 'public.txt': 'shareable\n' });
  ctx.s1 = await ctx.mesh.startPeer('s1');
  await ctx.mesh.startPeer('s2');
  ctx.s3 = await ctx.mesh.startPeer('s3');
  await ctx.s3.waitHashed();
});

test.after(async (ctx) => {
  await ctx.mesh.close();
});

test('queries naming an address the mesh does not know for their origin get no dial-back', async ({ mesh, s1, s3 }) => {
  const fake = new FakePeer('mallory', mesh.mode);
  await fake.listen();
  const t = await trap();
  try {
    const link = await fake.linkTo(refOf(s3).port);
    const outcome = async (qid: string, origin: PeerRef) => {
      link.send('query', { qid, file: 'public.txt', hops: 1, origin });
      const seen = await s3.waitFor((e) => e.event === 'query-seen' && e.query === qid, 8000);
      return seen.event === 'query-seen' ? `${seen.action} ${seen.reason ?? ''}`.trim() : '';
    };
    const real = refOf(s1);
    const elsewhere = { host: '127.0.0.1', port: t.port };
    assert.match(await outcome('q-other-port-0001', { ...real, ...elsewhere }), /^refused .*mesh knows s1 at/);
    assert.match(await outcome('q-stranger-00001', { ...real, name: 'ghost', ...elsewhere }), /^refused .*not know/);
    assert.match(await outcome('q-fake-port-0001', { ...fake.ref(), ...elsewhere }), /^refused/);
    assert.is(await outcome('q-real-origin-01', real), 'answered', 'the real origin, two links away, is answered');
    // With the metadata server gone, the last list it gave still tells the real origin from a made-up one.
    const from = s3.events.length;
    mesh.server!.kill('SIGKILL');
    await s3.waitFor((e) => e.event === 'server' && e.state !== 'connected', 10_000, from);
    assert.match(await outcome('q-down-other-001', { ...real, ...elsewhere }), /^refused/);
    assert.is(await outcome('q-down-real-0001', real), 'answered');
    await new Promise((r) => setTimeout(r, 1500));
    assert.is(t.hits(), 0, 'nothing dialled the address the queries named');
    assert.match(s3.stderr, /did not answer mallory's query for public\.txt: the query names s1 at 127\.0\.0\.1:\d+/);
  } finally {
    fake.close();
    t.server.close();
  }
});

test.run();
