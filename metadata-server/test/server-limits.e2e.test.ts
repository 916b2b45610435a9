/**
 * What one address may hold at the metadata server (docs/SECURITY.md "Limits"): join slots per address (other
 * loopback addresses stand in for LAN hosts: Linux routes all of 127.0.0.0/8 to lo), and the small frame limit
 * before a join, so unfinished megabyte frames cannot grow the server.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Channel } from '../../common/channel.js';
import { serverMessages, type ServerMessages } from '../../common/wire/server-messages.js';
import type { Tagged } from '../../common/message-table.js';
import { keyedMesh, OPEN_MESH } from '../../common/mesh-tls.js';
import { memberHandshake } from '../../harness/member-handshake.js';
import { meshKeyOf, randomPeerPorts, withServer } from '../../harness/server-process.js';
import { joinBody, WAIT_MS } from './test-client.js';

/** A connection from `localAddress` as a member of the mesh (past the mesh-key handshake, when the server is keyed). */
async function member(port: number, localAddress = '127.0.0.1') {
  const raw: Socket = connect({ host: '127.0.0.1', port, localAddress });
  raw.on('error', () => undefined);
  await once(raw, 'connect', { signal: AbortSignal.timeout(WAIT_MS) });
  const key = meshKeyOf(port);
  return memberHandshake(raw, key ? keyedMesh(key) : OPEN_MESH);
}

/** Joins from `localAddress`; resolves with the server's answer (welcome or refused) and the channel. */
async function joinFrom(port: number, localAddress: string, name: string) {
  const { stream, key } = await member(port, localAddress);
  const channel = new Channel(stream, serverMessages);
  const answer = new Promise<Tagged<ServerMessages>>((resolve) => channel.once('message', resolve));
  channel.send('join', joinBody(name, { host: localAddress, id: key.id }));
  return { channel, answer: await answer };
}

test('one address holds at most 3 join slots; a newcomer from another address still gets in', async () => {
  await withServer(['--peer-ports', randomPeerPorts(), '--max-peers', '10'], async (server) => {
    const open: Channel<ServerMessages>[] = [];
    try {
      for (const name of ['fake1', 'fake2', 'fake3']) {
        const { channel, answer } = await joinFrom(server.port, '127.0.0.2', name);
        open.push(channel);
        assert.is(answer.kind, 'welcome', `${name} is admitted`);
      }
      const fourth = await joinFrom(server.port, '127.0.0.2', 'fake4');
      open.push(fourth.channel);
      assert.is(fourth.answer.kind, 'refused');
      assert.ok(fourth.answer.kind === 'refused' && fourth.answer.body.code === 'P2P_ERR_MESH_FULL');
      assert.match(JSON.stringify(fourth.answer.body), /127\.0\.0\.2 already holds 3/);
      await server.waitForLine(/refused 127\.0\.0\.2:\d+: P2P_ERR_MESH_FULL/);
      const real = await joinFrom(server.port, '127.0.0.3', 'real');
      open.push(real.channel);
      assert.is(real.answer.kind, 'welcome', 'a newcomer from another address is admitted');
    } finally {
      for (const c of open) c.destroy();
    }
  });
});

test('unfinished megabyte frames before a join are cut at once; a joined peer is untouched', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server) => {
    const sockets: Duplex[] = [];
    const closed: Promise<unknown>[] = [];
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      const { stream: socket } = await member(server.port);
      socket.on('error', () => undefined);
      closed.push(new Promise((r) => socket.once('close', r)));
      const head = Buffer.alloc(5);
      head.writeUInt32BE(1_000_000, 0);
      head.writeUInt8(1, 4);
      socket.write(Buffer.concat([head, Buffer.alloc(256 * 1024, 0x20)]));
      sockets.push(socket);
    }
    await Promise.race([
      Promise.all(closed),
      new Promise((_, reject) => setTimeout(() => reject(new Error('sockets still open after 2 s')), 2000)),
    ]);
    assert.ok(Date.now() - started < 2000, 'each connection was cut without waiting for its frame');
    await server.waitForLine(/P2P_ERR_FRAME_TOO_LARGE: frame of 1000000 bytes exceeds the limit of 16384 bytes/);
    const { channel, answer } = await joinFrom(server.port, '127.0.0.1', 'bystander');
    assert.is(answer.kind, 'welcome');
    channel.destroy();
  });
});

test.run();
