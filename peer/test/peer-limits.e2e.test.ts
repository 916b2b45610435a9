/**
 * Strangers at a peer's port (docs/SECURITY.md "Limits"): one address may hold at most 16 connections, and a
 * connection that has not said who it is gets a small frame limit and 5 s; so dozens of sockets trickling an
 * unfinished frame neither block real transfers nor stay open.
 */
import { connect, type Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Mesh, type PeerProcess } from '../../harness/mesh.js';

const test = suite<{ mesh: Mesh; s1: PeerProcess; s2: PeerProcess }>('peer limits');

/**
 * Opens `n` sockets from `localAddress` that each begin a TLS handshake (so a keyed peer waits for the rest) or, in
 * an open mesh, a hello, and then send one byte a second.
 */
function trickle(port: number, n: number, localAddress: string): { sockets: Socket[]; closed: Promise<unknown>[] } {
  const sockets: Socket[] = [];
  const closed: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    const socket = connect({ host: '127.0.0.1', port, localAddress });
    socket.on('error', () => undefined);
    closed.push(new Promise((r) => socket.once('close', r)));
    socket.on('connect', () => {
      // A TLS record header announcing a ClientHello of 255 bytes, then a trickle.
      socket.write(Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01]));
      const timer = setInterval(() => socket.write('x'), 1000);
      socket.on('close', () => clearInterval(timer));
    });
    sockets.push(socket);
  }
  return { sockets, closed };
}

test.before(async (ctx) => {
  ctx.mesh = new Mesh();
  await ctx.mesh.startServer();
  ctx.mesh.seed('s2', { 'report.txt': 'the real thing\n'.repeat(1000) });
  ctx.s1 = await ctx.mesh.startPeer('s1');
  ctx.s2 = await ctx.mesh.startPeer('s2');
  await ctx.s2.waitHashed();
});

test.after(async (ctx) => {
  await ctx.mesh.close();
});

test('70 sockets trickling an unfinished frame at each peer: a real download still succeeds, the sockets are cut', async ({
  s1,
  s2,
}) => {
  const started = Date.now();
  const a = trickle(s1.port, 70, '127.0.0.2');
  const b = trickle(s2.port, 70, '127.0.0.2');
  try {
    await new Promise((r) => setTimeout(r, 300));
    const done = await s1.ask('report.txt', (e) =>
      ['download-complete', 'download-failed', 'not-found'].includes(e.event),
    );
    assert.is(done.event, 'download-complete', 'the real download got through');
    await Promise.race([
      Promise.all([...a.closed, ...b.closed]),
      new Promise((_, reject) => setTimeout(() => reject(new Error('trickling sockets still open after 7 s')), 7000)),
    ]);
    assert.ok(Date.now() - started < 7500, 'every trickling socket was closed within the first-message deadline');
    assert.match(s2.stderr, /connections from 127\.0\.0\.2 already/);
  } finally {
    for (const s of [...a.sockets, ...b.sockets]) s.destroy();
  }
});

test.run();
