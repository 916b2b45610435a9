import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { randomPeerPorts, withServer } from '../../harness/server-process.js';
import { TestClient } from './test-client.js';

function range(text: string): [number, number] {
  const [low, high] = text.split('-').map(Number);
  return [low!, high!];
}

test('the first peer gets no referrals; the second is referred to the first', async () => {
  const ports = randomPeerPorts();
  const [low, high] = range(ports);
  await withServer(['--peer-ports', ports], async (server, track) => {
    const first = await TestClient.join(server.port, 's1');
    track(first.client);
    assert.ok(first.answer.kind === 'welcome', JSON.stringify(first.answer));
    assert.equal(first.answer.body.referrals, []);
    assert.ok(first.answer.body.port >= low && first.answer.body.port <= high, 'the port comes from --peer-ports');
    await first.client.goLive(first.answer.body.port);

    const second = await TestClient.join(server.port, 's2');
    track(second.client);
    assert.ok(second.answer.kind === 'welcome');
    assert.equal(second.answer.body.referrals, [
      { name: 's1', id: second.answer.body.referrals[0]!.id, host: '127.0.0.1', port: first.answer.body.port },
    ]);
    assert.is.not(second.answer.body.port, first.answer.body.port);
    assert.is(second.answer.body.peers, 1, 'one live peer when s2 was welcomed');
    await server.waitForLine(/^s2 joined from 127\.0\.0\.1:\d+ \(2\/10 peers\): port \d+, referred to s1$/);
  });
});

test('the 11th join is refused with P2P_ERR_MESH_FULL at the default maximum of 10', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    for (let i = 1; i <= 10; i++) {
      const { client, answer } = await TestClient.join(server.port, `peer${i}`);
      track(client);
      assert.is(answer.kind, 'welcome', `peer${i} is admitted`);
    }
    const { client, answer } = await TestClient.join(server.port, 'peer11');
    track(client);
    assert.ok(answer.kind === 'refused');
    assert.is(answer.body.code, 'P2P_ERR_MESH_FULL');
    assert.is(
      answer.body.reason,
      'the mesh is full (10 peers): try again when a peer leaves, or start the metadata server with a larger --max-peers',
    );
    assert.ok(await client.waitClosed(), 'the refused connection is closed');
    await server.waitForLine(/^refused "peer11" from .*P2P_ERR_MESH_FULL/);
  });
});

test('a name held by a live peer is refused in any case; bad names and flags are refused', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const s1 = await TestClient.join(server.port, 's1');
    track(s1.client);
    assert.ok(s1.answer.kind === 'welcome');
    await s1.client.goLive(s1.answer.body.port);

    const dup = await TestClient.join(server.port, 'S1');
    track(dup.client);
    assert.ok(dup.answer.kind === 'refused');
    assert.is(dup.answer.body.code, 'P2P_ERR_NAME_TAKEN');
    assert.match(dup.answer.body.reason, /choose another name/);
    assert.ok(await dup.client.waitClosed());

    const badName = await TestClient.join(server.port, 'bad name!');
    track(badName.client);
    assert.ok(badName.answer.kind === 'refused');
    assert.is(badName.answer.body.code, 'P2P_ERR_BAD_NAME');
    assert.match(badName.answer.body.reason, /letters, digits/);
    assert.ok(await badName.client.waitClosed());

    const badFlag = await TestClient.join(server.port, 's3', { flag: 'xyz' });
    track(badFlag.client);
    assert.ok(badFlag.answer.kind === 'refused');
    assert.is(badFlag.answer.body.code, 'P2P_ERR_BAD_FLAG');
    assert.ok(await badFlag.client.waitClosed());

    // s1 was never disturbed.
    const ack = await s1.client.heartbeat([]);
    assert.is(ack.peers, 1);
  });
});

test('a peer re-registering with its port keeps that port when it is free', async () => {
  await withServer(['--peer-ports', randomPeerPorts()], async (server, track) => {
    const { client, answer } = await TestClient.join(server.port, 'back', { port: 45555 });
    track(client);
    assert.ok(answer.kind === 'welcome');
    assert.is(answer.body.port, 45555);
    const other = await TestClient.join(server.port, 'other', { port: 45555 });
    track(other.client);
    assert.ok(other.answer.kind === 'welcome');
    assert.is.not(other.answer.body.port, 45555, 'the same port is never granted twice');
  });
});

test.run();
