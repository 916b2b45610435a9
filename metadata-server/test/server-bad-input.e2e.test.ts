import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { encodeFrame } from '../../common/frame-encoder.js';
import { serverMessages } from '../../common/wire/server-messages.js';
import { keyedMesh, OPEN_MESH } from '../../common/mesh-tls.js';
import { memberHandshake } from '../../harness/member-handshake.js';
import { meshKeyOf, randomPeerPorts, withServer, type ServerProcess } from '../../harness/server-process.js';
import { TestClient, WAIT_MS } from './test-client.js';

/**
 * Opens a raw connection as a member of the mesh (past the mesh-key handshake, so the bytes reach the frame
 * decoder), writes `bytes` (then half-closes when `end`), and resolves once the server closed it.
 */
async function sendRaw(
  port: number,
  bytes: Buffer,
  end = false,
): Promise<{ closedByServer: boolean; received: Buffer }> {
  const raw: Socket = connect({ port, host: '127.0.0.1' });
  raw.on('error', () => {});
  await once(raw, 'connect', { signal: AbortSignal.timeout(WAIT_MS) });
  const key = meshKeyOf(port);
  const { stream: socket } = await memberHandshake(raw, key ? keyedMesh(key) : OPEN_MESH);
  socket.on('error', () => {});
  const chunks: Buffer[] = [];
  socket.on('data', (c: Buffer) => chunks.push(c));
  const closed = once(socket, 'close').then(() => true);
  socket.write(bytes);
  if (end) socket.end();
  let timer: NodeJS.Timeout | undefined;
  const closedByServer = await Promise.race([
    closed,
    new Promise<boolean>((r) => (timer = setTimeout(() => r(false), WAIT_MS))),
  ]);
  clearTimeout(timer);
  socket.destroy();
  return { closedByServer, received: Buffer.concat(chunks) };
}

/** A joined, live peer that must not notice anything while other connections misbehave. */
async function bystander(server: ServerProcess, track: <T extends { close(): void }>(c: T) => T): Promise<TestClient> {
  const { client, answer } = await TestClient.join(server.port, 'bystander');
  track(client);
  assert.ok(answer.kind === 'welcome');
  await client.goLive(answer.body.port);
  return client;
}

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
}

const CASES: [string, Buffer, RegExp][] = [
  ['garbage text (an HTTP request)', Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'), /P2P_ERR_FRAME_TOO_LARGE/],
  [
    'an oversized declared length',
    Buffer.concat([lengthPrefix(0xffffffff), Buffer.from([1, 0x7b])]),
    /P2P_ERR_FRAME_TOO_LARGE/,
  ],
  ['a frame with no type byte', lengthPrefix(0), /P2P_ERR_BAD_FRAME/],
  ['an unknown message type', encodeFrame(200, Buffer.from('{}')), /P2P_ERR_UNKNOWN_TYPE/],
  [
    'a join whose payload is not JSON',
    encodeFrame(1, Buffer.from('{not json')),
    /P2P_ERR_BAD_MESSAGE: join: payload is not JSON/,
  ],
  [
    'a join that does not match the schema',
    encodeFrame(1, Buffer.from('{"flag":7,"name":"x"}')),
    /P2P_ERR_BAD_MESSAGE: join: flag must be a string/,
  ],
];

test('garbage, oversized, untyped, unknown and malformed frames close only that connection, logged', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const peer = await bystander(server, track);
    for (const [what, bytes, logged] of CASES) {
      const before = server.lines.length;
      const { closedByServer } = await sendRaw(server.port, bytes);
      assert.ok(closedByServer, `${what}: the server closed the connection`);
      const line = await server.waitForLine(logged, WAIT_MS, before);
      assert.match(line, /^closed 127\.0\.0\.1:\d+: /, `${what} is logged as one line naming the connection`);
      const ack = await peer.heartbeat([]);
      assert.is(ack.peers, 1, `${what}: the joined peer still gets heartbeat-acks`);
    }
  });
});

test('a truncated frame followed by a close is logged and nobody else notices', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const peer = await bystander(server, track);
    const whole = serverMessages.encode('join', {
      flag: 'p2p',
      name: 'half',
      id: 'half-id-1234',
      host: '127.0.0.1',
      version: 1,
    });
    const { closedByServer } = await sendRaw(server.port, whole.subarray(0, whole.length - 5), true);
    assert.ok(closedByServer);
    await server.waitForLine(/P2P_ERR_BAD_FRAME: connection closed in the middle of a frame/);
    assert.is((await peer.heartbeat([])).peers, 1);
    // The half-sent name was never registered.
    const again = await TestClient.join(server.port, 'half');
    track(again.client);
    assert.is(again.answer.kind, 'welcome');
  });
});

test('messages out of order are refused as unexpected and close only that connection', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const peer = await bystander(server, track);

    const early = track(await TestClient.connect(server.port));
    early.send('heartbeat', { neighbours: [] });
    const refused = await early.next('refused');
    assert.is(refused.code, 'P2P_ERR_UNEXPECTED_MESSAGE');
    assert.match(refused.reason, /send join first/);
    assert.ok(await early.waitClosed());

    const impostor = track(await TestClient.connect(server.port));
    impostor.send('welcome', { port: 1234, referrals: [], peers: 0 });
    assert.is((await impostor.next('refused')).code, 'P2P_ERR_UNEXPECTED_MESSAGE');
    assert.ok(await impostor.waitClosed());

    const twice = await TestClient.join(server.port, 'twice');
    track(twice.client);
    twice.client.send('join', { flag: 'p2p', name: 'twice', id: twice.client.id, host: '127.0.0.1', version: 1 });
    assert.is((await twice.client.next('refused')).code, 'P2P_ERR_UNEXPECTED_MESSAGE');
    assert.ok(await twice.client.waitClosed());
    await server.waitForLine(/^twice is gone/);

    assert.is((await peer.heartbeat([])).peers, 1);
  });
});

test('garbage from a joined peer closes it and frees its slot; the other peer carries on', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const peer = await bystander(server, track);
    const { client, answer } = await TestClient.join(server.port, 'noisy');
    track(client);
    assert.ok(answer.kind === 'welcome');
    await client.goLive(answer.body.port, ['bystander']);
    assert.is((await peer.heartbeat(['noisy'])).peers, 2);
    client.channel.sendRaw(Buffer.from([0, 0, 0, 2, 99, 99]));
    assert.ok(await client.waitClosed());
    await server.waitForLine(/^noisy is gone: unknown message type 99/);
    assert.is((await peer.heartbeat(['noisy'])).peers, 1);
  });
});

test.run();
