/**
 * Discovery on loopback, real processes (docs/CONTRACT.md "Mirror, discovery and bandwidth"): a peer started
 * without --server finds a metadata server on a non-default port by its announcements, within 3 s, and says where;
 * --no-announce is not found; a server with another mesh key, one with another identity than the pinned one, and
 * hostile datagrams are ignored; --server always wins. Each test has its own UDP discovery port.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createMeshKey } from '../../common/mesh-key.js';
import { SigningKey } from '../../common/signing-key.js';
import { discoveryAuth, encodeAnnouncement, encodeQuery } from '../../common/wire/announcement.js';
import { Mesh, randomPortRange, type PeerProcess } from '../../harness/mesh.js';
import { startServer } from '../../harness/server-process.js';
import type { PeerEvent } from '../control/peer-events.js';

function discoveryPort(): string {
  return String(30_000 + Math.floor(Math.random() * 10_000));
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A metadata server beside the mesh's own (its own state, so its own identity key), on discovery port `port`. */
function otherServer(port: string, keyFile: string) {
  return startServer(['--discovery-port', port, '--key-file', keyFile, '--peer-ports', randomPortRange()]);
}

function logs(peer: PeerProcess, re: RegExp): string[] {
  return peer.events.flatMap((e) => (e.event === 'log' && re.test(e.message) ? [e.message] : []));
}

/** Broadcasts `data` on loopback to the discovery port, from `from`. */
async function broadcast(port: string, data: Buffer, from = '127.0.0.1'): Promise<void> {
  const socket: Socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, from, resolve));
  socket.setBroadcast(true);
  await new Promise<void>((resolve, reject) =>
    socket.send(data, Number(port), '127.255.255.255', (err) => (err ? reject(err) : resolve())),
  );
  socket.close();
}

test('a peer without --server finds a server on a non-default port within 3 s, says where, and a second one too', async () => {
  const mesh = new Mesh();
  const port = discoveryPort();
  try {
    await mesh.startServer(['--discovery-port', port]);
    for (const name of ['d1', 'd2']) {
      const started = Date.now();
      const peer = await mesh.startPeer(name, ['--discovery-port', port], false, [], { discover: true });
      const ready = (await peer.waitFor('ready', 3000)) as Extract<PeerEvent, { event: 'ready' }>;
      assert.ok(Date.now() - started < 3000, `ready after ${Date.now() - started} ms`);
      assert.is(ready.server, mesh.serverAddress);
      const connected = peer.events.find((e) => e.event === 'server' && e.state === 'connected');
      assert.equal(connected?.event === 'server' && [connected.address, connected.via], [
        mesh.serverAddress,
        'discovery',
      ]);
      assert.equal(logs(peer, /^found the metadata server at /).length, 1);
      assert.match(logs(peer, /^found/)[0]!, new RegExp(`at ${mesh.serverAddress} by its announcement on lo`));
    }
    await mesh.peer('d2').waitFor((e) => e.event === 'neighbour-up' && e.name === 'd1', 5000);
  } finally {
    await mesh.close();
  }
});

test('--no-announce is not found: the peer keeps looking and says so, then finds a server that announces', async () => {
  const mesh = new Mesh();
  const port = discoveryPort();
  try {
    await mesh.startServer(['--discovery-port', port, '--no-announce']);
    for (let i = 0; i < 40 && !/not announcing/.test(mesh.serverOutput); i++) await sleep(50);
    assert.match(mesh.serverOutput, /not announcing on the LAN \(--no-announce\): peers need --server/);
    const peer = await mesh.startPeer('q1', ['--discovery-port', port], false, [], { discover: true });
    const still = await peer.waitFor(
      (e) => e.event === 'log' && /^no metadata server found yet: /.test(e.message),
      5000,
    );
    assert.not.ok(peer.events.some((e) => e.event === 'ready'));
    assert.match(
      still.event === 'log' ? still.message : '',
      /none answers at 127\.0\.0\.1:7000 and none announced itself on lo/,
    );
    assert.is(still.event === 'log' && still.level, 'warn', 'said on stderr too');
    // A server that does announce, started later, is found while the peer looks.
    const other = await otherServer(port, mesh.keyFile!);
    try {
      const ready = (await peer.waitFor('ready', 4000)) as Extract<PeerEvent, { event: 'ready' }>;
      assert.is(ready.server, `127.0.0.1:${other.port}`);
    } finally {
      await other.stop('SIGKILL');
    }
  } finally {
    await mesh.close();
  }
});

test('a server with another mesh key is ignored (logged once), and --server always wins over announcements', async () => {
  const mesh = new Mesh();
  const port = discoveryPort();
  const wrongKey = join(mesh.root, 'wrong.key');
  createMeshKey(wrongKey);
  const stranger = await otherServer(port, wrongKey);
  try {
    const peer = await mesh.startPeer('w1', ['--discovery-port', port], false, [], { discover: true });
    await sleep(3500); // the stranger announced at least 3 times and answered the peer's queries
    assert.not.ok(peer.events.some((e) => e.event === 'ready'));
    assert.not.ok(peer.events.some((e) => e.event === 'server' && e.address.endsWith(`:${stranger.port}`)));
    assert.equal(logs(peer, /^discovery: dropped a datagram from 127\.0\.0\.1: wrong MAC/).length, 1);
    // The right server starts: found. A peer given --server ignores both.
    await mesh.startServer(['--discovery-port', port]);
    await peer.waitFor('ready', 4000);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const elsewhere = `127.0.0.1:${(closed.address() as { port: number }).port}`;
    await new Promise((resolve) => closed.close(resolve));
    const fixed = await mesh.startPeer('w2', ['--discovery-port', port, '--server', elsewhere], false, [], {
      discover: true,
    });
    await sleep(2500);
    assert.not.ok(fixed.events.some((e) => e.event === 'ready'));
    assert.ok(fixed.events.every((e) => e.event !== 'server' || e.address === elsewhere));
    assert.equal(logs(fixed, /looking for the metadata server|found the metadata server/), []);
  } finally {
    await stranger.stop('SIGKILL');
    await mesh.close();
  }
});

test('the server found goes away and comes back elsewhere: found again; another server identity is not followed', async () => {
  const mesh = new Mesh();
  const port = discoveryPort();
  const peerPorts = randomPortRange();
  const state = join(mesh.root, 'server-state');
  try {
    const first = await mesh.startServer(['--discovery-port', port, '--state', state, '--peer-ports', peerPorts]);
    const peer = await mesh.startPeer('m1', ['--discovery-port', port], false, [], { discover: true });
    await peer.waitFor('ready', 3000);
    mesh.server!.kill('SIGKILL');
    await peer.waitFor((e) => e.event === 'server' && e.state === 'lost', 8000);
    // Another metadata server (its own identity key) with the mesh key: the peer pinned the first one's key.
    const impostor = await otherServer(port, mesh.keyFile!);
    try {
      await peer.waitFor((e) => e.event === 'log' && /is not the pinned metadata server/.test(e.message), 4000);
      assert.not.ok(peer.events.some((e) => e.event === 'server' && e.address.endsWith(`:${impostor.port}`)));
      assert.not.match(impostor.lines.join('\n'), /m1 joined/);
    } finally {
      await impostor.stop('SIGKILL');
    }
    // The first server again, with its state, on another port: found and re-registered with.
    const from = peer.events.length;
    const again = await mesh.startServer(['--discovery-port', port, '--state', state, '--peer-ports', peerPorts]);
    assert.is.not(again, first);
    await peer.waitFor((e) => e.event === 'server' && e.state === 'connected' && e.address === again, 4000, from);
    assert.equal(logs(peer, new RegExp(`^found the metadata server at ${again} `)).length, 1);
  } finally {
    await mesh.close();
  }
});

test('hostile datagrams are dropped, logged once per source, never crash the peer nor make it dial elsewhere', async () => {
  const mesh = new Mesh();
  const port = discoveryPort();
  const decoy = createServer();
  let dialled = 0;
  decoy.on('connection', (socket) => (dialled++, socket.destroy()));
  try {
    await new Promise<void>((resolve) => decoy.listen(0, '127.0.0.1', resolve));
    const decoyPort = (decoy.address() as { port: number }).port;
    const peer = await mesh.startPeer('x1', ['--discovery-port', port], false, [], { discover: true });
    await peer.waitFor((e) => e.event === 'log' && /^no --server: looking/.test(e.message), 3000);
    const auth = discoveryAuth(mesh.key);
    const nonce = () => randomBytes(16);
    const fields = { time: Date.now(), host: '127.0.0.1', port: decoyPort };
    const hostile = [
      randomBytes(100),
      Buffer.alloc(60_000, 1),
      encodeQuery(nonce(), auth),
      encodeAnnouncement({ ...fields, nonce: nonce() }, SigningKey.generate(), discoveryAuth(randomBytes(32))),
      encodeAnnouncement({ ...fields, nonce: nonce() }, SigningKey.generate(), discoveryAuth(undefined)),
      encodeAnnouncement({ ...fields, time: Date.now() - 60_000, nonce: nonce() }, SigningKey.generate(), auth),
    ];
    for (let round = 0; round < 3; round++) for (const d of hostile) await broadcast(port, d);
    // A member's announcement naming the decoy, sent from another address than it names.
    await broadcast(port, encodeAnnouncement({ ...fields, nonce: nonce() }, SigningKey.generate(), auth), '127.0.0.2');
    await sleep(500);
    assert.is(peer.exitCode, undefined);
    assert.is(dialled, 0);
    assert.not.ok(peer.events.some((e) => e.event === 'server' && e.address.endsWith(`:${decoyPort}`)));
    assert.equal(logs(peer, /^discovery: dropped a datagram from 127\.0\.0\.1:/).length, 1);
    assert.equal(
      logs(peer, /^discovery: dropped a datagram from 127\.0\.0\.2: it names 127\.0\.0\.1 but came/).length,
      1,
    );
    // Still looking, and still finds the real server.
    await mesh.startServer(['--discovery-port', port]);
    await peer.waitFor('ready', 4000);
    assert.is(dialled, 0);
  } finally {
    decoy.close();
    await mesh.close();
  }
});

test.run();
